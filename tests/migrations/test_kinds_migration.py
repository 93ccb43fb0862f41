"""Migration 0013 (kegiatan, diseminasi, the status tercatat) on a database holding an item and its audit log: the
new kinds and status are taken, an activity without its description is not, the public indexes and the audit log's
triggers survive the rebuild, and it goes down and up again — but not down while a new kind's item exists."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from kim_app.extensions import db
from tests.migrations.rows_0001 import NOW, database_at_0001_with_an_item

INSERT = (
    "INSERT INTO submission (id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, "
    "keterangan, rincian, captured_at, received_at, updated_at, status, revision, version, content_hash) VALUES "
    "(:id, :uuid, :kind, 1, 1, '53.04.05.2006', '53.04', :kategori, :keterangan, :rincian, :now, :now, :now, "
    ":status, 1, 1, :hash)"
)


def _insert(connection, id, kind, kategori, status, keterangan):
    connection.execute(text(INSERT), {
        "id": id, "uuid": f"6f1c00000000400080000000000000{id:02d}", "kind": kind, "kategori": kategori,
        "keterangan": keterangan, "rincian": '{"tanggal": "2026-12-01"}', "now": NOW, "status": status,
        "hash": "2" * 64,
    })


def test_kinds_migration_takes_the_new_kinds_and_keeps_the_rest(migrating_app):
    with migrating_app.app_context():
        database_at_0001_with_an_item()
        upgrade(revision="0012")
        indexes_before = {index["name"] for index in inspect(db.engine).get_indexes("submission")}
        upgrade(revision="0013")
        assert {index["name"] for index in inspect(db.engine).get_indexes("submission")} == indexes_before
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT judul FROM submission WHERE id = 1")).scalar() == "Panen"
            _insert(connection, 2, "kegiatan", "pelatihan", "menunggu", "Pelatihan menulis berita")
            _insert(connection, 3, "diseminasi", "grup_whatsapp", "tercatat", None)
            if db.engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        with pytest.raises(DBAPIError, match="kegiatan_complete"), db.engine.begin() as connection:
            _insert(connection, 4, "kegiatan", "pertemuan", "menunggu", None)
        with pytest.raises(DBAPIError, match="status_known"), db.engine.begin() as connection:
            _insert(connection, 4, "foto", "budaya", "dibuang", "Tarian")
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM moderation_event"))

        with pytest.raises(SystemExit):  # flask_migrate's way of saying the migration raised
            downgrade(revision="0012")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM submission")).scalar() == 3
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM submission WHERE id IN (2, 3)"))
        downgrade(revision="0012")
        with pytest.raises(DBAPIError, match="kind_known"), db.engine.begin() as connection:
            _insert(connection, 2, "kegiatan", "pelatihan", "menunggu", "Pelatihan menulis berita")
        upgrade()
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM submission")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM moderation_event")).scalar() == 1
