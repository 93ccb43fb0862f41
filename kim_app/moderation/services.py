"""Moderation: the queue, the verdicts, and the audit log they leave.

The allowed moves of an item live in TRANSITIONS and nowhere else. A verdict is applied with a conditional UPDATE
(`WHERE status = <the status the moderator saw>`), so when two moderators act on the same item at once, one wins and
the other is told, instead of one silently overwriting the other.
"""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.errors import Conflict, Invalid, NotFound
from kim_app.extensions import db
from kim_app.moderation.models import ModerationEvent
from kim_app.timeutil import utcnow

logger = logging.getLogger(__name__)

# action -> (the status it leaves, the status it reaches, whether the moderator must write a note)
TRANSITIONS = {
    "setujui": ("menunggu", "disetujui", False),
    "tolak": ("menunggu", "ditolak", True),
    "revisi": ("menunggu", "perlu_revisi", True),
}
NOTE_REQUIRED = {"tolak": "Tulis alasan penolakan.", "revisi": "Tulis catatan apa yang perlu diperbaiki."}

# Preset rejection reasons a moderator can pick; free text is always allowed beside them.
ALASAN_TOLAK = (
    "Bukan berita / tidak sesuai kategori",
    "Data pribadi terlihat",
    "Duplikat dari kiriman lain",
    "Mengandung SARA atau hoaks",
)


class StaleAction(Conflict):
    slug = "stale-action"
    title = "Item sudah diputuskan"


class PhotosIncomplete(Conflict):
    slug = "photos-incomplete"
    title = "Foto belum lengkap"


def record_event(submission, actor: User, action: str, from_status: str | None, note: str | None) -> None:
    db.session.add(
        ModerationEvent(
            submission_id=submission.id,
            actor_id=actor.id,
            action=action,
            from_status=from_status,
            to_status=submission.status,
            revision=submission.revision,
            note=note,
            created_at=utcnow(),
        )
    )


def _submission_model():
    from kim_app.sync.models import Submission  # the sync domain owns the item; moderation acts on it

    return Submission


def queue(moderator: User, limit: int = 50):
    """Pending items this moderator may act on, oldest first. An item whose photos are still arriving is not here
    yet: it joins the queue when its last photo is `siap` (docs/sync-protocol.md)."""
    from kim_app.media.models import photos_complete

    Submission = _submission_model()
    query = (
        select(Submission)
        .where(
            Submission.status == "menunggu",
            policy.moderation_scope(moderator, Submission.kabupaten_kode),
            photos_complete(Submission.id),
        )
        .order_by(Submission.received_at, Submission.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def item_for(moderator: User, item_id: int):
    """An item the moderator may see; others' items look exactly like missing ones."""
    item = db.session.get(_submission_model(), item_id)
    if item is None or not policy.can_moderate(moderator, item):
        raise NotFound("Item tidak ditemukan.")
    return item


def history(item) -> list[ModerationEvent]:
    return list(
        db.session.scalars(
            select(ModerationEvent).where(ModerationEvent.submission_id == item.id).order_by(ModerationEvent.id)
        )
    )


def decide(moderator: User, item_id: int, action: str, note: str | None):
    """Apply a verdict; the caller gets the updated item or a ProblemError saying why not."""
    from kim_app.sync.models import PUBLIC_KINDS

    Submission = _submission_model()
    item = item_for(moderator, item_id)
    if action not in TRANSITIONS:
        raise Invalid("Tindakan tidak dikenal.")
    from_status, to_status, needs_note = TRANSITIONS[action]
    if not item.photos_complete:
        raise PhotosIncomplete("Foto item ini belum lengkap diterima; putuskan setelah semua foto masuk.")
    note = (note or "").strip() or None
    if needs_note and not note:
        raise Invalid(NOTE_REQUIRED[action], errors={"note": [NOTE_REQUIRED[action]]})
    now = utcnow()
    values = {"status": to_status, "moderator_note": note, "updated_at": now}
    if to_status == "disetujui" and item.kind in PUBLIC_KINDS:
        values["published_at"] = now
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == item.id, Submission.status == from_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StaleAction("Item ini sudah diputuskan oleh moderator lain. Muat ulang untuk melihat keputusannya.")
    db.session.refresh(item)
    record_event(item, actor=moderator, action=action, from_status=from_status, note=note)
    db.session.commit()
    logger.info("Item %s: %s by %s", item.id, action, moderator.username)
    return item
