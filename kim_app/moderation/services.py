"""Moderation: the verdicts, the moderator's edit, a complaint's follow-up — each a move of the item core's one
status table (kim_app/items/statuses.py), applied by `kim_app.items.services.move`.

Every action carries the item's `version`, the counter bumped by every change of the row: the move's UPDATE holds
only while the version is the one the moderator saw, so when two moderators act on the same item, or a member's
revision arrives while a moderator reads the old text, one wins and the other is told, instead of one silently
overwriting the other. An item leased to another moderator (queue.py) is refused too.
"""
from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.errors import Conflict, Invalid, NotFound, ProblemError
from kim_app.extensions import db
from kim_app.items import kinds
from kim_app.items import services as items
from kim_app.items.models import Item, ItemEvent
from kim_app.items.statuses import ADUAN_STATUS_LABELS, FOLLOW_UP, MOVES, VERDICTS, Status
from kim_app.timeutil import format_wita, utcnow

logger = logging.getLogger(__name__)


class StaleAction(Conflict):
    slug = "stale-action"
    title = "Item sudah berubah"


class ClaimedByOther(Conflict):
    slug = "claimed"
    title = "Item sedang ditangani moderator lain"


class PhotosIncomplete(Conflict):
    slug = "photos-incomplete"
    title = "Foto belum lengkap"


def item_for(moderator: User, item_id: int) -> Item:
    """An item the moderator may see; others' items look exactly like missing ones."""
    item = db.session.get(Item, item_id)
    if item is None or not policy.can_moderate(moderator, item):
        raise NotFound("Item tidak ditemukan.")
    return item


def history(item: Item) -> list[ItemEvent]:
    return list(db.session.scalars(select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(ItemEvent.id)))


def _act(moderator: User, item: Item, action: str, version: int | None, **move_args) -> Item:
    """The one way a moderator moves an item: on the version they saw, refused while another moderator holds the
    item's lease (an expired lease holds nothing)."""
    if version is None:
        raise Invalid("Formulir ini tidak membawa versi item. Muat ulang halaman lalu coba lagi.")
    lease_free = or_(Item.claimed_by.is_(None), Item.claimed_by == moderator.id, Item.claim_expires_at < utcnow())
    if not items.move(item, action, moderator, guard=[Item.version == version, lease_free], **move_args):
        _explain_refusal(item, MOVES[action], version)
    logger.info("Item %s: %s by %s", item.id, action, moderator.username)
    return item


def _explain_refusal(item: Item, move, version: int) -> None:
    current = items.current(item.id)
    if current.status not in move.leaves:
        raise StaleAction("Item ini sudah diputuskan oleh moderator lain. Muat ulang untuk melihat keputusannya.")
    lifecycle_moved = move.aduan is not None and current.spec.tracked and current.aduan_status != move.aduan[0]
    if current.version != version or lifecycle_moved:
        raise StaleAction(
            "Item ini sudah diubah sejak Anda membukanya (oleh moderator lain atau revisi anggota). "
            "Muat ulang halaman, periksa isinya, lalu ulangi tindakan Anda."
        )
    holder = current.claimer.nama if current.claimer else "moderator lain"
    raise ClaimedByOther(
        f"Item ini sedang ditangani {holder} sampai {format_wita(current.claim_expires_at)}. "
        "Ambil item berikutnya dari antrean."
    )


def decide(moderator: User, item_id: int, action: str, note: str | None, version: int | None = None) -> Item:
    """Apply a verdict; the caller gets the updated item or a ProblemError saying why not.

    `version` is the version the moderator saw; None is for the operator's own scripts (demo data), never a page."""
    item = item_for(moderator, item_id)
    if action not in VERDICTS:
        raise Invalid("Tindakan tidak dikenal.")
    if not item.photos_complete:
        raise PhotosIncomplete("Foto item ini belum lengkap diterima; putuskan setelah semua foto masuk.")
    return _act(moderator, item, action, item.version if version is None else version, note=note)


@dataclass(frozen=True)
class BulkResult:
    item_id: int
    ok: bool
    message: str


def decide_many(moderator: User, selected: list[tuple[int, int]], action: str, note: str | None) -> list[BulkResult]:
    """A verdict on several items, each one exactly as if decided alone: its own version check, its own audit entry,
    its own savepoint. One refusal does not hold the others back; the results say which went through."""
    if action not in ("setujui", "tolak"):
        raise Invalid("Tindakan massal hanya setujui atau tolak.")
    if not selected:
        raise Invalid("Pilih paling sedikit satu item.")
    results = []
    for item_id, version in selected:
        try:
            with db.session.begin_nested():
                decide(moderator, item_id, action, note, version)
        except ProblemError as error:
            results.append(BulkResult(item_id, False, error.detail))
        else:
            results.append(BulkResult(item_id, True, "ok"))
    return results


def edit(moderator: User, item_id: int, version: int | None, changes: dict[str, str | None]) -> Item:
    """Correct a pending item before publishing it. The item changes; the member's words stay as they were sent in
    the revision rows, and the audit log keeps each changed field before and after."""
    item = item_for(moderator, item_id)
    spec = item.spec
    if not spec.editable:
        raise Invalid("Jenis item ini tidak disunting sebelum terbit.")
    if item.status != Status.MENUNGGU:
        raise StaleAction("Hanya item yang masih menunggu yang dapat disunting.")
    values, details, errors = {}, {}, {}
    for name in spec.editable:
        if name not in changes:
            continue
        limit = kinds.content_field(name).max_length
        text = (changes[name] or "").replace("\r\n", "\n").strip()
        if not text:
            errors[name] = ["Wajib diisi."]
        elif len(text) > limit:
            errors[name] = [f"Paling banyak {limit} karakter."]
        elif text != item.value(name):
            values[name] = text
            details[name] = {"sebelum": item.value(name), "sesudah": text}
    if errors:
        raise Invalid("Ada isian yang belum benar.", errors=errors)
    if not values:
        return item
    return _act(moderator, item, "sunting", version, values=values, details={"fields": details})


def advance_complaint(moderator: User, item_id: int, action: str, version: int | None, text: str | None) -> Item:
    """A follow-up move of a complaint after verification: forwarded to a unit, answered, closed."""
    item = item_for(moderator, item_id)
    if not item.spec.tracked or action not in FOLLOW_UP:
        raise Invalid("Tindakan tidak dikenal untuk item ini.")
    move = MOVES[action]
    leaves, reaches = move.aduan
    if item.aduan_status != leaves:
        raise StaleAction(
            f"Aduan ini berstatus {ADUAN_STATUS_LABELS[item.aduan_status].lower()}; "
            f"langkah '{move.label}' tidak berlaku. Muat ulang halaman."
        )
    return _act(moderator, item, action, version, note=text,
                details={"aduan_status": {"sebelum": leaves, "sesudah": reaches}})


# --- What changed between two revisions (the moderator's item page) ------------------------------------------------

COMPARED = ("kategori", *kinds.CONTENT_FIELDS)
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


def revision_changes(item: Item) -> list[FieldDiff]:
    """The fields that differ between the member's latest revision and the one before it (empty for revision 1)."""
    revisions = item.revisions
    if len(revisions) < 2:
        return []
    before, after = revisions[-2], revisions[-1]
    return [
        FieldDiff(name, word_diff(before.value(name), after.value(name)))
        for name in COMPARED
        if before.value(name) != after.value(name)
    ]
