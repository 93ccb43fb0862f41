"""Portal search at national scale on PostgreSQL: 2,000,000 items with Indonesian-like text over every desa of the
national codes, then /cari asked as visitors ask it, timed by the database time each request costs.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kim_search .venv/bin/python benchmarks/search.py

Filled the way benchmarks/national.py fills (its region data, groups, members and SQL over generate_series; the
same `--reuse` and NATIONAL_SCALE), but every item gets text: a title of 4–9 words and a body of 40–70 drawn from a
vocabulary of village news with a skewed frequency (the first words are in most items, the last in few), and one item
in 5,000 names a rare place. Three quarters are berita, a tenth photo stories, the rest complaints; about seven in ten
are published. The queries: a common word, a rare word, two words, a stemmed form, a common word in the busiest
kabupaten, a page deep in a common word; and the desk's word filter (which stays a substring match over the
moderator's pending items, docs/architecture.md) for comparison. `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of
the main statement of each query. The JSON line's value is the worst p99 of database time over the search queries.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

_spec = importlib.util.spec_from_file_location("kim_national_benchmark", HERE / "national.py")
national = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(national)

SCALE, ITEMS, MEMBERS, GROUPS, BUSIEST = national.SCALE, national.ITEMS, national.MEMBERS, national.GROUPS, \
    national.BUSIEST
RUNS = national.RUNS

# Words of village news, most frequent first (the fill draws index = n·u³ for a uniform u).
_VOCABULARY = """desa warga yang dan di kegiatan kepala dengan untuk pada hari ini bersama masyarakat dalam kantor
dusun kelompok program pemerintah tahun bantuan pertemuan kabupaten kecamatan jalan air bersih sekolah anak ibu
bapak pemuda gereja posyandu kesehatan panen jagung padi kacang sapi babi kambing ayam ternak petani pertanian
bertani kebun sawah ladang hujan kemarau musim pasar harga hasil usaha koperasi tenun ikat kain budaya tarian adat
upacara pesta lomba olahraga sepak bola voli guru murid belajar buku perpustakaan listrik lampu sumur embung irigasi
pipa jembatan gotong royong kerja bakti pembangunan rumah layak huni sanitasi jamban sampah pohon hutan mangrove
pantai nelayan ikan rumput laut garam wisata tamu festival musyawarah anggaran dana laporan rapat balai pelatihan
penyuluhan vaksin imunisasi balita gizi stunting bidan dokter puskesmas obat demam malaria bencana banjir longsor
angin kebakaran bantuan sosial beras sembako lansia disabilitas perempuan keluarga nikah akta kelahiran ktp
administrasi internet sinyal ponsel informasi berita kim media foto video siaran radio"""
VOCABULARY = _VOCABULARY.split()
_RARE_PLACES = """Oenino Fatumnasi Nunkolo Kuanfatu Boking Mollo Amanatun Noemuti Bikomi Insana Biboki Lamaknen Raihat
Tasifeto Kakuluk Wewiku Malaka Weliman Laenmanen Rinhat Sasitamean Botin Io Kobalima Lasiolat Nanaet Raimanuk
Lamaknen Mandeu Atambua Haliwen Tulamalae Dualaus Lakafehan Fatuketi Umanen Manumutin Tenukiik Sesekoe"""
RARE_PLACES = _RARE_PLACES.split()
RARE_EVERY = 5_000


def fill(db, text, password_hash: str) -> None:
    """Groups, members and their places as national.py makes them, then the items with their text, one statement."""
    words = "ARRAY[" + ", ".join(f"'{w}'" for w in VOCABULARY) + "]"
    places = "ARRAY[" + ", ".join(f"'{w}'" for w in RARE_PLACES) + "]"

    def draw(length: str, salt: int) -> str:
        # A deterministic draw per (item, position): the same data set on every run, so --reuse compares like with
        # like. u³ skews toward the first words, as real text favours a few.
        # hashint8 mixes (item, position, salt) so that words are drawn independently: a linear formula made two
        # common words meet ten times less often than chance.
        return (f"(SELECT string_agg(({words})[1 + floor({len(VOCABULARY)} * power((hashint8(s.g::bigint * 1024 + k "
                f"+ {salt} * 1000000000000) & 2147483647) / 2147483648.0, 3))::int], ' ') "
                f"FROM generate_series(1, {length}) k)")

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
        ("items with text", f"""
            INSERT INTO submission (client_uuid, kind, author_id, kim_id, desa_kode, kabupaten_kode, kategori, judul,
                isi, keterangan, uraian, lokasi, captured_at, received_at, updated_at, published_at, status,
                revision, version, content_hash, tracking_code, aduan_status)
            SELECT md5('item' || s.g)::uuid, s.kind, m.id, m.kim_id, m.desa_kode, m.kabupaten_kode,
                CASE WHEN s.kind = 'aduan' THEN 'air'
                     ELSE (ARRAY['pemerintahan', 'ekonomi', 'pertanian', 'kesehatan', 'pendidikan', 'budaya',
                                 'lingkungan', 'sosial', 'olahraga', 'lainnya'])[1 + s.g % 10] END,
                CASE WHEN s.kind = 'berita' THEN initcap({draw('4 + s.g % 6', 1)}) END,
                CASE WHEN s.kind = 'berita' THEN {draw('40 + s.g % 31', 2)} || '.'
                    || CASE WHEN s.g % {RARE_EVERY} = 8
                            THEN ' Di ' || ({places})[1 + (s.g / {RARE_EVERY}) % {len(RARE_PLACES)}] || '.' ELSE '' END
                END,
                CASE WHEN s.kind = 'foto' THEN initcap({draw('12 + s.g % 20', 3)}) END,
                CASE WHEN s.kind = 'aduan' THEN {draw('20 + s.g % 20', 4)} END,
                CASE WHEN s.kind = 'aduan' THEN 'Dusun ' || s.g % 5 END,
                s.received, s.received, s.received + interval '1 day',
                CASE WHEN s.kind <> 'aduan' AND s.status = 'disetujui' THEN s.received + interval '1 day' END,
                s.status, 1, CASE WHEN s.status = 'menunggu' THEN 1 ELSE 2 END, md5('h' || s.g) || md5('i' || s.g),
                CASE WHEN s.kind = 'aduan' THEN 'N' || lpad(upper(to_hex(s.g)), 7, '0') END,
                CASE WHEN s.kind <> 'aduan' THEN NULL WHEN s.status = 'disetujui' THEN 'diverifikasi'
                     WHEN s.status = 'ditolak' THEN 'ditolak' ELSE 'diterima' END
            FROM (
                SELECT g, CASE WHEN g % 20 IN (0, 5, 10) THEN 'aduan' WHEN g % 10 = 3 THEN 'foto'
                               ELSE 'berita' END AS kind,
                    CASE WHEN g % 10 = 1 THEN 'menunggu' WHEN g % 20 IN (2, 4) THEN 'ditolak'
                         WHEN g % 50 = 7 THEN 'perlu_revisi' ELSE 'disetujui' END AS status,
                    now() - make_interval(secs => (g::bigint * 7919) % (:days * 86400)) AS received
                FROM generate_series(1, :items) g
            ) s JOIN m ON m.n = 1 + (s.g::bigint * 104729) % :members
            -- in the order items arrive, as the app stores them: the table is in time order, as it is in service
            ORDER BY s.received"""),
        ("statistics", "ANALYZE"),
    ]
    values = {"busiest": f"{BUSIEST}.%", "groups": GROUPS, "members": MEMBERS, "items": ITEMS,
              "days": national.DAYS, "hash": password_hash}
    for name, statement in steps:
        started = time.perf_counter()
        with db.engine.begin() as connection:
            connection.execute(text(statement), values)
        print(f"  {name}: {time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep the data set if it is already there")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the main statement of each query")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (it is emptied and filled)")
    instance = tempfile.mkdtemp(prefix="kim-search-")
    os.environ["KIM_INSTANCE_PATH"] = instance

    from sqlalchemy import event, func, select, text

    from kim_app import create_app
    from kim_app.demo import DEMO_PASSWORD
    from kim_app.extensions import db
    from kim_app.items.models import Item

    app = create_app({"KIM_ENV": "development", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "MEDIA_ROOT": str(Path(instance) / "media")})
    with app.app_context():
        national.prepare(db, args.reuse, fill, f"{ITEMS:,} items with text, {MEMBERS:,} members")
        published = db.session.scalar(select(func.count(Item.id)).where(Item.published_at.is_not(None)))
        common, rare = VOCABULARY[0], RARE_PLACES[3]
        counts = {word: db.session.scalar(text(
            "SELECT count(*) FROM submission WHERE published_at IS NOT NULL AND status = 'disetujui' "
            "AND search_vector @@ websearch_to_tsquery('indonesian', :q)"), {"q": word}) for word in
            (common, rare, "panen jagung", "pertanian")}
        sizes = {"items": db.session.scalar(select(func.count(Item.id))), "published": published,
                 "database_mb": round(db.session.scalar(text("SELECT pg_database_size(current_database())")) / 2**20),
                 "search_index_mb": round(db.session.scalar(text(
                     "SELECT pg_relation_size('ix_submission_search')")) / 2**20),
                 "matches": counts}
        db.session.remove()
    print("Data set:", json.dumps(sizes))

    with app.app_context():
        clock = national.DatabaseClock(db.engine, event)
    visitor = app.test_client()
    moderator = app.test_client()
    assert moderator.post("/masuk", data={"username": "moderator", "password": DEMO_PASSWORD}).status_code == 302
    queries = [
        (f"common word ({common})", visitor, f"/cari?q={common}"),
        (f"rare word ({rare})", visitor, f"/cari?q={rare}"),
        ("two words (panen jagung)", visitor, "/cari?q=panen+jagung"),
        ("stemmed (pertanian)", visitor, "/cari?q=pertanian"),
        ("phrase (\"gotong royong\")", visitor, "/cari?q=%22gotong+royong%22"),
        (f"common word, kabupaten {BUSIEST}", visitor, f"/cari?q={common}&kabupaten={BUSIEST}"),
        (f"rare word, kabupaten {BUSIEST}, kategori", visitor, f"/cari?q={rare}&kabupaten={BUSIEST}&kategori=sosial"),
        ("common word, page 10", visitor, f"/cari?q={common}&halaman=10"),
    ]
    desk = [("desk queue word filter (jagung), busiest kabupaten", moderator, "/moderasi?q=jagung")]
    results = {}
    for name, client, path in queries + desk:
        database_ms, wall_ms, slowest = [], [], (0.0, None, None)
        for _ in range(RUNS):
            clock.reset()
            started = time.perf_counter()
            answer = client.get(path)
            wall_ms.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (name, answer.status_code)
            database_ms.append(clock.total * 1000)
            slowest = max(slowest, clock.slowest, key=lambda s: s[0])
        result = {"db_p50_ms": round(national.percentile(database_ms, 50), 2),
                  "db_p99_ms": round(national.percentile(database_ms, 99), 2),
                  "wall_p50_ms": round(national.percentile(wall_ms, 50), 1), "statements": clock.statements}
        results[name] = result
        print(f"{name:<48} database p50 {result['db_p50_ms']:>7} ms  p99 {result['db_p99_ms']:>7} ms"
              f"   ({result['statements']} statements; whole request p50 {result['wall_p50_ms']} ms)", flush=True)
        # (A SET can be the slowest statement of a fast request on a busy machine; only queries have a plan.)
        if args.explain and slowest[1] and slowest[1].lstrip().upper().startswith("SELECT"):
            with app.app_context():
                connection = db.engine.raw_connection()
                try:
                    cur = connection.cursor()
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1], slowest[2])
                    print("\n".join("    " + row[0] for row in cur.fetchall()))
                finally:
                    connection.close()
    worst = max(results[name]["db_p99_ms"] for name, _, _ in queries)
    print(json.dumps({"metric": "search_db_p99_ms", "value": worst, "unit": "ms", "scale": SCALE,
                      "data_set": sizes, "queries": results}))


if __name__ == "__main__":
    main()
