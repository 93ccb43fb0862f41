"""A pengumuman's attachments: photos through the media pipeline (kim_app/media/pipeline.py, `process`: the same
checks and the same display and thumbnail JPEGs as a member's photo), and PDF documents.

A PDF is never opened, rendered or parsed on the server: it is taken when it starts with the PDF signature `%PDF-`
and ends (within its last kilobyte) with `%%EOF`, which a truncated upload or another file renamed to .pdf does not,
and it is served as a download (routes.py) that no browser runs or shows inline.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from flask import current_app
from werkzeug.datastructures import FileStorage

from kim_app.errors import Invalid, ProblemError
from kim_app.media import pipeline
from kim_app.media.storage import derivative_key, document_key, storage
from kim_app.pengumuman.models import Lampiran, Pengumuman

PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
PDF_TAIL = 1024
NAME_MAX = 120


class TooLarge(ProblemError):
    status, slug, title = 413, "too-large", "Lampiran terlalu besar"


@dataclass
class Checked:
    """One file that passed its checks, with what will be stored: {key: bytes}."""

    row: Lampiran
    blobs: dict


def _name(upload: FileStorage) -> str:
    """The file's name as the desk shows it and the download offers it: no path, no control characters."""
    name = re.sub(r"[\x00-\x1f\x7f/\\\\]", "", (upload.filename or "").rsplit("/", 1)[-1]).strip() or "lampiran"
    return name[-NAME_MAX:]


def _is_pdf(data: bytes) -> bool:
    return data.startswith(PDF_MAGIC) and PDF_END in data[-PDF_TAIL:]


def check(uploads: list[FileStorage], already: int = 0) -> list[Checked]:
    """Every file checked before any is stored; the first refusal (413 too large, 422 not a photo or PDF) stops
    them all."""
    limit = current_app.config["PENGUMUMAN_LAMPIRAN_MAX_BYTES"]
    most = current_app.config["PENGUMUMAN_LAMPIRAN_MAX"]
    uploads = [upload for upload in uploads if upload and upload.filename]
    if already + len(uploads) > most:
        raise Invalid(f"Paling banyak {most} lampiran untuk satu pengumuman.")
    checked = []
    for upload in uploads:
        name = _name(upload)
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(f"Lampiran {name} lebih dari {limit // (1024 * 1024)} MB. Kecilkan berkasnya atau "
                           "bagi menjadi beberapa berkas.")
        if not data:
            raise Invalid(f"Lampiran {name} kosong.")
        if data.startswith(PDF_MAGIC):
            if not _is_pdf(data):
                raise Invalid(f"Lampiran {name} bukan PDF yang utuh (akhir berkasnya tidak ada). Unggah ulang.")
            key = document_key(hashlib.sha256(data).hexdigest())
            row = Lampiran(jenis="pdf", nama=name, key=key, size=len(data))
            checked.append(Checked(row, {key: data}))
            continue
        try:
            made = pipeline.process(io.BytesIO(data))
        except pipeline.NotAnImage:
            raise Invalid(f"Lampiran {name} bukan foto atau PDF. Lampirkan foto (JPEG, PNG, WebP) atau dokumen "
                          "PDF.") from None
        except pipeline.Refused as error:
            raise Invalid(f"Lampiran {name}: {error.message}") from None
        display = derivative_key(hashlib.sha256(made.display).hexdigest())
        thumb = derivative_key(hashlib.sha256(made.thumb).hexdigest())
        row = Lampiran(jenis="foto", nama=name, key=display, thumb_key=thumb, size=len(made.display),
                       width=made.width, height=made.height)
        checked.append(Checked(row, {display: made.display, thumb: made.thumb}))
    return checked


def attach(pengumuman: Pengumuman, checked: list[Checked]) -> None:
    """Store the bytes, then the rows. Keys are content-addressed, so bytes left behind by a request that fails later
    are only ever reused, never wrong."""
    store = storage()
    for one in checked:
        for key, data in one.blobs.items():
            if not store.exists(key):
                store.save(key, data)
        pengumuman.lampiran.append(one.row)
