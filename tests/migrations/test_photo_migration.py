"""Migration 0002 (photos) on a database that already holds items and their audit log: nothing is lost, the foreign
keys still hold, and it goes down and up again. On SQLite the submission table is rebuilt, which is the risky part."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from kim_app.extensions import db
from tests.migrations.rows_0001 import NOW, database_at_0001_with_an_item


def counts(connection) -> tuple[int, int]:
    return (
        connection.execute(text("SELECT count(*) FROM submission")).scalar(),
        connection.execute(text("SELECT count(*) FROM moderation_event")).scalar(),
    )


def test_photos_migration_keeps_items_and_their_audit_log(migrating_app):
    with migrating_app.app_context():
        database_at_0001_with_an_item()
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
