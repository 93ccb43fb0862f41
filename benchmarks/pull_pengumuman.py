"""The member's delta pull with the Dinas' pengumuman in it: 200 active pengumuman in the member's scope against
none, in the same run, on SQLite (default) or PostgreSQL (DATABASE_URL=postgresql://…; the database is emptied).

    .venv/bin/python benchmarks/pull_pengumuman.py

Three pulls, each timed RUNS times through the app (Flask's test client, signed in as the demo member, whose items
number 30): the pull with nothing new since the cursor, and the first pull (no cursor) — first with no pengumuman,
then after 200 active pengumuman targeted at the member (at the province, the kabupaten, the kecamatan, the desa and
the KIM group, 40 each) and 200 for other places. Target (issue 11): the pull with 200 in scope within 2× of the pull
without. Prints the medians and one JSON line: the ratio of the delta pulls.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

RUNS = int(os.environ.get("PULL_RUNS", "60"))
IN_SCOPE = 200


def main() -> None:
    instance = tempfile.mkdtemp(prefix="kim-pull-")
    os.environ["KIM_INSTANCE_PATH"] = instance
    url = os.environ.get("DATABASE_URL", f"sqlite:///{instance}/kim.sqlite3")

    from flask_migrate import upgrade
    from sqlalchemy import text

    from kim_app import create_app
    from kim_app.accounts.services import find_user
    from kim_app.demo import DEMO_PASSWORD, seed_demo
    from kim_app.extensions import db
    from kim_app.pengumuman import services
    from kim_app.pengumuman.forms import Draft
    from kim_app.timeutil import utcnow
    from kim_app.wilayah.services import SHIPPED_DATA, import_wilayah
    from tests.helpers import berita_body

    app = create_app({"KIM_ENV": "development", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": str(Path(instance) / "media")})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        import_wilayah(SHIPPED_DATA, "53")
        seed_demo(with_news=False)
        db.session.commit()
        database = db.engine.dialect.name
        member_id = find_user("anggota").id

    member = app.test_client()
    assert member.post("/masuk", data={"username": "anggota", "password": DEMO_PASSWORD}).status_code == 302
    for n in range(30):
        assert member.post("/api/v1/items", json=berita_body(author_id=member_id, judul=f"Berita {n}")).status_code \
            == 201

    def timed(path: str) -> tuple[float, int]:
        samples, size = [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            answer = member.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.status_code
            size = len(answer.get_data())
        return statistics.median(samples), size

    def an_hour_ago() -> None:
        """What was made here a moment ago stands for what the phone already has: older than the cursor's safety
        window, so the delta pull finds nothing new and its time is that of the queries alone."""
        with app.app_context():
            for table in ("submission", "pengumuman"):
                db.session.execute(text(f"UPDATE {table} SET updated_at = :then"),
                                   {"then": utcnow() - timedelta(hours=1)})
            db.session.commit()

    def pulls() -> dict:
        an_hour_ago()
        cursor = member.get("/api/v1/items").json["cursor"]
        delta, delta_bytes = timed(f"/api/v1/items?since={quote(cursor)}")
        first, first_bytes = timed("/api/v1/items")
        return {"delta_ms": round(delta, 2), "delta_bytes": delta_bytes, "first_ms": round(first, 2),
                "first_bytes": first_bytes}

    before = pulls()
    with app.app_context():
        moderator, admin, kim_id = find_user("moderator"), find_user("admin"), find_user("anggota").kim_id
        kabuna = find_user("anggota").kim.desa_kode
        scopes = [(admin, {"provinsi": True}), (moderator, {"areas": {"kabupaten": ["53.04"]}}),
                  (moderator, {"areas": {"kecamatan": [kabuna.rsplit(".", 1)[0]]}}),
                  (moderator, {"areas": {"desa": [kabuna]}}), (moderator, {"kim_ids": [kim_id]})]
        for n in range(IN_SCOPE):
            author, target = scopes[n % len(scopes)]
            services.save(author, Draft(judul=f"Pengumuman {n}", isi="Isi pengumuman. " * 20, **target), publish=True)
            services.save(moderator, Draft(judul=f"Untuk desa lain {n}", isi="Isi.",
                                           areas={"desa": ["53.04.05.2001"]}), publish=True)
        db.session.commit()
    after = pulls()
    ratio = round(after["delta_ms"] / before["delta_ms"], 2)
    print(f"{database}: without pengumuman {before}")
    print(f"{database}: with {IN_SCOPE} in scope  {after}")
    print(f"delta pull with {IN_SCOPE} in scope: {ratio}× the pull without (target ≤ 2×); first pull "
          f"{round(after['first_ms'] / before['first_ms'], 2)}× (it carries them all, {after['first_bytes']:,} bytes)")
    print(json.dumps({"metric": "pull_with_pengumuman_ratio", "value": ratio, "unit": "x", "target": 2,
                      "database": database, "without": before, "with": after}))


if __name__ == "__main__":
    main()
