"""The rules of receiving items from phones and telling phones what became of them."""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kim_app.accounts.models import User
from kim_app.errors import Conflict, Forbidden, Invalid, NotFound
from kim_app.extensions import db
from kim_app.media import services as media
from kim_app.moderation.services import record_event
from kim_app.sync.models import Submission
from kim_app.sync.schemas import CONTENT_FIELDS
from kim_app.timeutil import as_utc, utcnow
from kim_app.wilayah.models import Desa

logger = logging.getLogger(__name__)


class ItemConflict(Conflict):
    title = "Item dengan UUID ini sudah ada dengan isi berbeda"


class WrongAuthor(Forbidden):
    slug = "wrong-author"
    title = "Item ini milik akun lain"


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
    other (a retry after a lost response, the service worker and the page at once) still leave one row.
    """
    if data["author_id"] != author.id:
        raise WrongAuthor(
            "Item ini dibuat oleh akun lain di HP ini. Item menunggu sampai pemiliknya masuk dan mengirimnya."
        )
    desa = _resolve_desa(author, data.get("desa_kode"))
    fields = {name: data.get(name) for name in CONTENT_FIELDS}
    photos = data.get("photos") or []
    digest = content_hash(data["kind"], author.id, desa.kode, data["captured_at"], fields, photos)
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
        content_hash=digest,
        **fields,
    )
    media.declare(item, photos)
    try:
        with db.session.begin_nested():
            db.session.add(item)
            db.session.flush()
    except IntegrityError:
        existing = _by_uuid(data["uuid"])
        if existing is None:
            media.explain_integrity_error(photos)
            raise  # some other constraint: a bug, not a duplicate
        if existing.author_id != author.id or existing.content_hash != digest:
            raise ItemConflict(
                "Server sudah menerima item dengan UUID ini, tetapi isinya berbeda. Item di HP tidak digabung; "
                "simpan sebagai item baru bila perlu."
            ) from None
        return existing, False
    record_event(item, actor=author, action="kirim", from_status=None, note=None)
    db.session.commit()
    logger.info("Item %s (%s) received from %s", item.client_uuid, item.kind, author.username)
    return item, True


def _by_uuid(client_uuid: uuid.UUID) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.client_uuid == client_uuid))


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
    query = select(Submission).where(Submission.author_id == author.id)
    since = decode_cursor(cursor, timedelta(seconds=current_app.config["SYNC_CURSOR_OVERLAP_SECONDS"]))
    if since is not None:
        query = query.where(Submission.updated_at >= since)
    items = list(db.session.scalars(query.order_by(Submission.updated_at, Submission.id)))
    return items, next_cursor
