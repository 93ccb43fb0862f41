"""KIM at national scale on PostgreSQL: every desa we ship, 400,000 members, 3,600 KIM groups and 2,000,000 items over
two years (a tenth of them pending), then the pages people use most, timed by the database time they cost.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kim_national .venv/bin/python benchmarks/national.py

The national region codes are read from WILAYAH_DATA (default: ../shared/data/wilayah beside the project; the app
ships only NTT's). The database in DATABASE_URL is emptied (its public schema dropped), migrated and filled with
INSERT … SELECT over generate_series — a few minutes — unless `--reuse` finds it already filled at the same scale;
then it is only migrated to this revision (whose migrations fill what they add, such as the kept counts).
`NATIONAL_SCALE=0.1` makes everything a tenth as large, for a quick look. Every page is requested through the app
itself (Flask's test client, signed in as a person would be) and its SQL time is summed from SQLAlchemy's cursor
events (less any pause of Python's garbage collector inside them), so the figures are the database's share of the
request, not the template's. `--explain` prints EXPLAIN (ANALYZE, BUFFERS) for the slowest statement of each page.

The busiest kabupaten is Belu (53.04): every one of its desa has a KIM group, so it holds about 12 times the average
kabupaten's items. Prints a line per page, then one JSON line whose value is the worst p99 of database time in ms.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/queue.py would shadow the standard library's `queue` for what the app imports: leave this folder out.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

SCALE = float(os.environ.get("NATIONAL_SCALE", "1"))
MEMBERS = int(400_000 * SCALE)
GROUPS = int(3_600 * SCALE)
ITEMS = int(2_000_000 * SCALE)
RUNS = int(os.environ.get("NATIONAL_RUNS", "40"))
BUSIEST = "53.04"
# The national region codes (83,762 desa); the app itself ships only NTT's. Any full copy of the data set will do.
WILAYAH = Path(os.environ.get("WILAYAH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "wilayah"))
DAYS = 730


def fill(db, text, password_hash: str) -> None:
    """The data set, in SQL: groups on every desa of Belu and on others chosen by hash, members spread over the groups,
    items spread over the members, one revision and one or two audit events per item."""
    steps = [
        ("kim groups", """
            INSERT INTO kim_group (nama, desa_kode, created_at)
            SELECT 'KIM ' || d.nama, d.kode, now() FROM desa d
            WHERE NOT EXISTS (SELECT 1 FROM kim_group g WHERE g.desa_kode = d.kode)
            ORDER BY (d.kode LIKE :busiest) DESC, md5(d.kode) LIMIT :groups"""),
        ("members", """
            INSERT INTO user_account (username, nama, password_hash, role, kim_id, active, ketua, created_at)
            SELECT 'a' || g, 'Anggota ' || g, :hash, 'anggota', ids[1 + g % array_length(ids, 1)], true, false, now()
            FROM generate_series(1, :members) g, (SELECT array_agg(id ORDER BY id) AS ids FROM kim_group) grp"""),
        ("the members' places", """
            CREATE TEMPORARY TABLE m AS
            SELECT row_number() OVER (ORDER BY u.id) AS n, u.id, u.kim_id, g.desa_kode, kc.kabupaten_kode
            FROM user_account u JOIN kim_group g ON g.id = u.kim_id JOIN desa d ON d.kode = g.desa_kode
            JOIN kecamatan kc ON kc.kode = d.kecamatan_kode WHERE u.role = 'anggota'"""),
        ("index on them", "CREATE INDEX ON m (n)"),
        ("items", """
            INSERT INTO submission (client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, judul,
                isi, uraian, lokasi, pelapor_nama, pelapor_telepon, captured_at, received_at, updated_at, published_at,
                decided_at, status, revision, version, content_hash, tracking_code, aduan_status)
            SELECT md5('item' || s.g)::uuid, s.kind, m.id, m.kim_id, m.desa_kode, m.kabupaten_kode,
                CASE WHEN s.kind = 'aduan' THEN 'air' ELSE 'pertanian' END,
                CASE WHEN s.kind = 'berita' THEN 'Berita ' || s.g END,
                CASE WHEN s.kind = 'berita' THEN 'Isi berita nomor ' || s.g || ' dari desa.' END,
                CASE WHEN s.kind = 'aduan' THEN 'Aduan warga nomor ' || s.g END,
                CASE WHEN s.kind = 'aduan' THEN 'Dusun ' || s.g % 5 END,
                CASE WHEN s.kind = 'aduan' THEN 'Pelapor ' || s.g END,
                CASE WHEN s.kind = 'aduan' THEN '0812' || lpad((s.g % 10000000)::text, 7, '0') END,
                s.received, s.received, s.decided,
                CASE WHEN s.kind = 'berita' AND s.status = 'disetujui' THEN s.decided END,
                CASE WHEN s.status <> 'menunggu' THEN s.decided END,
                s.status, 1, CASE WHEN s.status = 'menunggu' THEN 1 ELSE 2 END, md5('h' || s.g) || md5('i' || s.g),
                CASE WHEN s.kind = 'aduan' THEN 'N' || lpad(upper(to_hex(s.g)), 7, '0') END,
                CASE WHEN s.kind <> 'aduan' THEN NULL WHEN s.status = 'disetujui' THEN 'diverifikasi'
                     WHEN s.status = 'ditolak' THEN 'ditolak' ELSE 'diterima' END
            FROM (SELECT *, least(received + wait, now()) AS decided FROM (
                SELECT g, CASE WHEN g % 4 = 0 THEN 'aduan' ELSE 'berita' END AS kind,
                    CASE WHEN g % 10 = 0 THEN 'menunggu' WHEN g % 20 IN (1, 3) THEN 'ditolak'
                         WHEN g % 50 = 7 THEN 'perlu_revisi' ELSE 'disetujui' END AS status,
                    -- pending items arrived in the last 60 days; the rest over two years
                    now() - make_interval(secs => CASE WHEN g % 10 = 0 THEN (g::bigint * 7919) % (60 * 86400)
                                                       ELSE (g::bigint * 7919) % (:days * 86400) END) AS received,
                    -- the first verdict from ten minutes to three days after
                    make_interval(secs => 600 + (g::bigint * 104723) % (3 * 86400)) AS wait
                FROM generate_series(1, :items) g
            ) w) s JOIN m ON m.n = 1 + (s.g::bigint * 104729) % :members"""),
        ("revisions", """
            INSERT INTO submission_revision (submission_id, revision, captured_at, received_at, content_hash, kategori,
                judul, isi, uraian, lokasi, keterangan, pelapor_nama, pelapor_telepon)
            SELECT id, 1, captured_at, received_at, content_hash, kategori, judul, isi, uraian, lokasi, keterangan,
                pelapor_nama, pelapor_telepon FROM submission"""),
        ("audit: sent", """
            INSERT INTO moderation_event (submission_id, actor_id, action, from_status, to_status, revision,
                created_at)
            SELECT id, author_id, 'kirim', NULL, 'menunggu', 1, received_at FROM submission"""),
        ("audit: verdicts", """
            INSERT INTO moderation_event (submission_id, actor_id, action, from_status, to_status, revision, note,
                created_at)
            SELECT s.id, (SELECT id FROM user_account WHERE username = 'admin'),
                CASE s.status WHEN 'disetujui' THEN 'setujui' WHEN 'ditolak' THEN 'tolak' ELSE 'revisi' END,
                'menunggu', s.status, 1, CASE WHEN s.status <> 'disetujui' THEN 'Catatan moderator' END,
                s.updated_at
            FROM submission s WHERE s.status <> 'menunggu'"""),
        ("statistics", "ANALYZE"),
    ]
    values = {"busiest": f"{BUSIEST}.%", "groups": GROUPS, "members": MEMBERS, "items": ITEMS, "days": DAYS,
              "hash": password_hash}
    for name, statement in steps:
        started = time.perf_counter()
        with db.engine.begin() as connection:
            connection.execute(text(statement), values)
        print(f"  {name}: {time.perf_counter() - started:.1f} s", flush=True)


class DatabaseClock:
    """Sums the time spent in the database's cursor (execute to result) while a request runs, and keeps the slowest
    statement with its parameters for EXPLAIN. A pause of Python's garbage collector that falls inside a statement
    (a full collection comes every so many allocations, in the same request of a run whatever the load) is the
    interpreter's time, not the database's: it is taken out, and counted apart (`gc`)."""

    def __init__(self, engine, event):
        self.total = 0.0
        self.statements = 0
        self.gc = 0.0
        self.slowest = (0.0, None, None)
        self._collecting = 0.0
        self._collected = 0.0  # seconds of collection so far, all told
        gc.callbacks.append(self._on_gc)
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _on_gc(self, phase, info):
        if phase == "start":
            self._collecting = time.perf_counter()
        else:
            self._collected += time.perf_counter() - self._collecting

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["kim_started"] = (time.perf_counter(), self._collected)

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started, collected = conn.info.pop("kim_started")
        paused = self._collected - collected
        spent = time.perf_counter() - started - paused
        self.total += spent
        self.gc += paused
        self.statements += 1
        if spent > self.slowest[0]:
            self.slowest = (spent, statement, parameters)

    def reset(self):
        self.total = 0.0
        self.statements = 0
        self.gc = 0.0
        self.slowest = (0.0, None, None)


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] if len(samples) > 1 else samples[0]


def prepare(db, reuse: bool, fill_rows, described: str) -> None:
    """The data set in DATABASE_URL: kept when `reuse` finds it at full size (then only migrated to this revision and
    analysed), otherwise the schema is emptied, migrated and filled — regions, demo accounts, `fill_rows(db, text,
    password_hash)` — and the kept counts counted once from the rows. benchmarks/search.py fills its own way with it."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text
    from werkzeug.security import generate_password_hash

    from kim_app.demo import DEMO_PASSWORD, seed_demo
    from kim_app.items import counts as kept_counts
    from kim_app.items.models import Item
    from kim_app.wilayah.services import import_wilayah

    url = os.environ.get("DATABASE_URL", "")
    filled = False
    if reuse:
        with contextlib.suppress(Exception):  # no schema yet: fill it
            filled = db.session.scalar(select(func.count(Item.id))) == ITEMS
        # End the count's transaction: its lock on the items would hold up a migration that alters them.
        db.session.rollback()
    if filled:
        upgrade()  # a data set filled by an older revision gets this one's indexes
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return
    print(f"Filling {url.rsplit('/', 1)[-1]}: {described}")
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade()
    started = time.perf_counter()
    import_wilayah(WILAYAH)
    seed_demo(with_news=False)
    db.session.commit()
    print(f"  wilayah and demo accounts: {time.perf_counter() - started:.1f} s", flush=True)
    fill_rows(db, text, generate_password_hash(DEMO_PASSWORD))
    # The fill wrote rows directly, past the code that keeps the counts: count them from the rows once.
    started = time.perf_counter()
    kept_counts.recount()
    db.session.commit()
    print(f"  kept counts: {time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep the data set if it is already there")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest statement of each page")
    parser.add_argument("--only", action="append", default=[], metavar="WORDS",
                        help="only the pages whose name holds these words (repeatable)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (it is emptied and filled)")
    instance = tempfile.mkdtemp(prefix="kim-national-")
    os.environ["KIM_INSTANCE_PATH"] = instance

    from sqlalchemy import event, func, select, text

    from kim_app import create_app
    from kim_app.accounts.models import User
    from kim_app.demo import DEMO_PASSWORD
    from kim_app.extensions import db
    from kim_app.items.models import Item
    from kim_app.wilayah.models import Desa

    app = create_app({"KIM_ENV": "development", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "MEDIA_ROOT": str(Path(instance) / "media")})
    with app.app_context():
        prepare(db, args.reuse, fill, f"{ITEMS:,} items, {MEMBERS:,} members, {GROUPS:,} groups")
        sizes = {
            "desa": db.session.scalar(select(func.count()).select_from(Desa)),
            "members": db.session.scalar(select(func.count(User.id)).where(User.role == "anggota")),
            "items": db.session.scalar(select(func.count(Item.id))),
            "pending": db.session.scalar(select(func.count(Item.id)).where(Item.status == "menunggu")),
            "busiest_items": db.session.scalar(select(func.count(Item.id)).where(Item.kabupaten_kode == BUSIEST)),
            "database_mb": round(db.session.scalar(text("SELECT pg_database_size(current_database())")) / 2**20),
        }
        busy_desa, busy_member = db.session.execute(
            select(Item.desa_kode, Item.author_id).where(Item.kabupaten_kode == BUSIEST)
            .group_by(Item.desa_kode, Item.author_id).order_by(func.count().desc()).limit(1)
        ).one()
        member_name = db.session.get(User, busy_member).username
        db.session.remove()
    print("Data set:", ", ".join(f"{name} {value:,}" for name, value in sizes.items()))

    with app.app_context():
        clock = DatabaseClock(db.engine, event)

    def signed_in(username: str):
        client = app.test_client()
        answer = client.post("/masuk", data={"username": username, "password": DEMO_PASSWORD})
        assert answer.status_code == 302, answer.status_code
        return client

    moderator, admin, member, visitor = (signed_in("moderator"), signed_in("admin"), signed_in(member_name),
                                         app.test_client())
    cursor = member.get("/api/v1/items?since=").json["cursor"]
    pages = [
        ("queue page with counts, busiest kabupaten", moderator, "GET", "/moderasi"),
        ("queue page with counts, province admin", admin, "GET", "/moderasi"),
        ("claim next, busiest kabupaten", moderator, "POST", "/moderasi/ambil"),
        ("dashboard, one kabupaten", moderator, "GET", "/moderasi/dasbor"),
        ("dashboard, province admin", admin, "GET", "/moderasi/dasbor"),
        ("dashboard, province admin, busiest kabupaten chosen", admin, "GET", f"/moderasi/dasbor?kabupaten={BUSIEST}"),
        ("member's delta pull, nothing new", member, "GET", f"/api/v1/items?since={cursor}"),
        ("member's first pull", member, "GET", "/api/v1/items?since="),
        ("public home", visitor, "GET", "/"),
        ("kabupaten page", visitor, "GET", f"/kabupaten/{BUSIEST}"),
        ("desa page", visitor, "GET", f"/desa/{busy_desa}"),
        ("Atom feed", visitor, "GET", "/feed.atom"),
        ("kabupaten Atom feed", visitor, "GET", f"/kabupaten/{BUSIEST}/feed.atom"),
    ]
    if args.only:
        pages = [page for page in pages if any(words in page[0] for words in args.only)]
    results = {}
    for name, client, method, path in pages:
        database_ms, wall_ms, slowest = [], [], (0.0, None, None)
        for _ in range(RUNS):
            clock.reset()
            started = time.perf_counter()
            answer = client.open(path, method=method)
            wall_ms.append((time.perf_counter() - started) * 1000)
            assert answer.status_code in (200, 302), (name, answer.status_code)
            database_ms.append(clock.total * 1000)
            slowest = max(slowest, clock.slowest, key=lambda s: s[0])
        result = {"db_p50_ms": round(percentile(database_ms, 50), 2),
                  "db_p99_ms": round(percentile(database_ms, 99), 2),
                  "wall_p50_ms": round(percentile(wall_ms, 50), 1), "statements": clock.statements}
        results[name] = result
        print(f"{name:<44} database p50 {result['db_p50_ms']:>7} ms  p99 {result['db_p99_ms']:>7} ms"
              f"   ({result['statements']} statements; whole request p50 {result['wall_p50_ms']} ms)", flush=True)
        # Only a query can be explained (the claim's slowest statement may be its SET LOCAL).
        if args.explain and slowest[1] and slowest[1].lstrip().upper().startswith(("SELECT", "WITH")):
            with app.app_context():
                connection = db.engine.raw_connection()
                try:
                    cur = connection.cursor()
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1], slowest[2])
                    print("\n".join("    " + row[0] for row in cur.fetchall()))
                finally:
                    connection.close()
    worst = max(result["db_p99_ms"] for result in results.values())
    print(json.dumps({"metric": "national_db_p99_worst_ms", "value": worst, "unit": "ms", "scale": SCALE,
                      "data_set": sizes, "pages": results}))


if __name__ == "__main__":
    main()
