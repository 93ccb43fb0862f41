"""The rules of receiving items from phones and telling phones what became of them."""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from kim_app import notify
from kim_app.accounts.models import User
from kim_app.complaints import services as complaints
from kim_app.database import commit_keeping_loaded, insert_rows, insert_unless_exists, reading
from kim_app.errors import Conflict, Forbidden, Invalid, NotFound
from kim_app.extensions import db
from kim_app.media import services as media
from kim_app.moderation.services import new_event, record_event
from kim_app.sync.models import Submission, SubmissionRevision
from kim_app.sync.schemas import CONTENT_FIELDS, kind_errors
from kim_app.timeutil import as_utc, utcnow
from kim_app.wilayah.models import Desa

logger = logging.getLogger(__name__)


class ItemConflict(Conflict):
    title = "Item dengan UUID ini sudah ada dengan isi berbeda"


class WrongAuthor(Forbidden):
    slug = "wrong-author"
    title = "Item ini milik akun lain"


class RevisionConflict(Conflict):
    slug = "revision-conflict"
    title = "Revisi tidak cocok dengan item di server"


# Fields that came after items were already stored enter the canonical form only when used, so every item stored
# before keeps its hash and a late resend of it is still recognised as the same item.
LATER_FIELDS = ("keterangan",)


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
            for name in CONTENT_FIELDS
            if name not in LATER_FIELDS or fields.get(name) is not None
        },
    }
    if photos:
        canonical["photos"] = [
            {"id": str(photo["id"]), "sha256": photo["sha256"], "size": photo["size"]} for photo in photos
        ]
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _resolve_desa(author: User, desa_kode: str | None) -> Desa:
    if desa_kode is None:
        if author.kim is None:
            raise Invalid("Akun ini tidak terdaftar di KIM mana pun.", errors={"desa_kode": ["Wajib diisi."]})
        return author.kim.desa
    desa = db.session.get(Desa, desa_kode)
    if desa is None:
        raise Invalid("Kode desa tidak dikenal.", errors={"desa_kode": ["Kode desa tidak dikenal."]})
    return desa


def receive_item(author: User, data: dict) -> tuple[Submission, bool]:
    """Store an item sent by a phone, exactly once. Returns the stored item and whether it was new.

    The unique constraint on client_uuid decides, not a look-up first: two copies of the same request racing each
    other (a retry after a lost response, the service worker and the page at once) still leave one row. A complaint
    gets its tracking code here; should the code already be taken (the unique constraint says so), another is drawn.

    A new item's rows (item, photos, first revision, audit event) are written with plain INSERTs, the item's with ON
    CONFLICT DO NOTHING: the write transaction is those statements alone, which keeps SQLite's single writer's turn
    short when many phones send at once (docs/benchmarks.md). The new item returned is then not in the session; it
    carries everything the answer shows. A resend returns the stored item, loaded as usual.
    """
    if data["author_id"] != author.id:
        raise WrongAuthor(
            "Item ini dibuat oleh akun lain di HP ini. Item menunggu sampai pemiliknya masuk dan mengirimnya."
        )
    with reading():
        # Looked up before the write begins: the writer's turn is held for the inserts alone (kim_app/database.py).
        desa = _resolve_desa(author, data.get("desa_kode"))
        commit_keeping_loaded()
    fields = {name: data.get(name) for name in CONTENT_FIELDS}
    photos = data.get("photos") or []
    digest = content_hash(data["kind"], author.id, desa.kode, data["captured_at"], fields, photos)
    for _attempt in range(complaints.CODE_ATTEMPTS):
        now = utcnow()
        item = Submission(
            client_uuid=data["uuid"],
            kind=data["kind"],
            author_id=author.id,
            kim_id=author.kim_id,
            desa_kode=desa.kode,
            kabupaten_kode=desa.kabupaten_kode,
            kategori=data["kategori"],
            captured_at=data["captured_at"],
            received_at=now,
            updated_at=now,
            status="menunggu",
            revision=1,
            version=1,
            content_hash=digest,
            **fields,
        )
        if item.kind == "aduan":
            item.tracking_code = complaints.new_tracking_code()
            item.aduan_status = "diterima"
        media.declare(item, photos)
        if insert_unless_exists(item) is not None:
            break
        # Not written: a unique value is taken. Either this UUID is stored (a resend: common on 2G, where answers
        # get lost), or the complaint's code. Found, and the answer's history loaded, without the writer's turn.
        commit_keeping_loaded()  # nothing was written: this ends the write transaction, and the account stays loaded
        with reading():
            existing = _by_uuid(data["uuid"], selectinload(Submission.events))
            code_taken = existing is None and item.tracking_code is not None and _code_taken(item.tracking_code)
            same = existing is not None and existing.author_id == author.id and existing.content_hash == digest
            commit_keeping_loaded()
        if code_taken:
            continue
        if existing is None:
            raise RuntimeError(f"item {data['uuid']} was not stored, and no item holds its UUID or code")
        if not same:
            raise ItemConflict(
                "Server sudah menerima item dengan UUID ini, tetapi isinya berbeda. Item di HP tidak digabung; "
                "simpan sebagai item baru bila perlu."
            )
        return existing, False
    else:
        raise RuntimeError("no free tracking code after several attempts")
    for photo in item.photos:
        photo.submission_id = item.id
    event = new_event(item, actor=author, action="kirim", from_status=None, note=None)
    try:
        insert_rows([*item.photos, _revision_row(item, 1, data["captured_at"], fields, digest, now), event])
    except IntegrityError:
        db.session.rollback()
        media.explain_integrity_error(photos)
        raise  # some other constraint: a bug, not a duplicate
    # The answer is built from these objects: the history of a new item is this one event.
    set_committed_value(item, "events", [event])
    notify.note_queue_entry(item.id)
    commit_keeping_loaded()  # the account stays loaded: reading it again would begin a new write transaction
    logger.info("Item %s (%s) received from %s", item.client_uuid, item.kind, author.username)
    return item, True


def _code_taken(code: str) -> bool:
    return db.session.scalar(select(Submission.id).where(Submission.tracking_code == code)) is not None


def _revision_row(item: Submission, revision: int, captured_at, fields: dict, digest: str, now) -> SubmissionRevision:
    return SubmissionRevision(
        submission_id=item.id,
        revision=revision,
        kategori=item.kategori,
        captured_at=captured_at,
        received_at=now,
        content_hash=digest,
        **fields,
    )


def receive_revision(author: User, client_uuid: uuid.UUID, data: dict, _retry: bool = True) -> tuple[Submission, bool]:
    """A member's new revision of an item a moderator sent back (docs/sync-protocol.md, "Revisions"); idempotent per
    revision number. Returns the item and whether this revision was new.

    The unique (submission_id, revision) of submission_revision decides between two copies of the same revision racing
    each other, and the conditional UPDATE (status perlu_revisi at the revision before) between a revision and
    anything else that changed the item meanwhile.
    """
    if data["author_id"] != author.id:
        raise WrongAuthor("Revisi ini dibuat oleh akun lain di HP ini. Revisi menunggu sampai pemiliknya masuk.")
    item = own_item(author, client_uuid)
    errors = kind_errors(item.kind, data, photos_declared=False)
    if errors:
        raise Invalid("Ada isian yang belum lengkap atau tidak valid.", errors=errors)
    fields = {name: data.get(name) for name in CONTENT_FIELDS}
    digest = content_hash(item.kind, author.id, item.desa_kode, data["captured_at"], fields)
    wanted = data["revision"]
    stored = db.session.scalar(
        select(SubmissionRevision).where(
            SubmissionRevision.submission_id == item.id, SubmissionRevision.revision == wanted
        )
    )
    if stored is not None and wanted > 1:
        if stored.content_hash == digest:
            return item, False
        raise ItemConflict(
            f"Server sudah menerima revisi {wanted} item ini dengan isi berbeda. Revisi di HP tidak digabung."
        )
    if item.status != "perlu_revisi" or wanted != item.revision + 1:
        raise RevisionConflict(
            f"Server memegang item ini pada revisi {item.revision} dengan status {item.status.replace('_', ' ')}; "
            f"revisi {wanted} tidak dapat diterima.",
            revision=item.revision,
            item_status=item.status,
        )
    now = utcnow()
    try:
        with db.session.begin_nested():
            row = _revision_row(item, wanted, data["captured_at"], fields, digest, now)
            row.kategori = data["kategori"]
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if not _retry:
            raise
        return receive_revision(author, client_uuid, data, _retry=False)
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == item.id, Submission.status == "perlu_revisi", Submission.revision == wanted - 1)
        .values(
            **fields,
            kategori=data["kategori"],
            revision=wanted,
            status="menunggu",
            moderator_note=None,
            updated_at=now,
            version=Submission.version + 1,
            claimed_by=None,
            claim_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        if not _retry:
            raise RevisionConflict("Item berubah saat revisi dikirim; kirim lagi.", revision=item.revision,
                                   item_status=item.status)
        return receive_revision(author, client_uuid, data, _retry=False)
    db.session.refresh(item)
    record_event(item, actor=author, action="kirim_revisi", from_status="perlu_revisi", note=None)
    db.session.commit()
    logger.info("Item %s revision %s received from %s", item.client_uuid, wanted, author.username)
    return item, True


def _by_uuid(client_uuid: uuid.UUID, *options) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.client_uuid == client_uuid).options(*options))


def own_item(author: User, client_uuid: uuid.UUID) -> Submission:
    item = _by_uuid(client_uuid)
    if item is None or item.author_id != author.id:
        raise NotFound("Item tidak ditemukan.")
    return item


def encode_cursor(moment: datetime) -> str:
    # No "+00:00": a cursor must survive being pasted into a query string unescaped.
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def decode_cursor(cursor: str | None, overlap: timedelta) -> datetime | None:
    """The moment to pull from, or None for "everything". A cursor we cannot read (a phone whose storage was
    damaged, an old app version) is answered with a full pull: the phone loses nothing and is whole again, where
    an error would leave it stuck without its verdicts."""
    if not cursor:
        return None
    try:
        return as_utc(datetime.fromisoformat(cursor)) - overlap
    except (TypeError, ValueError, OverflowError):
        logger.info("Unreadable sync cursor %r: full pull", cursor[:40])
        return None


def changes_since(author: User, cursor: str | None) -> tuple[list[Submission], str]:
    """The author's items changed since the cursor, and the cursor for the next pull (docs/sync-protocol.md)."""
    # Taken before the query: anything committed after this moment is caught by the next pull.
    next_cursor = encode_cursor(utcnow())
    query = select(Submission).where(Submission.author_id == author.id).options(selectinload(Submission.events))
    since = decode_cursor(cursor, timedelta(seconds=current_app.config["SYNC_CURSOR_OVERLAP_SECONDS"]))
    if since is not None:
        query = query.where(Submission.updated_at >= since)
    items = list(db.session.scalars(query.order_by(Submission.updated_at, Submission.id)))
    return items, next_cursor
