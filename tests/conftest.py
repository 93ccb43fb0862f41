"""Fixtures: an app on a real database (SQLite file by default, PostgreSQL when TEST_DATABASE_URL is set), migrated
with the real migrations, reset before every test; clients that sign in through the real login form; a live server
and Chromium for the browser tests.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from kim_app import create_app
from kim_app.accounts.services import create_user, find_user
from kim_app.demo import seed_demo
from kim_app.extensions import db
from kim_app.items import counts as kept_counts
from kim_app.pengumuman import services as pengumuman_services
from kim_app.pengumuman.forms import Draft
from kim_app.publish import cache as portal_cache
from kim_app.wilayah.services import SHIPPED_DATA, ensure_kim_group, import_wilayah
from tests.helpers import (  # noqa: F401 — also for the fixtures' users
    PASSWORD,
    Person,
    aduan_body,
    berita_body,
    diseminasi_body,
    kegiatan_body,
    make_jpeg,
    page_version,
    photo_declaration,
    put_chunk,
)

# The kept counts (kim_app/items/counts.py) hold no foreign key to the items, so TRUNCATE … CASCADE does not reach them.
DATA_TABLES = ("moderation_event", "submission", "user_account", "kim_group", *kept_counts.KEPT_TABLES)


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
    portal_cache.forget_all(app)
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
            # The live server may still be answering the last test's page (a sync, a push registration) when the next
            # test starts: TRUNCATE then waits for its locks and PostgreSQL may pick either side as a deadlock's
            # victim. The reset goes again when it was the one picked; the request it met has ended by then.
            for attempt in range(5):
                try:
                    with db.engine.begin() as conn:
                        conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
                    break
                except OperationalError as error:
                    if "deadlock detected" not in str(error) or attempt == 4:
                        raise


@dataclass
class People:
    anggota: int
    anggota_lain: int
    moderator: int
    moderator_kupang: int
    admin: int


@pytest.fixture(autouse=True)
def _fresh_data(request):
    """Every test that uses the app starts from fresh data; a test of a pure function touches no database."""
    if "app" in request.fixturenames:
        request.getfixturevalue("people")


@pytest.fixture
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


@pytest.fixture
def berita(people):
    """A valid berita as the demo member's phone sends it; keyword arguments change fields."""
    return lambda **overrides: berita_body(**{"author_id": people.anggota, **overrides})


@pytest.fixture
def aduan(people):
    return lambda **overrides: aduan_body(**{"author_id": people.anggota, **overrides})


@pytest.fixture
def kegiatan(people):
    return lambda **overrides: kegiatan_body(**{"author_id": people.anggota, **overrides})


@pytest.fixture
def published_pengumuman(app, people) -> int:
    """A pengumuman the Belu desk published to the demo member's desa: what a dissemination report names."""
    with app.app_context():
        draft = Draft(judul="Vaksinasi ternak gratis", isi="Bawa ternak ke balai desa Kamis pagi.",
                      areas={"desa": ["53.04.05.2006"]})
        found = pengumuman_services.save(find_user("moderator"), draft, publish=True)
        db.session.commit()
        return found.id


@pytest.fixture
def diseminasi(people, published_pengumuman):
    """A dissemination report of the demo member on `published_pengumuman`."""
    return lambda **overrides: diseminasi_body(**{"author_id": people.anggota, "pengumuman": str(published_pengumuman),
                                                  **overrides})


@pytest.fixture
def second_instance(app, tmp_path):
    """Make another app beside the suite's, on a database of its own of the same kind (a new PostgreSQL database, or
    a SQLite file) and its own media folder: the instance a backup is restored into, or a database to migrate down and
    up. `migrate=False` leaves it empty, for tests that run the migrations themselves."""
    made = []

    def make(name: str, migrate: bool = True, **config):
        source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        if source.get_backend_name() == "postgresql":
            database = f"{source.database}_{name}"
            admin = create_engine(source, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
                connection.execute(text(f'CREATE DATABASE "{database}"'))
            admin.dispose()
            url = source.set(database=database).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        other = create_app({"KIM_ENV": "test", "SQLALCHEMY_DATABASE_URI": url,
                            "MEDIA_ROOT": str(tmp_path / f"{name}-media"), **config})
        if migrate:
            with other.app_context():
                upgrade()
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


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


def closing_responses(app):
    """The app, each of whose responses is closed however its sending ends. Werkzeug's development server closes a
    response only after draining the request's socket, and that drain raises first when the browser has dropped the
    connection (a page left while its files were still coming): a file sent whole then stays open until collected, a
    ResourceWarning in whichever test runs next. gunicorn, which production runs, closes it."""
    def wsgi(environ, start_response):
        iterable = app(environ, start_response)

        def closing():
            try:
                yield from iterable
            finally:
                if hasattr(iterable, "close"):
                    iterable.close()

        return closing()

    return wsgi


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, closing_responses(app), threaded=True)
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


# --- Photos (tests/media/) --------------------------------------------------------------------------------------------
# Every image is drawn here with Pillow; no binary file is committed.

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


# --- The Dinas desk (tests/moderation/) ----------------------------------------------------------------------------

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


# --- Media in a bucket (tests/media/test_media_s3.py, tests/production/) ---------------------------------------

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
