"""Migration 0021c (kept counts) on a database already holding items: the tables start with what counting the rows
gives — a pending item with a photo still arriving is not in the queue yet, a published berita is counted in its desa —
the approved berita has its verdict counted and its `decided_at` filled — and it goes down and up again."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from kim_app.extensions import db
from kim_app.items import counts
from tests.migrations.rows_0001 import NOW, database_at_0001_with_an_item

MORE_ITEMS = (
    # 2: published; 3: pending with a photo not yet arrived; 4: another pending berita of item 1's kind and kategori.
    *(
        "INSERT INTO submission (id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, "
        f"judul, isi, captured_at, received_at, updated_at, published_at, status, revision, content_hash) VALUES "
        f"({n}, '6f1c00000000400080000000000000{n:02d}', '{kind}', 1, 1, '53.04.05.2006', '53.04', 'pertanian', "
        f"'Judul', 'Isi', :now, :now, :now, {published}, '{status}', 1, :hash)"
        for n, kind, status, published in ((2, "berita", "disetujui", ":now"), (3, "berita", "menunggu", "NULL"),
                                           (4, "berita", "menunggu", "NULL"))
    ),
    "INSERT INTO moderation_event (id, submission_id, actor_id, action, to_status, revision, created_at) "
    "VALUES (2, 2, 1, 'setujui', 'disetujui', 1, :now)",
    "INSERT INTO photo (id, submission_id, position, sha256, size, mime, received, state, created_at) "
    "VALUES ('7a1c0000000040008000000000000003', 3, 0, :hash, 100, 'image/jpeg', 0, 'menunggu', :now)",
)


def kept() -> dict[str, list[tuple]]:
    return {table: [tuple(row) for row in db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
            for table in ("queue_count", "published_count")}  # verdict_count: counts.drift() below


def test_kept_counts_migration_counts_the_rows_already_there(migrating_app):
    with migrating_app.app_context():
        database_at_0001_with_an_item()
        upgrade(revision="0020")
        with db.engine.begin() as connection:
            for statement in MORE_ITEMS:
                connection.execute(text(statement), {"now": NOW, "hash": "2" * 64})
        upgrade()
        assert kept() == {"queue_count": [("53.04", "berita", "53.04.05.2006", 1, "pertanian", 2)],
                          "published_count": [("53.04.05.2006", "53.04", 1)]}
        decided = db.session.execute(text("SELECT id, decided_at FROM submission WHERE decided_at IS NOT NULL"))
        assert [row[0] for row in decided] == [2]
        assert counts.drift() == []
        db.session.rollback()
        downgrade(revision="0020")
        upgrade()
        assert counts.drift() == []
        db.session.rollback()


def test_day_count_migration_buckets_waits_as_the_app_does(migrating_app):
    """Migration 0024 counts each wait into the bucket waits.bucket_of gives it, to the second at every bound, on the
    arrival's WITA day (an item at 17:00 UTC arrived the next day in WITA); its copy of the bounds is the app's."""
    import runpy
    from datetime import timedelta
    from pathlib import Path

    from kim_app.items import waits

    migration = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0024_day_count.py"
    assert runpy.run_path(str(migration))["BOUNDS"] == waits.BOUNDS
    late_evening = NOW.replace(hour=17)
    waits_s = [0, 224, 225, 3599, 3600, waits.BOUNDS[-1] - 1, waits.BOUNDS[-1], 400 * 86400]
    with migrating_app.app_context():
        database_at_0001_with_an_item()
        upgrade(revision="0023")
        with db.engine.begin() as connection:
            for n, wait in enumerate(waits_s, start=2):
                received = late_evening - timedelta(seconds=wait)
                connection.execute(text(
                    "INSERT INTO submission (id, client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, "
                    "kategori, judul, isi, captured_at, received_at, updated_at, decided_at, status, revision, "
                    "content_hash) VALUES (:id, :uuid, 'berita', 1, 1, '53.04.05.2006', '53.04', 'pertanian', 'J', "
                    "'I', :received, :received, :decided, :decided, 'ditolak', 1, :hash)"),
                    {"id": n, "uuid": f"6f1c0000000040008000000000{n:06d}", "received": received,
                     "decided": late_evening, "hash": "3" * 64})
                connection.execute(text(
                    "INSERT INTO moderation_event (id, submission_id, actor_id, action, to_status, revision, "
                    "created_at) VALUES (:id, :id, 1, 'tolak', 'ditolak', 1, :decided)"),
                    {"id": n, "decided": late_evening})
        upgrade()
        # (verdict_count was filled at 0021c, before these rows: only day_count is this migration's.)
        assert [wrong for wrong in counts.drift() if wrong.table == "day_count"] == []
        ditolak = db.session.execute(text("SELECT hari, ditolak FROM day_count WHERE ditolak > 0")).all()
        assert [(str(day), n) for day, n in ditolak] == [("2026-11-29", len(waits_s))]
        db.session.rollback()
