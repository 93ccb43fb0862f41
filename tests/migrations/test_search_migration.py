"""Migration 0020 (search) on a database already holding items: a published berita is searchable after the upgrade,
a pending one and a complaint are not, and it goes down and up again."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from kim_app.extensions import db
from kim_app.publish import search
from tests.migrations.rows_0001 import NOW, database_at_0001_with_an_item

PUBLISHED = ("UPDATE submission SET status = 'disetujui', published_at = :now, judul = 'Panen jagung hibrida' "
             "WHERE id = 1")
ADUAN = (
    "INSERT INTO submission (id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, uraian, "
    "lokasi, pelapor_nama, captured_at, received_at, updated_at, status, revision, content_hash, tracking_code, "
    "aduan_status) VALUES (2, "
    "'6f1c0000000040008000000000000002', 'aduan', 1, 1, '53.04.05.2006', '53.04', 'air', 'Pipa jagung bocor', "
    "'Dusun 2', 'Agustinus', :now, :now, :now, 'disetujui', 1, :hash, 'K7P2QX9M', 'diverifikasi')"
)


def found(q: str) -> list[int]:
    rows = search.search(q)
    db.session.rollback()
    return [hit.item.id for hit in rows.hits]


def test_search_migration_indexes_the_published_rows_already_there(migrating_app):
    with migrating_app.app_context():
        database_at_0001_with_an_item()
        upgrade(revision="0018")
        with db.engine.begin() as connection:
            connection.execute(text(PUBLISHED), {"now": NOW})
            connection.execute(text(ADUAN), {"now": NOW, "hash": "1" * 64})
        upgrade()
        assert found("jagung") == [1]
        assert found("Agustinus") == [] and found("pipa") == []
        downgrade(revision="0018")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM submission")).scalar() == 2
            connection.execute(text("UPDATE submission SET judul = 'Panen sorgum' WHERE id = 1"))
        upgrade()
        assert found("sorgum") == [1] and found("hibrida") == []
