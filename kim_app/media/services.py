"""The rules of photos (docs/sync-protocol.md, "Photos"): declared with their item, uploaded in resumable chunks,
checked, processed, and shown only to those who may see the item.

The bytes come two ways: a chunk of at most 64 KiB per PUT (`put_chunk`, the first protocol, kept for the service
workers still in the field), or the rest of the photo in one streamed PATCH (`receive_stream`), whose body is read
in pieces of 64 KiB, each stored and counted in `received` as it arrives, so a connection that breaks keeps what came.

Every write of bytes is serialised on the photo's row: PostgreSQL locks it (SELECT … FOR UPDATE), and on SQLite every
writing transaction holds the database's write lock from BEGIN (kim_app/database.py). A PUT holds it for the request;
a stream takes it again for each piece and lets it go while the next piece is on its way (a 2G phone needs seconds
for one), since neither the row nor SQLite's one writer may wait on a phone's link. Each piece is written only where
`received` stands, under that lock. So two requests carrying bytes of the same photo — a resumed stream racing the
cut one that another worker still reads, or a retry racing a slow original — can never interleave their bytes: the
one that finds `received` moved on is refused with `wrong-offset`, saying where to continue.

The photo is processed in the request that delivers its last byte, but outside any transaction
(`database.outside_transaction`): decoding takes a tenth of a second for a phone's photo and far more for a hostile
one, and must hold neither the photo's row nor SQLite's one writer lock while it runs. How many images one process
decodes at once is bounded (IMAGE_DECODE_SLOTS); the pixels a file may declare are capped in the pipeline.
"""
from __future__ import annotations

import hashlib
import io
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from kim_app.accounts import policy
from kim_app.accounts.models import User
from kim_app.database import after_commit, outside_transaction
from kim_app.errors import Conflict, Invalid, NotFound, ProblemError
from kim_app.extensions import db
from kim_app.items import services as items
from kim_app.items.models import Item, Photo
from kim_app.items.statuses import PhotoState
from kim_app.media import pipeline
from kim_app.media.storage import Storage, derivative_key, incoming_key, storage
from kim_app.timeutil import utcnow

logger = logging.getLogger(__name__)

CHUNK_LIMIT = 64 * 1024  # one PUT's body, and one piece of a stream: at most this much is lost to a cut
STREAM_LIMIT = 1024 * 1024  # one PATCH's body: ~33 s on 2G, and a bounded wait for a request that went wrong
VARIANTS = {"display": "display_key", "thumb": "thumb_key"}


class ChunkTooLarge(ProblemError):
    status, slug, title = 413, "chunk-too-large", "Potongan data terlalu besar"


class LengthRequired(ProblemError):
    status, slug, title = 411, "length-required", "Panjang data wajib dinyatakan"


class WrongOffset(Conflict):
    slug, title = "wrong-offset", "Posisi unggahan tidak cocok"


class LostBytes(WrongOffset):
    """The part lost bytes we had acknowledged (restored from a backup, say): `received` goes back to what it holds,
    and that stands, so the phone's next chunk from there is taken."""

    keeps_changes = True


class TooManyBytes(Invalid):
    slug, title = "too-many-bytes", "Data foto melebihi ukuran yang dinyatakan"


class HashMismatch(Invalid):
    slug, title = "hash-mismatch", "Isi foto tidak cocok dengan sidiknya"
    keeps_changes = True  # the damaged bytes are dropped and the upload starts again at 0


class PhotoRefused(Invalid):
    title = "Foto tidak dapat diterima"
    keeps_changes = True  # the photo is recorded as `gagal`, with the reason

    def __init__(self, refusal: pipeline.Refused):
        super().__init__(refusal.message)
        self.slug = refusal.slug


class PhotoIdTaken(Conflict):
    slug, title = "photo-conflict", "Id foto sudah dipakai"

    def __init__(self, detail: str | None = None, **extra):
        super().__init__(detail or "Salah satu foto item ini sudah terdaftar pada item lain. Simpan foto sebagai "
                         "item baru lalu kirim ulang.", **extra)


class PhotoReady(Conflict):
    slug, title = "photo-ready", "Foto sudah diterima"


class LastPhoto(Conflict):
    slug, title = "last-photo", "Cerita foto perlu paling sedikit satu foto"


# --- Declaring photos with their item ------------------------------------------------------------------------------

def declare(item: Item, declared: list[dict]) -> None:
    """Attach the photos an item's create body declared (kim_app/sync/services.py, before the item is written). A
    photo this author has already delivered is `siap` at once: its bytes are not sent again."""
    for position, entry in enumerate(declared):
        photo = Photo(
            id=entry["id"],
            position=position,
            sha256=entry["sha256"],
            size=entry["size"],
            mime=entry["mime"],
            received=0,
            state=PhotoState.MENUNGGU,
            created_at=utcnow(),
        )
        twin = _delivered_twin(item.author_id, photo)
        if twin is not None:
            _adopt(photo, twin)
        item.photos.append(photo)


def _delivered_twin(author_id: int, photo: Photo) -> Photo | None:
    return db.session.scalar(
        select(Photo)
        .join(Item, Photo.item_id == Item.id)
        .where(
            Item.author_id == author_id,
            Photo.sha256 == photo.sha256,
            Photo.size == photo.size,
            Photo.state == PhotoState.SIAP,
            Photo.id != photo.id,
        )
        .limit(1)
    )


def _adopt(photo: Photo, twin: Photo) -> None:
    """Content-addressed reuse: the derivatives are files named by their own hash, so two rows may share them."""
    photo.state = PhotoState.SIAP
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
    if photo is None or not policy.owns(author, photo.item):
        raise NotFound("Foto tidak ditemukan.")
    return photo


def put_chunk(author: User, photo_id: uuid.UUID, offset: int, data: bytes) -> Photo:
    """Store the bytes at `offset` of the photo; when the last byte is in, verify and process it (`_opened` says what
    a photo that is `siap`, `gagal` or already delivered answers)."""
    if len(data) > CHUNK_LIMIT:
        raise ChunkTooLarge(f"Kirim paling banyak {CHUNK_LIMIT // 1024} KiB per permintaan.")
    store = storage()
    photo = _opened(author, photo_id, offset, len(data), store)
    if photo.state != PhotoState.MENUNGGU:
        return photo
    if data:
        _append(photo, store, offset, data)
    if photo.received == photo.size:
        return _finish(author, photo, store)
    return photo


def receive_stream(author: User, photo_id: uuid.UUID, offset: int, length: int, pieces: Iterator[bytes]) -> Photo:
    """Store a streamed body of `length` bytes at `offset`, piece by piece as `pieces` yields them, each in its own
    short transaction; when the last byte is in, verify and process the photo.

    Checked before a byte is read: the offset, and that the body fits the photo's declared size. When the body breaks
    off, `pieces` ends early and what came is kept. Between pieces another request may have written to the photo:
    the next piece is then refused with `wrong-offset`, and nothing of it is stored.
    """
    if length > STREAM_LIMIT:
        raise ChunkTooLarge(f"Kirim paling banyak {STREAM_LIMIT // 1024} KiB per permintaan.")
    store = storage()
    photo = _opened(author, photo_id, offset, length, store)
    if photo.state != PhotoState.MENUNGGU:
        return photo
    position = offset
    while True:
        # The row's lock and the transaction end while the phone's link brings the next piece.
        with outside_transaction():
            piece = next(pieces, b"")
        if not piece:
            break
        photo = own_photo(author, photo_id, lock=True)
        if photo.state == PhotoState.SIAP:
            return photo  # finished meanwhile by another request: the phone learns it here
        if photo.state != PhotoState.MENUNGGU or photo.received != position:
            received = photo.received if photo.state == PhotoState.MENUNGGU else 0
            raise WrongOffset(
                f"Server sudah menerima {received} byte foto ini; lanjutkan dari posisi itu.", received=received
            )
        _append(photo, store, position, piece)
        position = photo.received
    photo = own_photo(author, photo_id, lock=True)
    if photo.state == PhotoState.MENUNGGU and photo.received == photo.size:
        return _finish(author, photo, store)
    return photo


def _opened(author: User, photo_id: uuid.UUID, offset: int, length: int, store: Storage) -> Photo:
    """The photo, locked, once it is known that `length` bytes at `offset` may be written to it: then it is
    `menunggu`. Any other state is the whole answer.

    A `siap` photo answers its state whatever is sent (the phone lost our answer to its last bytes). A `gagal` photo
    starts over when sent bytes from offset 0 (the member pressed "coba lagi"). A photo the author has delivered
    before under another id is `siap` at once. A photo whose bytes are all in but not processed (the server stopped
    meanwhile) is processed by the next request for it with no bytes, at its end.
    """
    photo = own_photo(author, photo_id, lock=True)
    if photo.state == PhotoState.SIAP:
        return photo
    if photo.state == PhotoState.GAGAL:
        if offset != 0:
            raise WrongOffset("Foto ini gagal diproses; kirim ulang dari awal (posisi 0).", received=0)
        photo.state, photo.error, photo.received = PhotoState.MENUNGGU, None, 0
    twin = _delivered_twin(author.id, photo)
    if twin is not None:
        _adopt(photo, twin)
        after_commit(lambda: store.delete(incoming_key(photo_id.hex)))
        items.check_queue_entry(photo.item)
        return photo
    if offset != photo.received:
        raise WrongOffset(
            f"Server sudah menerima {photo.received} byte foto ini; lanjutkan dari posisi itu.",
            received=photo.received,
        )
    if offset + length > photo.size:
        raise TooManyBytes(
            f"Foto ini dinyatakan {photo.size} byte; data yang dikirim melewati batas itu.", received=photo.received
        )
    return photo


def _append(photo: Photo, store: Storage, offset: int, data: bytes) -> None:
    try:
        # Refused when the part holds fewer bytes than `offset`: checked by the write itself, which spares a bucket
        # one listing per chunk.
        store.append_at(incoming_key(photo.id.hex), offset, data)
    except ValueError:
        _ask_again_for_lost_bytes(photo, store)
    photo.received = offset + len(data)


def _ask_again_for_lost_bytes(photo: Photo, store: Storage) -> None:
    held = store.size(incoming_key(photo.id.hex))
    logger.warning("Photo %s: part file holds %d of %d acknowledged bytes", photo.id, held, photo.received)
    photo.received = held
    raise LostBytes(f"Server sudah menerima {held} byte foto ini; lanjutkan dari posisi itu.", received=held)


@dataclass(frozen=True)
class _Outcome:
    derivatives: pipeline.Derivatives | None = None
    refusal: pipeline.Refused | None = None
    hash_mismatch: bool = False


def _finish(author: User, photo: Photo, store: Storage) -> Photo:
    """All bytes are in: check the hash, make the derivatives — with no transaction open — and only then say `siap`."""
    photo_id, expected, part = photo.id, photo.sha256, incoming_key(photo.id.hex)
    with outside_transaction():
        outcome = _check_and_process(store, part, expected)
        display_key = thumb_key = None
        if outcome.derivatives is not None:
            # Durably stored before the row points at them: nothing half-written is ever served.
            display_key = _store_derivative(store, outcome.derivatives.display)
            thumb_key = _store_derivative(store, outcome.derivatives.thumb)
    photo = own_photo(author, photo_id, lock=True)
    if photo.state != PhotoState.MENUNGGU or photo.received != photo.size:
        return photo  # another request for the same photo finished it meanwhile
    if outcome.hash_mismatch:
        store.delete(part)
        photo.received = 0
        raise HashMismatch(
            "Isi foto yang diterima tidak cocok dengan sidik SHA-256-nya. Kirim ulang foto ini dari awal.", received=0
        )
    if outcome.refusal is not None:
        store.delete(part)
        photo.state, photo.error, photo.received = PhotoState.GAGAL, outcome.refusal.message, 0
        photo.completed_at = utcnow()
        logger.info("Photo %s refused: %s", photo.id, outcome.refusal.slug)
        raise PhotoRefused(outcome.refusal)
    result = outcome.derivatives
    photo.display_key, photo.thumb_key = display_key, thumb_key
    photo.width, photo.height = result.width, result.height
    photo.state, photo.error = PhotoState.SIAP, None
    photo.completed_at = utcnow()
    items.check_queue_entry(photo.item)
    # After the commit: the original, GPS and all, is not kept once the row points at the derivatives.
    after_commit(lambda: store.delete(part))
    logger.info("Photo %s siap (%d×%d, %d bytes out)", photo.id, result.width, result.height, result.bytes_out)
    return photo


_decode_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    """How many images this process decodes at once: a burst of large images queues here instead of taking all the
    memory and CPU of the process from the requests beside it."""
    global _decode_slots
    with _slots_lock:
        if _decode_slots is None:
            _decode_slots = threading.BoundedSemaphore(current_app.config["IMAGE_DECODE_SLOTS"])
        return _decode_slots


def _check_and_process(store: Storage, part: str, expected: str) -> _Outcome:
    # Read once (8 MB at most): from a bucket, every read of the part is a round trip.
    data = store.read(part)
    if hashlib.sha256(data).hexdigest() != expected:
        return _Outcome(hash_mismatch=True)
    with _slots():
        try:
            return _Outcome(
                derivatives=pipeline.process(io.BytesIO(data), max_pixels=current_app.config["MAX_IMAGE_PIXELS"])
            )
        except pipeline.Refused as refusal:
            return _Outcome(refusal=refusal)


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
    photo = own_photo(author, photo_id, lock=True)
    if photo.state == PhotoState.SIAP:
        raise PhotoReady("Foto ini sudah diterima server dan tidak dapat dihapus dari HP.")
    item = photo.item
    if len(item.photos) <= item.spec.min_photos:
        raise LastPhoto("Ini satu-satunya foto cerita foto ini. Kirim ulang foto ini atau ganti dengan foto lain.")
    # Which photo, and how much of it had arrived: the row itself is gone after this.
    details = {"foto": str(photo.id), "urutan": photo.position + 1, "ukuran": photo.size, "diterima": photo.received}
    item.photos.remove(photo)
    db.session.delete(photo)
    items.move(item, "hapus_foto", author, details=details)
    items.check_queue_entry(item)
    store = storage()
    after_commit(lambda: store.delete(incoming_key(photo_id.hex)))
    logger.info("Photo %s of item %s withdrawn by %s", photo_id, item.client_uuid, author.username)


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
    if photo is None or photo.state != PhotoState.SIAP or variant not in VARIANTS:
        raise NotFound("Foto tidak ditemukan.")
    item = photo.item
    public = item.shown_publicly
    if not public and not (
        viewer.is_authenticated and (policy.owns(viewer, item) or policy.can_moderate(viewer, item))
    ):
        raise NotFound("Foto tidak ditemukan.")
    return MediaFile(key=getattr(photo, VARIANTS[variant]), public=public)
