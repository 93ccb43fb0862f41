"""The operations of the item core that every domain uses: applying a move of the status table, writing the audit log,
raising the queue entry, finding items, and complaints' tracking codes. Each change of what the kept counts count
(kim_app/items/counts.py) is made here and tells them: a create, a move, a verdict, a photo that arrives.

Services flush, they never commit: the request's one transaction is committed in one place (kim_app/database.py).
"""
from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from kim_app.accounts.models import User
from kim_app.errors import Invalid
from kim_app.extensions import db
from kim_app.items import counts, events
from kim_app.items.models import Item, ItemEvent
from kim_app.items.statuses import MOVES, VERDICTS, Actor, Move, Status
from kim_app.timeutil import UTCDateTime, utcnow

logger = logging.getLogger(__name__)


def new_event(
    item: Item, actor: User, action: str, from_status: str | None, note: str | None = None,
    details: dict | None = None, at: datetime | None = None,
) -> ItemEvent:
    """The audit log's entry for a move of the item, not yet added to the session (a create writes it with its item's
    other rows; `record_event` adds it). `at`: the move's moment, when the item's row keeps it too."""
    return ItemEvent(
        item_id=item.id,
        actor_id=actor.id,
        action=action,
        from_status=from_status,
        to_status=item.status,
        revision=item.revision,
        note=note,
        details=details,
        created_at=at or utcnow(),
    )


def record_event(
    item: Item, actor: User, action: str, from_status: str | None, note: str | None = None,
    details: dict | None = None, at: datetime | None = None,
) -> ItemEvent:
    event = new_event(item, actor, action, from_status, note, details, at)
    db.session.add(event)
    return event


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def move(
    item: Item,
    action: str,
    actor: User,
    *,
    guard=(),
    values: dict | None = None,
    note: str | None = None,
    details: dict | None = None,
) -> bool:
    """Apply one move of MOVES to the item: one conditional UPDATE (the status it leaves, the complaint's lifecycle
    status it leaves, and the caller's `guard` conditions: the version the moderator saw, a free lease, the revision
    before), the audit entry, and the events. Every move bumps `version` and ends any lease.

    `note` is what the move needs written (a reason, a unit, a response; refused with a clear message when missing).
    Returns False, changing nothing, when the item was not where the move starts — the caller explains why.
    """
    spec = MOVES[action]
    if spec.leaves == (None,):
        raise ValueError(f"{action} creates an item; it is not a move of a stored one")
    if not spec.applies_to(item.kind):
        raise Invalid("Tindakan ini tidak berlaku untuk jenis item ini.")
    note = _clean(note)
    if spec.needs and not note:
        raise Invalid(spec.needs_message, errors={spec.needs: [spec.needs_message]})
    now = utcnow()
    changes = dict(values or {})
    conditions = [Item.id == item.id, Item.status.in_([status for status in spec.leaves if status is not None])]
    if spec.needs and spec.needs != "note":
        changes[spec.needs] = note
    if spec.reaches is not None:
        changes["status"] = spec.reaches
        # A verdict's reason or request is shown to the member; the member's own move clears it.
        changes["moderator_note"] = note if spec.by is Actor.MODERATOR else None
        if spec.reaches is Status.DISETUJUI and item.spec.public:
            changes["published_at"] = now
    if spec.aduan is not None and item.spec.tracked:
        leaves, reaches = spec.aduan
        conditions.append(Item.aduan_status == leaves)
        changes["aduan_status"] = reaches
    if action in VERDICTS:
        # The first verdict's moment stays; its audit entry carries the same moment.
        changes["decided_at"] = func.coalesce(Item.decided_at, bindparam("decided_at", now, type_=UTCDateTime()))
    changes.update(updated_at=now, version=Item.version + 1, claimed_by=None, claim_expires_at=None)
    # Where the item stood, for the kept counts: read under its row lock, which the UPDATE would take anyway.
    before = counts.stored(item.id, lock=True)
    result = db.session.execute(
        update(Item).where(*conditions, *guard).values(**changes).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(item)
    after = counts.with_changes(before, item)
    counts.record(before, after)
    event = record_event(item, actor, action, before.status, note, details, at=now)
    counts.record_verdict(item, event)
    _announce(item, spec, event, after)
    return True


def announce_created(item: Item, event: ItemEvent) -> None:
    """A new item was written (kim_app/sync/services.py writes its rows itself, for speed): it is counted, and the
    events of its first move are raised (`kirim`, or `lapor` for a report, which enters no queue)."""
    now = counts.of_new(item)
    counts.record(None, now)
    _announce(item, MOVES[event.action], event, now)


def _announce(item: Item, spec: Move, event: ItemEvent, now: counts.Counted) -> None:
    events.moved.send(item, move=spec, event=event)
    if spec.enters_queue and _waits(now):
        events.entered_queue.send(item)


def _waits(state: counts.Counted) -> bool:
    """In the moderators' queue: pending, with all its photos in."""
    return state.status == Status.MENUNGGU and state.photos_complete


def check_queue_entry(item: Item) -> None:
    """A photo of the item that had not arrived now has (`siap`), or was withdrawn (kim_app/media/services.py): the
    item was out of the queue until now, and enters it if it is pending and no other photo is missing — counted, and
    `entered_queue` raised. Call it once per such photo, after the photo's change."""
    now = counts.stored(item.id, lock=True)
    if _waits(now):
        counts.record(now._replace(photos_complete=False), now)
        events.entered_queue.send(item)


def by_uuid(client_uuid: uuid.UUID, *options) -> Item | None:
    return db.session.scalar(select(Item).where(Item.client_uuid == client_uuid).options(*options))


def current(item_id: int) -> Item | None:
    """The item as the database holds it now (after a move was refused: to say why)."""
    return db.session.get(Item, item_id, populate_existing=True)


# --- Complaints' tracking codes ------------------------------------------------------------------------------------

# No 0/O, 1/I/L: a code read aloud over the phone or copied off a scrap of paper must survive.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# 31^8 ≈ 8.5e11 codes: a collision is rare, and the unique constraint catches it; the create draws again.
CODE_ATTEMPTS = 5


def new_tracking_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str | None) -> str:
    """What a person typed into the form, as a code: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def tracking_code_taken(code: str) -> bool:
    return db.session.scalar(select(Item.id).where(Item.tracking_code == code)) is not None


def by_tracking_code(code: str) -> Item | None:
    code = normalize_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Item).where(Item.tracking_code == code))
