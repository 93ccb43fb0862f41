"""A database as migration 0001 left it, holding an item and its audit log: the rows the migration tests upgrade."""
from datetime import datetime, timezone

from flask_migrate import upgrade
from sqlalchemy import text

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


def database_at_0001_with_an_item() -> None:
    """Migrate the app's empty database to 0001 and put one member's item and its audit event in it."""
    upgrade(revision="0001")
    with db.engine.begin() as connection:
        values = {"now": NOW, "yes": True, "uuid": "6f1c0000000040008000000000000001", "hash": "0" * 64}
        for statement in ROWS_0001:
            connection.execute(text(statement), values)
