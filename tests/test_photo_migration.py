"""Migration 0002 (photos) on a database that already holds items and their audit log: nothing is lost, the foreign
keys still hold, and it goes down and up again. On SQLite the submission table is rebuilt, which is the risky part."""
from datetime import datetime, timezone

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kim_app import create_app
from kim_app.extensions import db

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
ROWS_0001 = (
    "INSERT INTO provinsi (kode, nama) VALUES ('53', 'Nusa Tenggara Timur')",
    "INSERT INTO kabupaten (kode, provinsi_kode, nama) VALUES ('53.04', '53', 'Kabupaten Belu')",
    "INSERT INTO kecamatan (kode, kabupaten_kode, nama) VALUES ('53.04.05', '53.04', 'Tasifeto Timur')",
    "INSERT INTO desa (kode, kecamatan_kode, nama) VALUES ('53.04.05.2006', '53.04.05', 'Kabuna')",
    "INSERT INTO kim_group (id, nama, desa_kode, created_at) VALUES (1, 'KIM Kabuna', '53.04.05.2006', :now)",
    "INSERT INTO user_account (id, username, nama, password_hash, role, kim_id, active, created_at) "
    "VALUES (1, 'anggota', 'Yohanes', 'x', 'anggota', 1, :yes, :now)",
    "INSERT INTO submission (id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, judul, "
    "isi, captured_at, received_at, updated_at, status, revision, content_hash) VALUES (1, :uuid, 'berita', 1, 1, "
    "'53.04.05.2006', '53.04', 'pertanian', 'Panen', 'Jagung', :now, :now, :now, 'menunggu', 1, :hash)",
    "INSERT INTO moderation_event (id, submission_id, actor_id, action, to_status, revision, created_at) "
    "VALUES (1, 1, 1, 'kirim', 'menunggu', 1, :now)",
)


@pytest.fixture
def migrating_app(app, tmp_path):
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if source.get_backend_name() == "postgresql":
        name = f"{source.database}_migration"
        admin = create_engine(source, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = source.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'migrating.sqlite3'}"
    migrating = create_app({"KIM_ENV": "test", "SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": str(tmp_path / "media")})
    yield migrating
    with migrating.app_context():
        db.session.remove()
        db.engine.dispose()


def counts(connection) -> tuple[int, int]:
    return (
        connection.execute(text("SELECT count(*) FROM submission")).scalar(),
        connection.execute(text("SELECT count(*) FROM moderation_event")).scalar(),
    )


def test_photos_migration_keeps_items_and_their_audit_log(migrating_app):
    with migrating_app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            values = {"now": NOW, "yes": True, "uuid": "6f1c0000000040008000000000000001", "hash": "0" * 64}
            for statement in ROWS_0001:
                connection.execute(text(statement), values)
        upgrade()
        with db.engine.begin() as connection:
            assert counts(connection) == (1, 1)
            assert connection.execute(text("SELECT judul FROM submission WHERE id = 1")).scalar() == "Panen"
            if db.engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
                schema = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'submission'")).scalar()
                for constraint in ("ck_submission_berita_complete", "ck_submission_status_known",
                                   "fk_submission_author_id_user_account", "uq_submission_client_uuid"):
                    assert constraint in schema
            connection.execute(text(
                "INSERT INTO submission (id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, "
                "kategori, keterangan, captured_at, received_at, updated_at, status, revision, content_hash) VALUES "
                "(2, '6f1c0000000040008000000000000002', 'foto', 1, 1, '53.04.05.2006', '53.04', 'budaya', "
                "'Tarian likurai', :now, :now, :now, 'menunggu', 1, :hash)"
            ), {"now": NOW, "hash": "1" * 64})
            connection.execute(text("DELETE FROM submission WHERE id = 2"))
        downgrade(revision="0001")
        upgrade()
        with db.engine.begin() as connection:
            assert counts(connection) == (1, 1)
