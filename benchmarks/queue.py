"""The moderation queue at 100,000 pending items: a filtered page and "Ambil berikutnya" (claim next).

Seeds a fresh database (SQLite in a temporary folder by default; the PostgreSQL database in DATABASE_URL when set —
its tables are dropped and recreated) with 100,000 pending items by bulk insert, then times, through the same service
functions the pages call:

- a filtered queue page (one kabupaten's berita of one kategori, 50 rows, keyset after a cursor) — the page's rows;
- the counts per filter value (the facets the filter form shows) alone, and the whole page: rows and counts;
- claim next, many times, each one committing its lease.

Prints human lines, then one JSON line: {"metric": "queue_claim_next_p99", "value": …, "unit": "ms",
"queue_page_p99_ms": …, "queue_counts_p99_ms": …, "queue_whole_page_p99_ms": …}.
"""
from __future__ import annotations

import sys
from pathlib import Path

# This file is named queue.py: its folder must not shadow the standard library's `queue` for what it imports.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import timedelta  # noqa: E402

ITEMS = int(os.environ.get("QUEUE_ITEMS", "100000"))
RUNS = int(os.environ.get("QUEUE_RUNS", "300"))
BATCH = 5000


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def main() -> None:
    instance = tempfile.mkdtemp(prefix="kim-bench-queue-")
    os.environ["KIM_INSTANCE_PATH"] = instance
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from kim_app import create_app
    from kim_app.accounts.services import find_user
    from kim_app.demo import seed_demo
    from kim_app.extensions import db
    from kim_app.items import counts as kept_counts
    from kim_app.items.models import Item
    from kim_app.moderation import queue as desk
    from kim_app.timeutil import utcnow
    from kim_app.wilayah.models import Desa
    from kim_app.wilayah.services import ensure_kim_group

    overrides = {"KIM_ENV": "development", "MEDIA_ROOT": str(Path(instance) / "media")}
    if os.environ.get("DATABASE_URL"):
        print("Database: PostgreSQL from DATABASE_URL (tables dropped and recreated)")
    else:
        print(f"Database: SQLite in {instance}")
    app = create_app(overrides)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        seed_demo(with_news=False)
        db.session.commit()
        member = find_user("anggota")
        # Items spread over Belu's desa (and a few other kabupaten), each desa with a KIM group.
        desa_codes = list(db.session.scalars(select(Desa.kode).where(Desa.kode.like("53.04.%")).limit(60)))
        desa_codes += list(db.session.scalars(select(Desa.kode).where(Desa.kode.like("53.01.%")).limit(20)))
        groups = {kode: ensure_kim_group(f"KIM {kode}", kode).id for kode in desa_codes}
        db.session.commit()
        kategori = ["pertanian", "kesehatan", "pendidikan", "budaya", "ekonomi", "pemerintahan"]
        start = utcnow() - timedelta(days=60)
        rng = random.Random(42)
        began = time.perf_counter()
        for offset in range(0, ITEMS, BATCH):
            rows = []
            for n in range(offset, min(ITEMS, offset + BATCH)):
                desa = rng.choice(desa_codes)
                moment = start + timedelta(seconds=n * 50)
                kind = "aduan" if n % 10 == 0 else "berita"
                row = {
                    "client_uuid": uuid.UUID(int=rng.getrandbits(128)), "kind": kind, "author_id": member.id,
                    "kim_id": groups[desa], "desa_kode": desa, "kabupaten_kode": desa[:5],
                    "kategori": "air" if kind == "aduan" else rng.choice(kategori),
                    "judul": None if kind == "aduan" else f"Berita desa nomor {n}",
                    "isi": None if kind == "aduan" else f"Isi berita nomor {n} tentang kegiatan warga.",
                    "uraian": f"Aduan nomor {n}" if kind == "aduan" else None,
                    "lokasi": "Dusun 1" if kind == "aduan" else None,
                    "tracking_code": f"B{n:07d}" if kind == "aduan" else None,
                    "aduan_status": "diterima" if kind == "aduan" else None,
                    "captured_at": moment, "received_at": moment, "updated_at": moment, "status": "menunggu",
                    "revision": 1, "version": 1, "content_hash": "0" * 64,
                }
                rows.append(row)
            db.session.execute(insert(Item), rows)
            db.session.commit()
        # Written past the code that keeps the queue's counts (kim_app/items/counts.py): count them from the rows.
        kept_counts.recount()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # As autovacuum leaves a table that has settled: statistics, and the visibility map that lets the
            # counts read the index alone.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE submission"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"Seeded {ITEMS} pending items in {time.perf_counter() - began:.1f} s")

        moderator = find_user("moderator")
        where = desk.QueueFilter(kind="berita", kategori="pertanian")
        first = desk.page(moderator, where, limit=desk.PAGE_SIZE)
        cursor = desk.encode_after(first[len(first) // 2])
        db.session.rollback()

        page_ms, counts_ms, whole_ms, claim_ms = [], [], [], []
        for _ in range(RUNS):
            t = time.perf_counter()
            rows = desk.page(moderator, where, after=cursor, limit=desk.PAGE_SIZE)
            page_ms.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
            assert len(rows) == desk.PAGE_SIZE + 1
        for _ in range(max(RUNS // 10, 20)):
            t = time.perf_counter()
            desk.counts(moderator, where)
            counts_ms.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
        for _ in range(max(RUNS // 10, 20)):
            # What the moderator's page asks for: its rows, the next cursor, and the counts of every filter.
            t = time.perf_counter()
            desk.queue_page(moderator, where, after=cursor)
            whole_ms.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
        claimers = [find_user("moderator"), find_user("admin")]
        for n in range(RUNS):
            t = time.perf_counter()
            item = desk.claim_next(claimers[n % 2])
            claim_ms.append((time.perf_counter() - t) * 1000)
            assert item is not None
        db.session.remove()

    print(f"Filtered queue page (50 rows, keyset): median {statistics.median(page_ms):.2f} ms, "
          f"p99 {p99(page_ms):.2f} ms")
    print(f"Counts per filter value (6 facets + total): median {statistics.median(counts_ms):.1f} ms, "
          f"p99 {p99(counts_ms):.1f} ms")
    print(f"Whole queue page (rows + counts): median {statistics.median(whole_ms):.1f} ms, "
          f"p99 {p99(whole_ms):.1f} ms")
    print(f"Claim next (commit included): median {statistics.median(claim_ms):.2f} ms, p99 {p99(claim_ms):.2f} ms")
    print(json.dumps({
        "metric": "queue_claim_next_p99", "value": round(p99(claim_ms), 2), "unit": "ms",
        "queue_page_p99_ms": round(p99(page_ms), 2), "queue_counts_p99_ms": round(p99(counts_ms), 1),
        "queue_whole_page_p99_ms": round(p99(whole_ms), 1),
    }))


if __name__ == "__main__":
    main()
