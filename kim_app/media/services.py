"""The rules of photos (docs/sync-protocol.md, "Photos"): declared with their item, uploaded in resumable chunks,
checked, processed, and shown only to those who may see the item.

The upload of one photo is serialised on its row: PostgreSQL locks it (SELECT … FOR UPDATE) for the request, and on
SQLite every writing request already holds the database's write lock from BEGIN (kim_app/database.py). So two
requests carrying chunks of the same photo — a retry racing a slow original — can never interleave their bytes: the
second one finds `received` moved on and is told where to continue.

The photo is processed in the request that delivers its last byte. That holds the row (on SQLite, the database's
write lock) for the pipeline's time, about a tenth of a second per photo (benchmarks/photo_pipeline.py); the phone
gets its final answer at once and no worker queue is needed.
"""
from __future__ import annotations

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.errors import Conflict, Invalid, NotFound, ProblemError
from kim_app.extensions import db
from kim_app.media import pipeline
from kim_app.media.models import Photo
from kim_app.media.storage import Storage, derivative_key, incoming_key, storage
from kim_app.sync.models import Submission
from kim_app.timeutil import utcnow

logger = logging.getLogger(__name__)

CHUNK_LIMIT = 64 * 1024
VARIANTS = {"display": "display_key", "thumb": "thumb_key"}


class ChunkTooLarge(ProblemError):
    status, slug, title = 413, "chunk-too-large", "Potongan data terlalu besar"


class WrongOffset(Conflict):
    slug, title = "wrong-offset", "Posisi unggahan tidak cocok"


class TooManyBytes(Invalid):
    slug, title = "too-many-bytes", "Data foto melebihi ukuran yang dinyatakan"


class HashMismatch(Invalid):
    slug, title = "hash-mismatch", "Isi foto tidak cocok dengan sidiknya"


class PhotoRefused(Invalid):
    title = "Foto tidak dapat diterima"

    def __init__(self, refusal: pipeline.Refused):
        super().__init__(refusal.message)
        self.slug = refusal.slug


class PhotoIdTaken(Conflict):
    slug, title = "photo-conflict", "Id foto sudah dipakai"


class PhotoReady(Conflict):
    slug, title = "photo-ready", "Foto sudah diterima"


class LastPhoto(Conflict):
    slug, title = "last-photo", "Cerita foto perlu paling sedikit satu foto"


# --- Declaring photos with their item ------------------------------------------------------------------------------

def declare(item: Submission, declared: list[dict]) -> None:
    """Attach the photos an item's create body declared (called by kim_app.sync.services.receive_item, before the
    item is flushed). A photo this author has already delivered is `siap` at once: its bytes are not sent again."""
    for position, entry in enumerate(declared):
        photo = Photo(
            id=entry["id"],
            position=position,
            sha256=entry["sha256"],
            size=entry["size"],
            mime=entry["mime"],
            received=0,
            state="menunggu",
            created_at=utcnow(),
        )
        twin = _delivered_twin(item.author_id, photo)
        if twin is not None:
            _adopt(photo, twin)
        item.photos.append(photo)


def explain_integrity_error(declared: list[dict]) -> None:
    """After a failed insert of a new item: raise a friendly conflict if a declared photo id is already taken."""
    ids = [entry["id"] for entry in declared]
    if ids and db.session.scalar(select(Photo.id).where(Photo.id.in_(ids)).limit(1)) is not None:
        raise PhotoIdTaken(
            "Salah satu foto item ini sudah terdaftar pada item lain. Simpan foto sebagai item baru lalu kirim ulang."
        )


def _delivered_twin(author_id: int, photo: Photo) -> Photo | None:
    return db.session.scalar(
        select(Photo)
        .join(Submission, Photo.submission_id == Submission.id)
        .where(
            Submission.author_id == author_id,
            Photo.sha256 == photo.sha256,
            Photo.size == photo.size,
            Photo.state == "siap",
            Photo.id != photo.id,
        )
        .limit(1)
    )


def _adopt(photo: Photo, twin: Photo) -> None:
    """Content-addressed reuse: the derivatives are files named by their own hash, so two rows may share them."""
    photo.state = "siap"
    photo.error = None
    photo.received = photo.size
    photo.width, photo.height = twin.width, twin.height
    photo.display_key, photo.thumb_key = twin.display_key, twin.thumb_key
    photo.completed_at = utcnow()


# --- Upload -------------------------------------------------------------------------------------------------------

def own_photo(author: User, photo_id: uuid.UUID, lock: bool = False) -> Photo:
    query = select(Photo).where(Photo.id == photo_id)
    if lock:
        query = query.with_for_update(of=Photo).execution_options(populate_existing=True)
    photo = db.session.scalar(query)
    if photo is None or not policy.owns(author, photo.submission):
        raise NotFound("Foto tidak ditemukan.")
    return photo


def put_chunk(author: User, photo_id: uuid.UUID, offset: int, data: bytes) -> Photo:
    """Store the bytes at `offset` of the photo; when the last byte is in, verify and process it.

    A `siap` photo answers its state whatever is sent (the phone lost our answer to its last chunk). A `gagal` photo
    starts over when sent bytes from offset 0 (the member pressed "coba lagi").
    """
    if len(data) > CHUNK_LIMIT:
        raise ChunkTooLarge(f"Kirim paling banyak {CHUNK_LIMIT // 1024} KiB per permintaan.")
    store = storage()
    photo = own_photo(author, photo_id, lock=True)
    if photo.state == "siap":
        return photo
    if photo.state == "gagal":
        if offset != 0:
            raise WrongOffset("Foto ini gagal diproses; kirim ulang dari awal (posisi 0).", received=0)
        photo.state, photo.error, photo.received = "menunggu", None, 0
    twin = _delivered_twin(author.id, photo)
    if twin is not None:
        _adopt(photo, twin)
        store.delete(incoming_key(photo.id.hex))
        db.session.commit()
        return photo

    if offset != photo.received:
        raise WrongOffset(
            f"Server sudah menerima {photo.received} byte foto ini; lanjutkan dari posisi itu.",
            received=photo.received,
        )
    if offset + len(data) > photo.size:
        raise TooManyBytes(
            f"Foto ini dinyatakan {photo.size} byte; data yang dikirim melewati batas itu.", received=photo.received
        )
    if data:
        try:
            # Refused when the part holds fewer bytes than `offset`: checked by the write itself, which spares a
            # bucket one listing per chunk.
            store.append_at(incoming_key(photo.id.hex), offset, data)
        except ValueError:
            _ask_again_for_lost_bytes(photo, store)
        photo.received = offset + len(data)
    if photo.received == photo.size:
        _finish(photo, store)
    db.session.commit()
    return photo


def _ask_again_for_lost_bytes(photo: Photo, store: Storage) -> None:
    """The part lost bytes we had acknowledged (restored from a backup, say): ask for them again."""
    held = store.size(incoming_key(photo.id.hex))
    logger.warning("Photo %s: part file holds %d of %d acknowledged bytes", photo.id, held, photo.received)
    photo.received = held
    db.session.commit()
    raise WrongOffset(f"Server sudah menerima {held} byte foto ini; lanjutkan dari posisi itu.", received=held)


def _finish(photo: Photo, store: Storage) -> None:
    """All bytes are in: check the hash, make the derivatives, and only then say `siap`."""
    part = incoming_key(photo.id.hex)
    # Read once (8 MB at most): from a bucket, every read of the part is a round trip per chunk.
    original = store.read(part)
    if hashlib.sha256(original).hexdigest() != photo.sha256:
        store.delete(part)
        photo.received = 0
        db.session.commit()
        raise HashMismatch(
            "Isi foto yang diterima tidak cocok dengan sidik SHA-256-nya. Kirim ulang foto ini dari awal.", received=0
        )
    try:
        result = pipeline.process(io.BytesIO(original))
    except pipeline.Refused as refusal:
        store.delete(part)
        photo.state, photo.error, photo.received = "gagal", refusal.message, 0
        photo.completed_at = utcnow()
        db.session.commit()
        logger.info("Photo %s refused: %s", photo.id, refusal.slug)
        raise PhotoRefused(refusal) from None
    # Durably stored before the row points at them: nothing half-written is ever served.
    photo.display_key = _store_derivative(store, result.display)
    photo.thumb_key = _store_derivative(store, result.thumb)
    photo.width, photo.height = result.width, result.height
    photo.state, photo.error = "siap", None
    photo.completed_at = utcnow()
    db.session.commit()
    store.delete(part)  # the original, GPS and all, is not kept once the derivatives are safe
    logger.info("Photo %s siap (%d×%d, %d bytes out)", photo.id, result.width, result.height, result.bytes_out)


def _store_derivative(store: Storage, data: bytes) -> str:
    key = derivative_key(hashlib.sha256(data).hexdigest())
    if not store.exists(key):
        store.save(key, data)
    return key


# --- Withdrawing ---------------------------------------------------------------------------------------------------

def withdraw(author: User, photo_id: uuid.UUID) -> None:
    """Remove a declared photo that has not arrived (docs/sync-protocol.md, "Withdrawing a photo"), so its item is
    no longer held back from the queue: the queue's completeness is computed from the remaining photo rows.

    The row is locked like an upload's, so a chunk racing the withdrawal either finishes the photo first (then it is
    `siap` and stays) or finds it gone. The move is written to the audit log as `hapus_foto`.
    """
    from kim_app.moderation.services import record_event  # moderation owns the audit log

    photo = own_photo(author, photo_id, lock=True)
    if photo.state == "siap":
        raise PhotoReady("Foto ini sudah diterima server dan tidak dapat dihapus dari HP.")
    item = photo.submission
    if item.kind == "foto" and len(item.photos) == 1:
        raise LastPhoto("Ini satu-satunya foto cerita foto ini. Kirim ulang foto ini atau ganti dengan foto lain.")
    item.photos.remove(photo)
    db.session.delete(photo)
    item.updated_at = utcnow()  # the next pull brings the shorter photo list
    # Which photo, and how much of it had arrived: the row itself is gone after this.
    record_event(item, actor=author, action="hapus_foto", from_status=item.status, note=None, details={
        "foto": str(photo.id), "urutan": photo.position + 1, "ukuran": photo.size, "diterima": photo.received})
    db.session.commit()
    # After the commit: should the commit fail, the part file is still there for the row that still points at it.
    storage().delete(incoming_key(photo.id.hex))
    logger.info("Photo %s of item %s withdrawn by %s", photo.id, item.client_uuid, author.username)


# --- Serving ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MediaFile:
    key: str
    public: bool

    @property
    def etag(self) -> str:
        return Path(self.key).stem  # the content's own hash

    def read(self) -> bytes:
        """Fetched only when the bytes are sent: a browser that has them already gets its 304 without a storage read."""
        return storage().read(self.key)


def media_file(viewer: User | AnonymousUserMixin, photo_id: uuid.UUID, variant: str) -> MediaFile:
    """One derivative and whether everyone may see it. Everyone sees a published item's photos; the author and the
    moderators of its kabupaten see them before; anyone else gets the same 404 as for nothing.

    Read whole (a derivative is a few hundred kB at most), so no file handle or bucket connection outlives the
    answer. The bytes go through the app from either storage — the bucket is never public (docs/deploy.md)."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.state != "siap" or variant not in VARIANTS:
        raise NotFound("Foto tidak ditemukan.")
    item = photo.submission
    public = item.is_public
    if not public and not (
        viewer.is_authenticated and (policy.owns(viewer, item) or policy.can_moderate(viewer, item))
    ):
        raise NotFound("Foto tidak ditemukan.")
    return MediaFile(key=getattr(photo, VARIANTS[variant]), public=public)
