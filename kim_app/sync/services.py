"""The phone's side of the item core: receiving items and revisions exactly once, and telling phones what became of
their items (docs/sync-protocol.md)."""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import marshmallow as ma
from flask import current_app
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.accounts.session import current_session_key
from kim_app.database import insert_rows, insert_together, insert_unless_exists
from kim_app.errors import DETAILS, SLUGS, TITLES, Conflict, Forbidden, Invalid, NotFound, ProblemError, problem
from kim_app.extensions import db
from kim_app.inputs import parse_moment
from kim_app.items import kinds
from kim_app.items import services as items
from kim_app.items.models import COLUMN_FIELDS, Item, ItemRevision
from kim_app.items.statuses import Move, Status, first_move
from kim_app.media import services as media
from kim_app.pengumuman import services as pengumuman
from kim_app.sync.schemas import ItemCreateSchema
from kim_app.timeutil import as_utc, utcnow
from kim_app.wilayah.models import Desa

logger = logging.getLogger(__name__)


class ItemConflict(Conflict):
    title = "Item dengan UUID ini sudah ada dengan isi berbeda"


class WrongAuthor(Forbidden):
    slug = "wrong-author"
    title = "Item ini milik akun lain"


class DesaOutsideArea(Invalid):
    slug = "desa-outside-area"
    title = "Desa di luar wilayah KIM Anda"


class UnknownReference(Invalid):
    slug = "unknown-reference"
    title = "Yang dirujuk tidak ditemukan"


# What a field of a kind may name (kinds.Field.refers_to), and how to know that the member may name it.
REFERENCES = {
    "pengumuman": (lambda author, value: pengumuman.reached(author.kim, int(value)),
                   "Pengumuman ini tidak ditemukan atau tidak dikirim ke KIM Anda."),
}


def _check_references(author: User, spec, data: dict) -> None:
    for field in spec.fields:
        if field.refers_to and data.get(field.name):
            allowed, message = REFERENCES[field.refers_to]
            if not allowed(author, data[field.name]):
                raise UnknownReference(message, errors={field.name: [message]})


class RevisionConflict(Conflict):
    slug = "revision-conflict"
    title = "Revisi tidak cocok dengan item di server"


# The fields of the protocol's first version are always in the canonical form (null when empty); every field that
# came later enters it only when used, so an item stored before that field existed keeps its hash, and a late resend
# of it is still recognised as the same item.
ALWAYS_HASHED = ("judul", "isi", "uraian", "lokasi", "pelapor_nama", "pelapor_telepon")


def content_hash(
    kind: str, author_id: int, desa_kode: str, captured_at: datetime, fields: dict, photos: list[dict] = ()
) -> str:
    """SHA-256 of what the member captured, in one canonical form, so a resend can be recognised as the same item.

    The declared photos count (id, hash, size, in order): the same UUID with another photo list is another item.
    """
    canonical = {
        "kind": kind,
        "author_id": author_id,
        "desa_kode": desa_kode,
        "captured_at": as_utc(captured_at).isoformat(timespec="microseconds"),
        **{
            name: fields.get(name)
            for name in kinds.CONTENT_FIELDS
            if name in ALWAYS_HASHED or fields.get(name) is not None
        },
    }
    if photos:
        canonical["photos"] = [
            {"id": str(photo["id"]), "sha256": photo["sha256"], "size": photo["size"]} for photo in photos
        ]
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _stored(fields: dict) -> dict:
    """The content fields as the item keeps them: columns by name, the rest in `rincian`."""
    values = {name: value for name, value in fields.items() if name in COLUMN_FIELDS}
    rincian = {name: value for name, value in fields.items() if name not in COLUMN_FIELDS and value is not None}
    values["rincian"] = rincian or None
    return values


def _filing_desa(author: User, desa_kode: str | None) -> Desa:
    """The desa an item of this author is filed into — the one check for every create and every revision: a KIM
    reports from its own area (policy.may_file_into). Omitted, it is the author's KIM's desa."""
    if desa_kode is None:
        if author.kim is None:
            raise Invalid("Akun ini tidak terdaftar di KIM mana pun.", errors={"desa_kode": ["Wajib diisi."]})
        desa = author.kim.desa
    else:
        desa = db.session.get(Desa, desa_kode)
        if desa is None:
            raise Invalid("Kode desa tidak dikenal.", errors={"desa_kode": ["Kode desa tidak dikenal."]})
    if not policy.may_file_into(author, desa):
        kim = author.kim
        where = f"{kim.nama}, Desa {kim.desa.nama}" if kim else "tanpa KIM"
        message = f"Desa {desa.nama} ({desa.kode}) di luar wilayah KIM Anda ({where})."
        raise DesaOutsideArea(
            f"{message} Berita dan aduan dikirim dari desa wilayah KIM Anda; pilih desa itu lalu simpan lagi.",
            errors={"desa_kode": [message]},
        )
    return desa


def _check_author(author: User, data: dict, message: str) -> None:
    if data["author_id"] != author.id:
        raise WrongAuthor(message)


@dataclass
class _Arrival:
    """A create body that passed every check, and the new item it describes: not written yet, its photos declared."""

    data: dict
    item: Item
    fields: dict
    digest: str
    first: Move


def _arrival(author: User, data: dict) -> _Arrival:
    """Everything a create asks before anything is written — the author, the desa, what a field refers to — and the
    new item as it would be stored. Raises the refusal (a ProblemError) otherwise."""
    _check_author(author, data,
                  "Item ini dibuat oleh akun lain di HP ini. Item menunggu sampai pemiliknya masuk dan mengirimnya.")
    desa = _filing_desa(author, data.get("desa_kode"))
    spec = kinds.KINDS[data["kind"]]
    _check_references(author, spec, data)
    # The kind's first move decides where a new item stands: `kirim` into the queue, `lapor` recorded (a report).
    first = first_move(spec.name)
    fields = {name: data.get(name) for name in kinds.CONTENT_FIELDS}
    photos = data.get("photos") or []
    digest = content_hash(data["kind"], author.id, desa.kode, data["captured_at"], fields, photos)
    now = utcnow()
    item = Item(
        client_uuid=data["uuid"],
        kind=data["kind"],
        author_id=author.id,
        kim_id=author.kim_id,
        desa_kode=desa.kode,
        kabupaten_kode=desa.kabupaten_kode,
        kategori=data["kategori"],
        captured_at=_not_after(data["captured_at"], now),
        received_at=now,
        updated_at=now,
        created_session=current_session_key(),
        status=first.reaches,
        revision=1,
        version=1,
        content_hash=digest,
        **_stored(fields),
    )
    if spec.tracked:
        item.tracking_code = items.new_tracking_code()
        item.aduan_status = first.aduan[1]
    media.declare(item, photos)
    return _Arrival(data, item, fields, digest, first)


def _resent(existing: Item, author: User, digest: str) -> Item:
    """A UUID the server has: the same item sent again (common on 2G, where answers get lost), or a conflict."""
    if existing.author_id != author.id or existing.content_hash != digest:
        raise ItemConflict(
            "Server sudah menerima item dengan UUID ini, tetapi isinya berbeda. Item di HP tidak digabung; "
            "simpan sebagai item baru bila perlu."
        )
    return existing


def _rows_after_item(author: User, arrival: _Arrival) -> list:
    """The rows a new item brings once its own row is written (its id is set): its photos, its first revision, the
    audit event of its first move."""
    item = arrival.item
    for photo in item.photos:
        photo.item_id = item.id
    event = items.new_event(item, actor=author, action=arrival.first.action, from_status=None)
    # The answer is built from these objects: the history of a new item is this one event.
    set_committed_value(item, "events", [event])
    return [*item.photos, _revision_row(item, 1, item.captured_at, arrival.fields, arrival.digest, item.received_at),
            event]


def _announce_created(author: User, item: Item) -> None:
    items.announce_created(item, item.events[0])
    logger.info("Item %s (%s) received from %s", item.client_uuid, item.kind, author.username)


def receive_item(author: User, data: dict) -> tuple[Item, bool]:
    """Store an item sent by a phone, exactly once. Returns the stored item and whether it was new.

    The unique constraint on client_uuid decides, not a look-up first: two copies of the same request racing each
    other (a retry after a lost response, the service worker and the page at once) still leave one row. A complaint
    gets its tracking code here; should the code already be taken (the unique constraint says so), another is drawn.

    A new item's rows (item, photos, first revision, audit event) are written with plain INSERTs, the item's with ON
    CONFLICT DO NOTHING, compiled once per table (kim_app/database.py): a create costs those statements and no unit of
    work. The new item returned is then not in the session; it carries everything the answer shows. A resend returns
    the stored item, loaded as usual.
    """
    arrival = _arrival(author, data)
    item = arrival.item
    for _attempt in range(items.CODE_ATTEMPTS):
        if insert_unless_exists(item) is not None:
            break
        # Not written: a unique value is taken. Either this UUID is stored (a resend: common on 2G, where answers
        # get lost), or the complaint's code.
        existing = items.by_uuid(data["uuid"], selectinload(Item.events))
        if existing is None and item.tracking_code is not None and items.tracking_code_taken(item.tracking_code):
            item.tracking_code = items.new_tracking_code()
            continue
        if existing is None:
            raise RuntimeError(f"item {data['uuid']} was not stored, and no item holds its UUID or code")
        return _resent(existing, author, arrival.digest), False
    else:
        raise RuntimeError("no free tracking code after several attempts")
    try:
        insert_rows(_rows_after_item(author, arrival))
    except IntegrityError:
        # The item is new, so its revision and its photos' positions cannot be taken: a declared photo id is.
        if item.photos:
            raise media.PhotoIdTaken() from None
        raise
    _announce_created(author, item)
    return item, True


def _not_after(captured_at: datetime, received_at: datetime) -> datetime:
    """The capture time as stored: never after the item was received. A phone whose clock runs ahead (a year, in the
    worst case the schema lets through) would otherwise file the item in the future, where every list sorts it first
    and every deadline counts from it. The content hash keeps the time as sent, so a resend is still recognised."""
    return min(captured_at, received_at)


def _revision_row(item: Item, revision: int, captured_at, fields: dict, digest: str, now) -> ItemRevision:
    return ItemRevision(
        item_id=item.id,
        revision=revision,
        kategori=item.kategori,
        captured_at=captured_at,
        received_at=now,
        content_hash=digest,
        **_stored(fields),
    )


def receive_revision(author: User, client_uuid: uuid.UUID, data: dict) -> tuple[Item, bool]:
    """A member's new revision of an item a moderator sent back (docs/sync-protocol.md, "Revisions"); idempotent per
    revision number. Returns the item and whether this revision was new.

    The unique (item, revision) of the revision rows decides between two copies of the same revision racing each
    other (ON CONFLICT DO NOTHING: the second finds the first's row), and the move `kirim_revisi`'s conditional UPDATE
    (status perlu_revisi at the revision before) between a revision and anything else that changed the item.
    """
    _check_author(author, data, "Revisi ini dibuat oleh akun lain di HP ini. Revisi menunggu sampai pemiliknya masuk.")
    item = own_item(author, client_uuid)
    _filing_desa(author, item.desa_kode)  # a revision files the item into its desa's queue again
    errors = kinds.errors_for(item.kind, data)
    if errors:
        raise Invalid("Ada isian yang belum lengkap atau tidak valid.", errors=errors)
    fields = {name: data.get(name) for name in kinds.CONTENT_FIELDS}
    digest = content_hash(item.kind, author.id, item.desa_kode, data["captured_at"], fields)
    wanted = data["revision"]

    def already_stored() -> tuple[Item, bool]:
        stored = db.session.scalar(
            select(ItemRevision).where(ItemRevision.item_id == item.id, ItemRevision.revision == wanted)
        )
        if stored.content_hash != digest:
            raise ItemConflict(
                f"Server sudah menerima revisi {wanted} item ini dengan isi berbeda. Revisi di HP tidak digabung."
            )
        return items.current(item.id), False

    def refused() -> RevisionConflict:
        now_at = items.current(item.id)
        return RevisionConflict(
            f"Server memegang item ini pada revisi {now_at.revision} dengan status "
            f"{now_at.status.replace('_', ' ')}; revisi {wanted} tidak dapat diterima.",
            revision=now_at.revision,
            item_status=now_at.status,
        )

    if wanted <= item.revision:
        if wanted > 1 and _revision_exists(item.id, wanted):
            return already_stored()
        raise refused()
    if item.status != Status.PERLU_REVISI or wanted != item.revision + 1:
        raise refused()
    now = utcnow()
    row = _revision_row(item, wanted, _not_after(data["captured_at"], now), fields, digest, now)
    row.kategori = data["kategori"]
    if insert_unless_exists(row) is None:
        return already_stored()  # the same revision, sent twice at once: the other copy stored it
    values = {**_stored(fields), "kategori": data["kategori"], "revision": wanted}
    if not items.move(item, "kirim_revisi", author, guard=[Item.revision == wanted - 1], values=values):
        raise refused()
    logger.info("Item %s revision %s received from %s", item.client_uuid, wanted, author.username)
    return item, True


def _revision_exists(item_id: int, revision: int) -> bool:
    return db.session.scalar(
        select(ItemRevision.id).where(ItemRevision.item_id == item_id, ItemRevision.revision == revision)
    ) is not None


def own_item(author: User, client_uuid: uuid.UUID) -> Item:
    item = items.by_uuid(client_uuid)
    if item is None or not policy.owns(author, item):
        raise NotFound("Item tidak ditemukan.")
    return item


# A cursor is the moment its answer was taken. Earlier versions also named the items a batch's answer had created
# ("~moment~uuid-prefixes" pairs after it), so that pulls would not bring them back; the session that created an item
# does that now (`changes_since`), for any number of them. Such a cursor is still read: its names are ignored.
MARK = "~"
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def encode_cursor(moment: datetime) -> str:
    # No "+00:00": a cursor must survive being pasted into a query string unescaped.
    return as_utc(moment).strftime(_FORMAT)


def _read_cursor(cursor: str | None) -> datetime | None:
    """The cursor's moment. A cursor we cannot read (a phone whose storage was damaged, an old app version) is
    answered with a full pull: the phone loses nothing and is whole again, where an error would leave it stuck
    without its verdicts."""
    if not cursor:
        return None
    text, *rest = cursor.split(MARK)
    # The one parser of moments (kim_app/inputs.py): a moment outside its window is as unreadable as garbage. The
    # names an earlier version put after it must at least be what it wrote: pairs, each led by a moment.
    moment = parse_moment(text)
    if moment is None or len(rest) % 2 or any(parse_moment(marked) is None for marked in rest[0::2]):
        logger.info("Unreadable sync cursor %r: full pull", cursor[:40])
        return None
    return moment


def _overlap() -> timedelta:
    """How far back from its cursor's moment a pull looks again: the one safety window of items and pengumuman alike."""
    return timedelta(seconds=current_app.config["SYNC_CURSOR_OVERLAP_SECONDS"])


@functools.cache
def _changed_items(since: bool, leaving_out: bool, own_session: bool) -> Select:
    """The query of a pull, one per shape, built once with bound parameters: a pull is among the commonest requests,
    and building the expression and its cache key cost more than running it. `own_session`: leave out what this
    session created and nobody changed since (`changes_since`)."""
    query = select(Item).where(Item.author_id == bindparam("author_id")).options(selectinload(Item.events))
    if leaving_out:
        query = query.where(Item.client_uuid.not_in(bindparam("leave_out", expanding=True)))
    if since:
        query = query.where(Item.updated_at >= bindparam("since"))
    if own_session:
        query = query.where(or_(Item.created_session.is_(None), Item.created_session != bindparam("session"),
                                Item.version > 1))
    return query.order_by(Item.updated_at, Item.id)


def changes_since(author: User, cursor: str | None, leave_out: Iterable[uuid.UUID] = ()) -> tuple[list[Item], str]:
    """The author's items changed since the cursor, and the cursor for the next pull (docs/sync-protocol.md).
    `leave_out`: items the answer carries anyway (a batch's own)."""
    # Taken before the query: anything committed after this moment is caught by the next pull.
    now = utcnow()
    overlap = _overlap()
    leave_out = list(leave_out)
    moment = _read_cursor(cursor)
    params = {"author_id": author.id}
    if leave_out:
        params["leave_out"] = leave_out
    if moment is not None:
        params["since"] = moment - overlap
    # A phone that holds a cursor holds what its own session sent (each answer said so, and a lost answer is followed
    # by the item sent again and answered): an item of this session not changed since it arrived (version 1) is not
    # sent back by the safety window, however long the outbox was. Another device of the same member gets it, and a
    # phone starting anew (no cursor) gets everything.
    session_key = current_session_key() if moment is not None else None
    if session_key:
        params["session"] = session_key
    query = _changed_items(since=moment is not None, leaving_out=bool(leave_out), own_session=bool(session_key))
    return list(db.session.scalars(query, params)), encode_cursor(now)


def pengumuman_since(member: User, cursor: str | None) -> dict:
    """The pengumuman part of a pull (docs/sync-protocol.md, "Pengumuman from the Dinas"): those targeted at the
    member that changed since the cursor's moment (with the same safety window as items), and the ids of those
    withdrawn or expired since. Empty lists are left out of the answer, so an empty pull stays as small as before."""
    moment = _read_cursor(cursor)
    since = None
    if moment is not None:
        since = moment - _overlap()
    changed, gone = pengumuman.for_member(member, since, utcnow())
    found = {}
    if changed:
        found["pengumuman"] = changed
    if gone:
        found["pengumuman_gone"] = gone
    return found


@dataclass
class BatchResult:
    uuid: str | None
    status: int
    item: Item | None = None
    problem: dict | None = None


def _uuid_of(raw) -> str | None:
    value = raw.get("uuid") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and len(value) <= 64 else None


def _refused(sent_uuid: str | None, error: ProblemError) -> BatchResult:
    body, status, _ = problem(error.status, error.slug, error.title, error.detail, **error.extra)
    return BatchResult(sent_uuid, status, problem=body)


def receive_batch(author: User, raw_items: list[dict]) -> list[BatchResult]:
    """Several create bodies in one request, each answered exactly as `receive_item` answers it alone (one rule):
    read with the same schema, checked by the same function (`_arrival`), refused with the same problem document,
    recognised as a resend by the same comparison (`_resent`). (docs/sync-protocol.md, "Sending many items at
    once".)

    What one item costs is kept small, because a batch is the phone's common way of sending: the UUIDs the server
    already has are found in one query; the new items are written together — their rows with one INSERT per table
    (`_store_together`), inside one savepoint — and announced one by one as a single create announces its item.
    Whatever that shared write cannot settle goes through `receive_item` in its own savepoint, so that it leaves
    nothing behind when refused and never holds the others back: a UUID sent twice in the batch, a UUID or a
    complaint's code taken in the meantime, a declared photo id already taken (which fails the shared write, and
    then every new item of the batch goes alone)."""
    schema = ItemCreateSchema()
    results: list[BatchResult | None] = [None] * len(raw_items)
    ready: list[tuple[int, _Arrival]] = []
    sent_uuids = [_uuid_of(raw) for raw in raw_items]
    for index, raw in enumerate(raw_items):
        sent_uuid = sent_uuids[index]
        try:
            ready.append((index, _arrival(author, schema.load(raw))))
        except ma.ValidationError as error:
            body, status, _ = problem(422, SLUGS[422], TITLES[422], DETAILS[422], errors=error.messages)
            results[index] = BatchResult(sent_uuid, status, problem=body)
        except ProblemError as error:
            results[index] = _refused(sent_uuid, error)

    stored = _stored_items([arrival.item.client_uuid for _, arrival in ready])
    fresh: list[tuple[int, _Arrival]] = []
    alone: list[tuple[int, _Arrival]] = []
    sent_before: set[uuid.UUID] = set()
    for index, arrival in ready:
        client_uuid = arrival.item.client_uuid
        if client_uuid in stored:
            try:
                results[index] = BatchResult(str(client_uuid), 200,
                                             item=_resent(stored[client_uuid], author, arrival.digest))
            except ProblemError as error:
                results[index] = _refused(sent_uuids[index], error)
        elif client_uuid in sent_before:
            alone.append((index, arrival))  # answered once the first copy is stored: as its resend
        else:
            sent_before.add(client_uuid)
            fresh.append((index, arrival))

    written = _store_together(author, [arrival for _, arrival in fresh])
    for index, arrival in fresh:
        if arrival.item.client_uuid in written:
            _announce_created(author, arrival.item)
            results[index] = BatchResult(str(arrival.item.client_uuid), 201, item=arrival.item)
        else:
            alone.append((index, arrival))

    for index, arrival in sorted(alone, key=lambda pair: pair[0]):
        try:
            with db.session.begin_nested():
                item, created = receive_item(author, arrival.data)
        except ProblemError as error:
            results[index] = _refused(sent_uuids[index], error)
        else:
            results[index] = BatchResult(str(item.client_uuid), 201 if created else 200, item=item)
    return results


def _stored_items(client_uuids: list[uuid.UUID]) -> dict[uuid.UUID, Item]:
    if not client_uuids:
        return {}
    found = db.session.scalars(_items_by_uuid(), {"uuids": client_uuids})
    return {item.client_uuid: item for item in found}


@functools.cache
def _items_by_uuid() -> Select:
    return (select(Item).where(Item.client_uuid.in_(bindparam("uuids", expanding=True)))
            .options(selectinload(Item.events)))


def _store_together(author: User, arrivals: list[_Arrival]) -> set[uuid.UUID]:
    """Write new items with one INSERT per table, in one savepoint. Returns the UUIDs written; an item left out (its
    UUID or its complaint's code taken since it was looked for: ON CONFLICT DO NOTHING), or all of them when a
    declared photo id is taken (the savepoint rolled back), is for `receive_item` to settle."""
    if not arrivals:
        return set()
    try:
        with db.session.begin_nested():
            ids = insert_together([arrival.item for arrival in arrivals], "client_uuid")
            rows = []
            for arrival in arrivals:
                if arrival.item.client_uuid in ids:
                    arrival.item.id = ids[arrival.item.client_uuid]
                    rows.extend(_rows_after_item(author, arrival))
            insert_rows(rows)
    except IntegrityError:
        for arrival in arrivals:
            arrival.item.id = None
        return set()
    return set(ids)
