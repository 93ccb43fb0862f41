"""Fixtures: an app on a real database (SQLite file by default, PostgreSQL when TEST_DATABASE_URL is set), migrated
with the real migrations, reset before every test; clients that sign in through the real login form; a live server
and Chromium for the browser tests.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from kim_app import create_app
from kim_app.accounts.services import create_user
from kim_app.demo import seed_demo
from kim_app.extensions import db
from kim_app.wilayah.services import SHIPPED_DATA, ensure_kim_group, import_wilayah

PASSWORD = "demo12345"
DATA_TABLES = ("moderation_event", "submission", "user_account", "kim_group")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["KIM_INSTANCE_PATH"] = str(instance)
    app = create_app({"KIM_ENV": "test", "SERVER_NAME": None})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        import_wilayah(SHIPPED_DATA, "53")
        db.session.commit()
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            # A migrated copy with the regions loaded; every test starts from it.
            db.engine.dispose()
            path = Path(db.engine.url.database)
            shutil.copyfile(path, path.with_suffix(".template"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # close pooled connections before the interpreter collects them


def _reset_database(app):
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            # The audit log refuses DELETE (append-only triggers), so SQLite starts each test from the template. It is
            # copied in through SQLite's backup API, not by replacing the file: the live server may still be answering
            # a closing page's last request, and a file (or its -wal) swapped under an open connection is a
            # "disk I/O error". The backup takes SQLite's own locks and waits for that request instead.
            db.engine.dispose()
            path = Path(db.engine.url.database)
            template = sqlite3.connect(path.with_suffix(".template"))
            target = sqlite3.connect(path, timeout=30)
            try:
                template.backup(target)
            finally:
                target.close()
                template.close()
        else:
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))


@dataclass
class People:
    anggota: int
    anggota_lain: int
    moderator: int
    moderator_kupang: int
    admin: int


@pytest.fixture(autouse=True)
def people(app) -> People:
    """Fresh data for every test: the demo accounts plus a second member and a moderator of another kabupaten."""
    _reset_database(app)
    with app.app_context():
        seed_demo(with_news=False)
        kim_lain = ensure_kim_group("KIM Maudemu", "53.04.05.2001")
        anggota_lain = create_user("anggota2", PASSWORD, "anggota", "Fransiska Abuk", kim_id=kim_lain.id)
        mod_kupang = create_user("moderator.kupang", PASSWORD, "moderator", "Moderator Kupang", kabupaten_kode="53.01")
        db.session.commit()
        from kim_app.accounts.services import find_user

        ids = People(
            anggota=find_user("anggota").id,
            anggota_lain=anggota_lain.id,
            moderator=find_user("moderator").id,
            moderator_kupang=mod_kupang.id,
            admin=find_user("admin").id,
        )
        db.session.remove()
    return ids


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


@pytest.fixture
def make_person(app):
    def make(username: str | None = None) -> Person:
        person = Person(app.test_client())
        return person.login(username) if username else person

    return make


@pytest.fixture
def member_in(app, make_person):
    """A signed-in member of a KIM in the given desa (group and account made on first use): a member files items only
    into their own KIM's area, so news of another desa comes from a member there. `.berita(**)` is their berita."""

    def make(desa_kode: str) -> Person:
        from kim_app.accounts.services import find_user

        username = "anggota." + desa_kode.replace(".", "")
        with app.app_context():
            if find_user(username) is None:
                group = ensure_kim_group(f"KIM {desa_kode}", desa_kode)
                create_user(username, PASSWORD, "anggota", f"Anggota {desa_kode}", kim_id=group.id)
                db.session.commit()
            db.session.remove()
        person = make_person(username)
        person.berita = lambda **overrides: berita_body(**{"author_id": person.me["id"], **overrides})
        return person

    return make


@pytest.fixture
def member(make_person) -> Person:
    return make_person("anggota")


@pytest.fixture
def moderator(make_person) -> Person:
    return make_person("moderator")


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


@pytest.fixture
def berita(people):
    """A valid berita as the demo member's phone sends it; keyword arguments change fields."""
    return lambda **overrides: berita_body(**{"author_id": people.anggota, **overrides})


@pytest.fixture
def aduan(people):
    return lambda **overrides: aduan_body(**{"author_id": people.anggota, **overrides})


# --- Browser tests -------------------------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@dataclass
class LiveServer:
    url: str


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}")
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        message = "Chromium not found (install Debian's chromium or set CHROMIUM_PATH): browser tests skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — not allowed under CI=true")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- Photos (tests/test_media_*.py, tests/test_photo_*.py) -----------------------------------------------------------
# Every image is drawn here with Pillow; no binary file is committed.

def make_jpeg(width: int = 120, height: int = 80, orientation: int | None = None, gps: bool = False,
              comment: bytes | None = None, quality: int = 90) -> bytes:
    """A JPEG whose left half is red and right half blue (as stored), so orientation can be checked by pixels.
    With `gps`, the EXIF carries coordinates, a camera make and a body serial number, as phone cameras write."""
    import io

    from PIL import Image

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
    import hashlib

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


@pytest.fixture
def upload():
    """Send a photo's bytes from `start` in chunks, as the phone does; returns the last answer."""
    def send(person: Person, photo_id: str, data: bytes, start: int = 0, chunk: int = 64 * 1024):
        offset = start
        response = None
        while offset < len(data) or response is None:
            response = put_chunk(person, photo_id, offset, data[offset:offset + chunk])
            if response.status_code != 200:
                return response
            offset = response.json["received"]
            if response.json["state"] != "menunggu":
                return response
        return response

    return send


@pytest.fixture
def foto(people):
    """A valid photo story (kind foto) carrying the given photos' bytes; returns (body, declarations)."""
    def make(*photos: bytes, **overrides):
        declarations = [photo_declaration(data) for data in photos]
        body = {
            "uuid": str(uuid.uuid4()),
            "kind": "foto",
            "author_id": people.anggota,
            "captured_at": "2026-11-28T02:15:00Z",
            "kategori": "budaya",
            "keterangan": "Tarian likurai menyambut tamu di Kabuna",
            "photos": declarations,
        }
        body.update(overrides)
        return body, declarations

    return make


# --- The Dinas desk (tests/test_desk_*.py) ----------------------------------------------------------------------------

@pytest.fixture
def make_ketua(app):
    """Make the ketua of KIM Kabuna (the demo member's group) and return their username."""
    def make(username: str = "ketua") -> str:
        with app.app_context():
            from kim_app.accounts.services import find_user

            kim_id = find_user("anggota").kim_id
            create_user(username, PASSWORD, "anggota", "Ketua Kabuna", kim_id=kim_id, ketua=True)
            db.session.commit()
        return username

    return make


@pytest.fixture
def send_item(app):
    """Send a body as a member and return the stored item's id."""
    def send(person: Person, body: dict) -> int:
        from sqlalchemy import select

        from kim_app.items.models import Item

        response = person.send(body)
        assert response.status_code == 201, response.get_data(as_text=True)
        with app.app_context():
            return db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))

    return send


def page_version(person: Person, item_id: int) -> tuple[str, str]:
    """(csrf token, item version) as the moderator's item page shows them."""
    page = person.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return token, re.search(r'name="version" value="(\d+)"', page).group(1)


# --- Media in a bucket (tests/test_media_s3.py, tests/production/) ---------------------------------------------------

@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's standalone S3 server, one for the whole run; every test takes a bucket of its own."""
    from tests.s3server import MotoServer

    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log").start()
    yield server
    server.stop()


@pytest.fixture
def bucket_settings(s3_server) -> dict:
    """A new, empty bucket: the settings that point the app at it (MEDIA_STORAGE=s3, S3_BUCKET, …)."""
    return s3_server.settings(s3_server.new_bucket())


@pytest.fixture
def s3_media(app, bucket_settings, monkeypatch) -> str:
    """The suite's app with its media in a new bucket for this test; returns the bucket's name."""
    for name, value in bucket_settings.items():
        monkeypatch.setitem(app.config, name, value)
    app.extensions.pop("kim_s3_storage", None)
    yield bucket_settings["S3_BUCKET"]
    app.extensions.pop("kim_s3_storage", None)
