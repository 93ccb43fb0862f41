"""Moderation: the verdicts, the moderator's edit, and the audit log they leave.

The allowed moves of an item live in TRANSITIONS and nowhere else (a complaint's own lifecycle: LIFECYCLE in
kim_app/complaints/services.py). Every action carries the item's `version`, the counter bumped by every change of the
row, and is applied with a conditional UPDATE (`WHERE version = <the version the moderator saw>`): when two moderators
act on the same item, or a member's revision arrives while a moderator reads the old text, one wins and the other is
told, instead of one silently overwriting the other. An item leased to another moderator (queue.py) is refused too.
"""
from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from sqlalchemy import or_, select, update

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.complaints import services as complaints
from kim_app.errors import Conflict, Invalid, NotFound
from kim_app.extensions import db
from kim_app.moderation.models import ModerationEvent
from kim_app.timeutil import format_wita, utcnow

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
    "Foto tidak jelas",
    "Data pribadi terlihat",
    "Duplikat dari kiriman lain",
    "Mengandung SARA atau hoaks",
)
# What a moderator may correct before publishing (typos, the title), per kind. A complaint is not published.
EDITABLE = {"berita": ("judul", "isi"), "foto": ("keterangan",)}
EDIT_LIMITS = {"judul": 200, "isi": 20000, "keterangan": 2000}


class StaleAction(Conflict):
    slug = "stale-action"
    title = "Item sudah berubah"


class ClaimedByOther(Conflict):
    slug = "claimed"
    title = "Item sedang ditangani moderator lain"


class PhotosIncomplete(Conflict):
    slug = "photos-incomplete"
    title = "Foto belum lengkap"


def record_event(
    submission, actor: User, action: str, from_status: str | None, note: str | None, details: dict | None = None
) -> ModerationEvent:
    event = new_event(submission, actor, action, from_status, note, details)
    db.session.add(event)
    return event


def new_event(
    submission, actor: User, action: str, from_status: str | None, note: str | None, details: dict | None = None
) -> ModerationEvent:
    """The audit log's entry for a move of the item, not yet added: `record_event` adds it to the session; a create
    writes it with its item's other rows (kim_app/sync/services.py)."""
    return ModerationEvent(
        submission_id=submission.id,
        actor_id=actor.id,
        action=action,
        from_status=from_status,
        to_status=submission.status,
        revision=submission.revision,
        note=note,
        details=details,
        created_at=utcnow(),
    )


def _submission_model():
    from kim_app.sync.models import Submission  # the sync domain owns the item; moderation acts on it

    return Submission


def queue(moderator: User, limit: int = 50):
    """The first page of the moderator's queue, unfiltered (the pages use moderation/queue.py directly)."""
    from kim_app.moderation.queue import QueueFilter, page

    return page(moderator, QueueFilter(), limit=limit)[:limit]


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


def apply_change(moderator: User, item, version: int | None, values: dict, leaves_status: str | None = None) -> None:
    """The one way a moderator changes an item: a conditional UPDATE on the version they saw (and the status the
    move leaves), refused while another moderator holds the item's lease. Bumps the version and ends any lease.
    Raises StaleAction / ClaimedByOther after rolling back; on success the item is refreshed, not yet committed."""
    Submission = _submission_model()
    if version is None:
        raise Invalid("Formulir ini tidak membawa versi item. Muat ulang halaman lalu coba lagi.")
    now = utcnow()
    conditions = [
        Submission.id == item.id,
        Submission.version == version,
        or_(
            Submission.claimed_by.is_(None),
            Submission.claimed_by == moderator.id,
            Submission.claim_expires_at < now,
        ),
    ]
    if leaves_status is not None:
        conditions.append(Submission.status == leaves_status)
    result = db.session.execute(
        update(Submission)
        .where(*conditions)
        .values(**values, version=Submission.version + 1, claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        db.session.refresh(item)
        return
    db.session.rollback()
    current = db.session.get(Submission, item.id)
    if leaves_status is not None and current.status != leaves_status:
        raise StaleAction("Item ini sudah diputuskan oleh moderator lain. Muat ulang untuk melihat keputusannya.")
    if current.version != version:
        raise StaleAction(
            "Item ini sudah diubah sejak Anda membukanya (oleh moderator lain atau revisi anggota). "
            "Muat ulang halaman, periksa isinya, lalu ulangi tindakan Anda."
        )
    holder = current.claimer.nama if current.claimer else "moderator lain"
    raise ClaimedByOther(
        f"Item ini sedang ditangani {holder} sampai {format_wita(current.claim_expires_at)}. "
        "Ambil item berikutnya dari antrean."
    )


def decide(moderator: User, item_id: int, action: str, note: str | None, version: int | None = None):
    """Apply a verdict; the caller gets the updated item or a ProblemError saying why not.

    `version` is the version the moderator saw; None is for the operator's own scripts (demo data), never a page."""
    from kim_app.sync.models import PUBLIC_KINDS

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
    if item.kind == "aduan" and action in complaints.LIFECYCLE:
        values["aduan_status"] = complaints.LIFECYCLE[action].reaches
    apply_change(moderator, item, item.version if version is None else version, values, leaves_status=from_status)
    record_event(item, actor=moderator, action=action, from_status=from_status, note=note)
    db.session.commit()
    logger.info("Item %s: %s by %s", item.id, action, moderator.username)
    return item


@dataclass(frozen=True)
class BulkResult:
    item_id: int
    ok: bool
    message: str


def decide_many(moderator: User, selected: list[tuple[int, int]], action: str, note: str | None) -> list[BulkResult]:
    """A verdict on several items, each one exactly as if decided alone: its own version check, its own audit entry,
    its own commit. One refusal does not hold the others back; the results say which went through."""
    if action not in ("setujui", "tolak"):
        raise Invalid("Tindakan massal hanya setujui atau tolak.")
    if not selected:
        raise Invalid("Pilih paling sedikit satu item.")
    results = []
    for item_id, version in selected:
        try:
            decide(moderator, item_id, action, note, version)
        except (Conflict, Invalid, NotFound) as error:
            db.session.rollback()
            results.append(BulkResult(item_id, False, error.detail))
        else:
            results.append(BulkResult(item_id, True, "ok"))
    return results


def edit(moderator: User, item_id: int, version: int | None, changes: dict[str, str | None]):
    """Correct a pending item before publishing it. The item changes; the member's words stay as they were sent in
    `submission_revision`, and the audit log keeps each changed field before and after."""
    item = item_for(moderator, item_id)
    fields = EDITABLE.get(item.kind)
    if not fields:
        raise Invalid("Jenis item ini tidak disunting sebelum terbit.")
    if item.status != "menunggu":
        raise StaleAction("Hanya item yang masih menunggu yang dapat disunting.")
    values, details, errors = {}, {}, {}
    for name in fields:
        if name not in changes:
            continue
        text = (changes[name] or "").replace("\r\n", "\n").strip()
        if not text:
            errors[name] = ["Wajib diisi."]
        elif len(text) > EDIT_LIMITS[name]:
            errors[name] = [f"Paling banyak {EDIT_LIMITS[name]} karakter."]
        elif text != getattr(item, name):
            values[name] = text
            details[name] = {"sebelum": getattr(item, name), "sesudah": text}
    if errors:
        raise Invalid("Ada isian yang belum benar.", errors=errors)
    if not values:
        return item
    apply_change(moderator, item, version, {**values, "updated_at": utcnow()}, leaves_status="menunggu")
    record_event(item, actor=moderator, action="sunting", from_status=item.status, note=None,
                 details={"fields": details})
    db.session.commit()
    logger.info("Item %s edited by %s (%s)", item.id, moderator.username, ", ".join(sorted(values)))
    return item


def advance_complaint(moderator: User, item_id: int, action: str, version: int | None, text: str | None):
    """A follow-up move of a complaint after verification (LIFECYCLE): forwarded to a unit, answered, closed."""
    item = item_for(moderator, item_id)
    if item.kind != "aduan" or action not in complaints.FOLLOW_UP:
        raise Invalid("Tindakan tidak dikenal untuk item ini.")
    move = complaints.LIFECYCLE[action]
    if item.aduan_status != move.leaves:
        raise StaleAction(
            f"Aduan ini berstatus {complaints.STATUS_LABELS[item.aduan_status].lower()}; "
            f"langkah '{move.label}' tidak berlaku. Muat ulang halaman."
        )
    text = (text or "").strip() or None
    values: dict = {"aduan_status": move.reaches, "updated_at": utcnow()}
    if move.needs:
        if not text:
            message = complaints.NEEDS_MESSAGES[move.needs]
            raise Invalid(message, errors={move.needs: [message]})
        values[move.needs] = text
    apply_change(moderator, item, version, values)
    record_event(item, actor=moderator, action=action, from_status=item.status, note=text,
                 details={"aduan_status": {"sebelum": move.leaves, "sesudah": move.reaches}})
    db.session.commit()
    logger.info("Complaint %s: %s by %s", item.id, action, moderator.username)
    return item


# --- What changed between two revisions (the moderator's item page) ------------------------------------------------

COMPARED = ("kategori", "judul", "isi", "uraian", "lokasi", "keterangan", "pelapor_nama", "pelapor_telepon")
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    parts: list[tuple[str, str]]  # (op, text): op is "sama", "hapus" or "tambah"; rendered escaped by the template


def word_diff(before: str | None, after: str | None) -> list[tuple[str, str]]:
    old, new = _WORDS.findall(before or ""), _WORDS.findall(after or "")
    parts: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(("sama", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("hapus", "".join(old[i1:i2])))
        if j2 > j1:
            parts.append(("tambah", "".join(new[j1:j2])))
    return parts


def revision_changes(item) -> list[FieldDiff]:
    """The fields that differ between the member's latest revision and the one before it (empty for revision 1)."""
    revisions = item.revisions
    if len(revisions) < 2:
        return []
    before, after = revisions[-2], revisions[-1]
    return [
        FieldDiff(name, word_diff(getattr(before, name), getattr(after, name)))
        for name in COMPARED
        if getattr(before, name) != getattr(after, name)
    ]
