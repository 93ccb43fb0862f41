"""Photos: the resumable upload under /api/v1 (docs/sync-protocol.md, "Photos") and the derivatives under /media.

The streamed upload (PATCH) needs its body to reach the app as the phone sends it: the reverse proxy must not buffer
it (`proxy_request_buffering off` for this location, docs/deploy.md), and the workers must be gunicorn's gthread
workers, whose timeout is the worker's heartbeat, not the length of a request: a sync worker reading a 2G body for
longer than GUNICORN_TIMEOUT would be killed."""
from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

from flask import Blueprint as FlaskBlueprint
from flask import current_app, request, send_file
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from werkzeug.exceptions import ClientDisconnected

from kim_app.errors import PROBLEM
from kim_app.media import services
from kim_app.media.schemas import PhotoSchema, UploadHeadersSchema

api_bp = Blueprint("photos", __name__, url_prefix="/api/v1", description="Photos of items: resumable upload")
bp = FlaskBlueprint("media", __name__)

# A derivative never changes once it is served (a new photo gets a new id), so caches may keep it for a year.
MAX_AGE = 365 * 24 * 3600
CHUNK_BODY = {
    "required": True,
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary", "maxLength": 65536}}},
}
STREAM_BODY = {
    "required": True,
    "description": "The photo's bytes from Upload-Offset, at most 1 MiB and no further than its declared size; "
    "Content-Length is required",
    "content": {
        "application/offset+octet-stream": {"schema": {"type": "string", "format": "binary", "maxLength": 1048576}}
    },
}


@api_bp.route("/photos/<uuid:photo_id>")
class PhotoState(MethodView):
    decorators = [login_required]

    @api_bp.response(200, PhotoSchema)
    @api_bp.alt_response(404, description="No photo of yours has this id", **PROBLEM)
    def get(self, photo_id: uuid.UUID):
        """The state of one of your photos, with `received`: where to continue its upload"""
        return services.own_photo(current_user, photo_id)

    @api_bp.response(204, description="The photo is withdrawn; its item no longer waits for it")
    @api_bp.alt_response(404, description="No photo of yours has this id (already withdrawn: done)", **PROBLEM)
    @api_bp.alt_response(
        409, description="The photo is already `siap` (type photo-ready), or it is the only photo of a photo story "
        "(type last-photo)", **PROBLEM,
    )
    @api_bp.alt_response(401, description="Not signed in, or the session expired", **PROBLEM)
    @api_bp.alt_response(400, description="Missing or stale X-CSRFToken (type csrf): fetch /api/v1/me again", **PROBLEM)
    def delete(self, photo_id: uuid.UUID):
        """Withdraw one of your photos that has not arrived, so its item can reach the moderators without it"""
        services.withdraw(current_user, photo_id)


def _chunk() -> bytes:
    """The request body, refused unread when it says it is too long, never read past the limit, and refused when it
    ends before the length it announced."""
    if request.content_length is not None and request.content_length > services.CHUNK_LIMIT:
        raise services.ChunkTooLarge(f"Kirim paling banyak {services.CHUNK_LIMIT // 1024} KiB per permintaan.")
    data = request.stream.read(services.CHUNK_LIMIT + 1)
    if request.content_length is not None and len(data) < request.content_length:
        # The connection broke inside the body, and gunicorn hands over what came: a chunk that was cut is not
        # stored; the phone sends it again from `received`.
        raise ClientDisconnected()
    return data


class _StreamedBody:
    """The request body in pieces of at most 64 KiB, each handed over as soon as it has arrived whole. When the
    connection breaks, the part of a piece that came is the last piece, and `cut` says so."""

    def __init__(self, length: int):
        self.length = length
        self.read = 0
        self.cut = False

    def pieces(self) -> Iterator[bytes]:
        stream = request.stream
        while self.read < self.length and not self.cut:
            want = min(services.CHUNK_LIMIT, self.length - self.read)
            piece = bytearray()
            while len(piece) < want:
                try:
                    data = stream.read(want - len(piece))
                except (ClientDisconnected, OSError):
                    data = b""
                if not data:
                    self.cut = True
                    break
                piece += data
            self.read += len(piece)
            if piece:
                yield bytes(piece)


@api_bp.route("/photos/<uuid:photo_id>/content")
class PhotoContent(MethodView):
    decorators = [login_required]

    @api_bp.arguments(UploadHeadersSchema(), location="headers")
    @api_bp.response(200, PhotoSchema, description="Bytes stored; when complete, the photo is processed")
    @api_bp.alt_response(409, description="Upload-Offset is not `received` (type wrong-offset)", **PROBLEM)
    @api_bp.alt_response(413, description="More than 64 KiB in one request (type chunk-too-large)", **PROBLEM)
    @api_bp.alt_response(
        422,
        description="too-many-bytes, hash-mismatch, or the image is refused: not-an-image, unsupported-format, "
        "too-many-pixels, extreme-aspect-ratio, damaged-image",
        **PROBLEM,
    )
    @api_bp.doc(requestBody=CHUNK_BODY)
    def put(self, headers, photo_id: uuid.UUID):
        """Send the next bytes of a photo (≤ 64 KiB), starting at Upload-Offset"""
        return services.put_chunk(current_user, photo_id, headers["upload_offset"], _chunk())

    @api_bp.arguments(UploadHeadersSchema(), location="headers")
    @api_bp.response(200, PhotoSchema, description="The whole body stored; when complete, the photo is processed")
    @api_bp.alt_response(
        409, description="Upload-Offset is not `received`, or another request wrote to the photo meanwhile (type "
        "wrong-offset, with `received`)", **PROBLEM,
    )
    @api_bp.alt_response(411, description="No Content-Length (type length-required)", **PROBLEM)
    @api_bp.alt_response(413, description="More than 1 MiB in one request (type chunk-too-large)", **PROBLEM)
    @api_bp.alt_response(
        422,
        description="too-many-bytes (checked before a byte is read), hash-mismatch, or the image is refused: "
        "not-an-image, unsupported-format, too-many-pixels, extreme-aspect-ratio, damaged-image",
        **PROBLEM,
    )
    @api_bp.doc(requestBody=STREAM_BODY)
    def patch(self, headers, photo_id: uuid.UUID):
        """Stream the rest of a photo (≤ 1 MiB per request) from Upload-Offset; what arrives before a cut is kept"""
        length = request.content_length
        if length is None:
            raise services.LengthRequired("Nyatakan panjang data (Content-Length).")
        body = _StreamedBody(length)
        photo = services.receive_stream(current_user, photo_id, headers["upload_offset"], length, body.pieces())
        if body.cut:
            # Nobody waits for this answer; the phone learns `received` with GET and resumes from there.
            raise ClientDisconnected()
        return photo


@bp.route("/media/<uuid:photo_id>/<any(display, thumb):variant>.jpg")
def photo_file(photo_id: uuid.UUID, variant: str):
    found = services.media_file(current_user, photo_id, variant)
    if found.etag in request.if_none_match:
        response = current_app.response_class(status=304)
        response.set_etag(found.etag)
        response.cache_control.max_age = MAX_AGE
    else:
        response = send_file(
            io.BytesIO(found.read()), mimetype="image/jpeg", etag=found.etag, max_age=MAX_AGE, conditional=True,
            download_name=f"{variant}.jpg",
        )
    # Before publication only the author and moderators may see it: no shared cache may keep a copy.
    response.cache_control.public = found.public
    response.cache_control.private = not found.public
    response.cache_control.immutable = True
    return response
