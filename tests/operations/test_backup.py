"""`flask kim backup` / `flask kim restore`: everything a member sent, and its media, survives into a new instance."""
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Item, ItemEvent


@pytest.fixture
def empty_instance(second_instance):
    return second_instance("restore")


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
