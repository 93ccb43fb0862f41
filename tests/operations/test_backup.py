"""`flask kim backup` / `flask kim restore`: everything a member sent, and its media, survives into a new instance."""
import re
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from kim_app import create_app
from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent


@pytest.fixture
def empty_instance(app, tmp_path):
    """A second, freshly migrated and empty instance on the same kind of database as the suite."""
    source_url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if source_url.get_backend_name() == "postgresql":
        name = f"{source_url.database}_restore"
        admin = create_engine(source_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = source_url.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = create_app({"KIM_ENV": "test", "SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": str(tmp_path / "media")})
    with restored.app_context():
        upgrade()
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()


def test_backup_restores_every_item_event_account_and_media_file(app, member, moderator, berita, aduan,
                                                                 empty_instance, tmp_path):
    news, complaint = berita(judul="Berita yang dicadangkan"), aduan()
    member.send(news)
    member.send(complaint)
    with app.app_context():
        news_id = db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(news["uuid"])))
    moderator.decide(news_id, "setujui")
    stored = Path(app.config["MEDIA_ROOT"]) / "ab" / "contoh.jpg"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"\xff\xd8 bytes of a stored photo \xff\xd9")
    archive = tmp_path / "kim.tar.gz"

    made = app.test_cli_runner().invoke(args=["kim", "backup", str(archive)])
    assert made.exit_code == 0, made.output
    restored = empty_instance.test_cli_runner().invoke(args=["kim", "restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "2 kiriman" in restored.output

    with app.app_context():
        before = {s.client_uuid: (s.kind, s.status, s.judul, s.uraian, s.pelapor_nama, s.captured_at)
                  for s in db.session.scalars(select(Item))}
        events_before = db.session.scalar(select(db.func.count()).select_from(ItemEvent))
    with empty_instance.app_context():
        after = {s.client_uuid: (s.kind, s.status, s.judul, s.uraian, s.pelapor_nama, s.captured_at)
                 for s in db.session.scalars(select(Item))}
        events_after = db.session.scalar(select(db.func.count()).select_from(ItemEvent))
    assert after == before
    assert events_after == events_before == 3
    assert (Path(empty_instance.config["MEDIA_ROOT"]) / "ab" / "contoh.jpg").read_bytes() == stored.read_bytes()

    visitor = empty_instance.test_client()
    assert "Berita yang dicadangkan" in visitor.get("/").get_data(as_text=True)
    page = visitor.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    login = visitor.post("/masuk", data={"username": "anggota", "password": "demo12345", "csrf_token": token})
    assert login.status_code == 302  # accounts and their password hashes came along


def test_restore_refuses_an_instance_that_is_not_empty(app, tmp_path):
    archive = tmp_path / "kim.tar.gz"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["kim", "backup", str(archive)]).exit_code == 0
    refused = runner.invoke(args=["kim", "restore", str(archive)])
    assert refused.exit_code != 0
    assert "Instance tidak kosong" in refused.output


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    import tarfile

    bogus = tmp_path / "bukan.tar.gz"
    with tarfile.open(bogus, "w:gz"):
        pass
    refused = app.test_cli_runner().invoke(args=["kim", "restore", str(bogus)])
    assert refused.exit_code != 0
    assert "bukan cadangan KIM" in refused.output
