"""Migration 0003 (the desk) on a database holding items, a complaint and their audit log: complaints get tracking
codes, every item gets its revision 1, the audit log stays append-only, and it goes down and up again."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kim_app.extensions import db
from tests.migrations.rows_0001 import NOW, database_at_0001_with_an_item

ADUAN = (
    "INSERT INTO submission (id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, uraian, "
    "lokasi, pelapor_nama, captured_at, received_at, updated_at, status, revision, content_hash) VALUES (2, "
    "'6f1c0000000040008000000000000002', 'aduan', 1, 1, '53.04.05.2006', '53.04', 'air', 'Pipa bocor', 'Dusun 2', "
    "'Agustinus', :now, :now, :now, 'disetujui', 1, :hash)"
)


def test_desk_migration_keeps_everything_and_fills_in_what_constraints_demand(migrating_app):
    with migrating_app.app_context():
        database_at_0001_with_an_item()
        upgrade(revision="0002")
        with db.engine.begin() as connection:
            connection.execute(text(ADUAN), {"now": NOW, "hash": "1" * 64})
        upgrade()
        with db.engine.begin() as connection:
            rows = connection.execute(text(
                "SELECT id, version, tracking_code, aduan_status FROM submission ORDER BY id")).fetchall()
            assert [(r.id, r.version, r.aduan_status) for r in rows] == [(1, 1, None), (2, 1, "diverifikasi")]
            assert rows[0].tracking_code is None and len(rows[1].tracking_code) == 8
            revisions = connection.execute(text(
                "SELECT submission_id, revision, judul, uraian FROM submission_revision ORDER BY submission_id"
            )).fetchall()
            assert [tuple(r) for r in revisions] == [(1, 1, "Panen", None), (2, 1, None, "Pipa bocor")]
            assert connection.execute(text("SELECT count(*) FROM moderation_event")).scalar() == 1
            assert connection.execute(text("SELECT ketua FROM user_account")).scalar() in (False, 0)
            if db.engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("UPDATE moderation_event SET details = '{}'"))
        downgrade(revision="0002")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM submission")).scalar() == 2
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM moderation_event"))
        upgrade()
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM submission_revision")).scalar() == 2
