"""Helpers the tests of several domains share: people who sign in like people, valid bodies as the phone sends them,
images drawn with Pillow (no binary file is committed), and short look-ups. Fixtures that use them live in
conftest.py; test files import from here, never from one another."""
from __future__ import annotations

import hashlib
import io
import re
import struct
import uuid
import zlib
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.items.models import Item
from kim_app.moderation.queue import QueueFilter, page
from kim_app.pengumuman.models import Pengumuman, PengumumanTarget

PASSWORD = "demo12345"


class Person:
    """A test client that signs in like a person (through the form, with its CSRF token) and then speaks the API
    like the phone (X-CSRFToken from /api/v1/me)."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def login(self, username: str, password: str = PASSWORD):
        page = self.client.get("/masuk").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = self.client.post("/masuk", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        me = self.client.get("/api/v1/me")
        self.csrf = me.json["csrf_token"]
        self.me = me.json
        return self

    def form_token(self, path: str) -> str:
        page = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post_json(self, path: str, body, **kwargs):
        headers = {"X-CSRFToken": self.csrf} if self.csrf else {}
        return self.client.post(path, json=body, headers=headers, **kwargs)

    def send(self, body):
        return self.post_json("/api/v1/items", body)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def decide(self, item_id: int, action: str, note: str = ""):
        """A verdict as the item page sends it: with the page's CSRF token and the item version it showed."""
        page = self.client.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        version = re.search(r'name="version" value="(\d+)"', page)
        data = {"action": action, "note": note, "csrf_token": token}
        if version:
            data["version"] = version.group(1)
        return self.client.post(f"/moderasi/item/{item_id}", data=data)


def berita_body(**overrides) -> dict:
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "berita",
        "captured_at": datetime(2026, 11, 27, 23, 15, tzinfo=timezone.utc).isoformat().replace("+00:00", "Z"),
        "kategori": "pertanian",
        "judul": "Panen jagung di Kabuna",
        "isi": "Petani Desa Kabuna memanen jagung lebih awal tahun ini.",
    }
    body.update(overrides)
    return body


def aduan_body(**overrides) -> dict:
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "aduan",
        "captured_at": "2026-11-28T01:00:00.000Z",
        "kategori": "air",
        "uraian": "Pipa air bersih di dusun 2 bocor sejak seminggu.",
        "lokasi": "Dusun 2, dekat gereja",
        "pelapor_nama": "Agustinus Seran",
        "pelapor_telepon": "0812 3456 7890",
    }
    body.update(overrides)
    return body


def kegiatan_body(**overrides) -> dict:
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "kegiatan",
        "captured_at": "2026-11-28T03:00:00.000Z",
        "kategori": "pelatihan",
        "tanggal": "2026-11-27",
        "keterangan": "Pelatihan menulis berita desa untuk pengurus KIM Kabuna.",
        "peserta": "24",
    }
    body.update(overrides)
    return body


def diseminasi_body(**overrides) -> dict:
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "diseminasi",
        "captured_at": "2026-11-28T04:00:00.000Z",
        "kategori": "grup_whatsapp",
        "pengumuman": "7",
        "tanggal": "2026-11-28",
        "jangkauan": "150",
    }
    body.update(overrides)
    return body


def make_jpeg(width: int = 120, height: int = 80, orientation: int | None = None, gps: bool = False,
              comment: bytes | None = None, quality: int = 90) -> bytes:
    """A JPEG whose left half is red and right half blue (as stored), so orientation can be checked by pixels.
    With `gps`, the EXIF carries coordinates, a camera make and a body serial number, as phone cameras write."""
    image = Image.new("RGB", (width, height), (220, 30, 30))
    image.paste((30, 30, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x010F] = "KameraHP"
        exif[0x0110] = "Model X1"
        exif.get_ifd(0x8769)[0xA431] = "SN-0042-RAHASIA"  # BodySerialNumber
        exif.get_ifd(0x8825).update({1: "S", 2: (9.0, 5.0, 30.0), 3: "E", 4: (124.0, 53.0, 10.0)})
    out = io.BytesIO()
    options = {"quality": quality, "exif": exif}
    if comment:
        options["comment"] = comment
    image.save(out, "JPEG", **options)
    return out.getvalue()


def photo_declaration(data: bytes, mime: str = "image/jpeg", **overrides) -> dict:
    declared = {"id": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "mime": mime}
    declared.update(overrides)
    return declared


def put_chunk(person: Person, photo_id: str, offset: int, data: bytes, **headers):
    return person.client.put(
        f"/api/v1/photos/{photo_id}/content",
        data=data,
        headers={"X-CSRFToken": person.csrf, "Upload-Offset": str(offset),
                 "Content-Type": "application/octet-stream", **headers},
    )


def patch_photo(person: Person, photo_id: str, offset: int, data: bytes, **headers):
    """The streamed upload: the rest of a photo (or up to 1 MiB of it) from `offset`, in one request."""
    return person.client.patch(
        f"/api/v1/photos/{photo_id}/content",
        data=data,
        headers={"X-CSRFToken": person.csrf, "Upload-Offset": str(offset),
                 "Content-Type": "application/offset+octet-stream", **headers},
    )


def page_version(person: Person, item_id: int) -> tuple[str, str]:
    """(csrf token, item version) as the moderator's item page shows them."""
    page = person.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return token, re.search(r'name="version" value="(\d+)"', page).group(1)


def approved(app, member, moderator, body) -> int:
    member.send(body)
    with app.app_context():
        item_id = db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))
    moderator.decide(item_id, "setujui")
    return item_id


def png_bomb(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes claiming width×height pixels: decoding it would need gigabytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 16, 9)  # the first rows; zeros compress 1000:1
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def camera_photo(seed: int = 0, width: int = 1600, height: int = 1200) -> bytes:
    """A shrunk phone photo of a few hundred kB: noise, so it takes several chunks."""
    noise = Image.effect_noise((width, height), 40 + seed).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=85)
    return out.getvalue()


def item_id(app, body) -> int:
    with app.app_context():
        return db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))


def queued_ids(app, username="moderator") -> list[int]:
    with app.app_context():
        return [item.id for item in page(find_user(username), QueueFilter())]


def media_root(app) -> Path:
    return Path(app.config["MEDIA_ROOT"])


def part_file(app, photo_id: str) -> Path:
    return media_root(app) / "incoming" / f"{uuid.UUID(photo_id).hex}.part"


def write_pengumuman(person: Person, path: str = "/moderasi/pengumuman/baru", action: str = "terbit",
                     files: list[tuple[bytes, str]] = (), **fields):
    """The desk's pengumuman form sent as a moderator's browser sends it (lists for the multi-selects; `files` as
    (bytes, file name) in a multipart body)."""
    data = {"jenis": "pengumuman", "judul": "Vaksinasi ternak gratis", "isi": "Bawa ternak ke balai desa.",
            "action": action, **fields}
    data["csrf_token"] = person.form_token("/moderasi/pengumuman/baru")
    if files:
        data["lampiran"] = [FileStorage(io.BytesIO(content), filename=name) for content, name in files]
        # Encoded in memory: the test client's own encoding spools a large body to a file it never closes.
        stream, _, boundary = stream_encode_multipart(data, use_tempfile=False)
        return person.client.post(path, data=stream.getvalue(),
                                  content_type=f"multipart/form-data; boundary={boundary}")
    return person.client.post(path, data=data)


def make_pdf(pages: int = 1, padding: int = 0) -> bytes:
    """A small PDF as a writer makes one: the signature, objects, and %%EOF at the end (`padding` bytes of a comment
    make it as large as a test needs)."""
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    body += b"2 0 obj << /Type /Pages /Count %d >> endobj\n" % pages
    body += b"%" + b"x" * padding + b"\n"
    return body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def pengumuman_rows(app) -> tuple[int, int]:
    """How many pengumuman and targets are stored: a refused form leaves both as they were."""
    with app.app_context():
        return (db.session.query(Pengumuman).count(), db.session.query(PengumumanTarget).count())
