"""Load on the app as production runs it: gunicorn with several workers, on SQLite (default) or PostgreSQL
(DATABASE_URL=postgresql://…), measured from concurrent clients on this machine over loopback.

Six phases, each for --seconds: health checks (GET /healthz, the lightest request that reaches the database: the
yardstick), delta pulls with nothing new (each client a member of its own with a few items, written an hour before
the run so that the pull's safety window does not bring them back, pulling with the cursor of its previous pull),
public page views (GET /), batch sync (POST /api/v1/items/batch with 50 new items and the cursor of the previous
answer, as a phone sends its outbox; counted in items/s), sync creates (POST /api/v1/items, a new UUID each; after the
batches, whose answers would otherwise carry the creates back within the safety window), photo chunks (64 KiB PUTs
of a declared photo). Each
prints requests/s, p50 and p99, and its ratio to the yardstick measured in the same run (for the batch: items/s ÷
health checks/s), so that the figures mean the same on any machine. Targets (issue 13): creates ≥ 0.5×, batch ≥ 5×,
public views ≥ 0.9×, empty delta pulls ≥ 0.8×. The final JSON line carries creates/s as `value`, every phase and
`ratios`.

    .venv/bin/python benchmarks/load.py [--seconds 10] [--workers 4] [--clients 16]

LOAD_ENV='{"GUNICORN_CMD_ARGS": "--threads 4"}' passes extra environment to gunicorn, to try other settings. The
clients run in this process on the same machine, so they take some of its CPU from the server.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Not this folder: benchmarks/queue.py would shadow the standard library's `queue` (used by thread pools).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

from tests.chaos.server import Gunicorn  # noqa: E402 — the same gunicorn harness the chaos tests use

CHUNK = 64 * 1024


ITEMS_PER_MEMBER = 5


def prepare_database(instance: Path, members: int) -> str:
    """A migrated database with the demo data and one member per client (each with a few items), in this run's own
    instance folder (or DATABASE_URL's)."""
    os.environ["KIM_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade
    from sqlalchemy import update

    from kim_app import create_app
    from kim_app.accounts.services import create_user, find_user
    from kim_app.demo import seed_demo
    from kim_app.extensions import db
    from kim_app.items.models import Item
    from kim_app.sync.services import receive_item
    from kim_app.timeutil import utcnow

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'kim.sqlite3'}"
    app = create_app({"KIM_ENV": "development", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        seed_demo(with_news=True)
        db.session.commit()
        kim_id = find_user("anggota").kim_id
        for n in range(members):
            member = create_user(f"beban{n:02d}", "demo12345", "anggota", f"Anggota Beban {n}", kim_id=kim_id)
            db.session.commit()
            for _ in range(ITEMS_PER_MEMBER):
                item, _ = receive_item(member, {"uuid": uuid.uuid4(), "kind": "berita", "author_id": member.id,
                                                "captured_at": utcnow(), "kategori": "sosial", "judul": "Berita awal",
                                                "isi": "Berita yang sudah ada di server."})
        # Written an hour ago: a delta pull then finds nothing new, as a phone's pull mostly does.
        an_hour_ago = utcnow() - timedelta(hours=1)
        db.session.execute(update(Item).values(received_at=an_hour_ago, updated_at=an_hour_ago))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


class Client:
    """One phone: its own keep-alive connection and session, signed in as the demo member."""

    def __init__(self, port: int, username: str):
        self.port = port
        self.username = username
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        # As a phone asks: compressed. Bodies are read whole but not decompressed, except where we parse them.
        all_headers = {"Cookie": self.cookie, "Accept-Encoding": "gzip", **(headers or {})}
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed a connection that sat idle past its keep-alive time (a client that took part in
            # another phase meanwhile): sent again on a new one, as a browser does. Nothing was answered.
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
        data = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data, response

    def sign_in(self) -> Client:
        _, page, _ = self.request("GET", "/masuk", headers={"Accept-Encoding": "identity"})
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
        form = f"username={self.username}&password=demo12345&csrf_token={token}".encode()
        status, _, _ = self.request("POST", "/masuk", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, status
        status, me, _ = self.request("GET", "/api/v1/me", headers={"Accept-Encoding": "identity"})
        me = json.loads(me)
        self.csrf, self.member_id = me["csrf_token"], me["id"]
        self.cursor = None
        return self

    def batch(self, count: int) -> int:
        bodies = [{
            "uuid": str(uuid.uuid4()), "kind": "berita", "author_id": self.member_id,
            "captured_at": "2026-11-28T02:00:00.000Z", "kategori": "sosial",
            "judul": f"Uji beban {n}", "isi": "Berita uji beban dari HP anggota, dikirim bersama.",
        } for n in range(count)]
        status, data, _ = self.request("POST", "/api/v1/items/batch",
                                       json.dumps({"items": bodies, "since": self.cursor}).encode(),
                                       {"Content-Type": "application/json", "X-CSRFToken": self.csrf})
        assert status == 200, (status, data[:200])
        answer = json.loads(data)
        assert [r["status"] for r in answer["results"]] == [201] * count, data[:200]
        self.cursor = answer["cursor"]
        return count

    def create(self, photos: list[dict] | None = None) -> str:
        body = {
            "uuid": str(uuid.uuid4()), "kind": "berita", "author_id": self.member_id,
            "captured_at": "2026-11-28T02:00:00.000Z", "kategori": "sosial",
            "judul": "Uji beban", "isi": "Berita uji beban dari HP anggota.",
        }
        if photos:
            body = {**body, "kind": "foto", "keterangan": "Uji beban foto", "photos": photos}
            del body["judul"], body["isi"]
        status, data, _ = self.request("POST", "/api/v1/items", json.dumps(body).encode(),
                                       {"Content-Type": "application/json", "X-CSRFToken": self.csrf})
        assert status == 201, (status, data[:200])
        return body["uuid"]


# A full batch, as a phone with a day's outbox sends it.
BATCH_ITEMS = 50


def run_phase(name: str, clients: list[Client], seconds: float, action, yardstick: dict | None = None,
              unit: str = "requests") -> dict:
    """`action` returns how many units it did (items, for a batch) or None for one request."""
    latencies: list[float] = []
    units = [0]
    errors = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def work(client: Client, state: dict):
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                done = action(client, state)
                with lock:
                    units[0] += 1 if done is None else done
            except Exception as error:  # noqa: BLE001 — counted and shown, the run goes on
                errors.append(repr(error)[:200])
                client.connection.close()
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(client, {})) for client in clients]
    begun = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - begun
    latencies.sort()
    result = {
        "requests": len(latencies),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2) if latencies else None,
        "errors": len(errors),
    }
    if unit != "requests":
        result[f"{unit}_per_s"] = round(units[0] / elapsed, 1)
    measured = result.get(f"{unit}_per_s", result["per_s"])
    if yardstick:
        result["ratio"] = round(measured / yardstick["per_s"], 2)
    ratio = f"  {result['ratio']}× the yardstick" + (f" ({unit}/s)" if unit != "requests" else "") if yardstick else ""
    print(f"{name:<14} {result['per_s']:>8} req/s  p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms"
          f"  ({result['requests']} requests, {result['errors']} errors)"
          + (f"  {measured} {unit}/s" if unit != "requests" else "") + ratio)
    if errors:
        print("  first error:", errors[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kim-load-") as folder:
        instance = Path(folder)
        url = prepare_database(instance, args.clients)
        database = "postgresql" if url.startswith("postgres") else "sqlite"
        server = Gunicorn(url, str(instance), instance / "gunicorn.log", workers=args.workers)
        server.env["KIM_ENV"] = "development"
        server.env.update(json.loads(os.environ.get("LOAD_ENV", "{}")))
        server.start()
        try:
            clients = [Client(server.port, f"beban{n:02d}").sign_in() for n in range(args.clients)]
            print(f"{database}, gunicorn {args.workers} workers, {args.clients} clients, {args.seconds:g} s a phase")
            results = {}

            def pull(client, state):
                status, data, _ = client.request("GET", "/api/v1/items?since=" + state.setdefault("cursor", ""))
                assert status == 200, status
                answer = json.loads(data)
                assert not state["cursor"] or answer["items"] == [], "a pull with something new"
                state["cursor"] = answer["cursor"]

            def health(client, state):
                status, _, _ = client.request("GET", "/healthz")
                assert status == 200, status

            # A yardstick for the machine, not a target: the lightest request that reaches the database.
            results["health_checks"] = yardstick = run_phase("health checks", clients, args.seconds, health)
            results["pulls"] = run_phase("empty pulls", clients, args.seconds, pull, yardstick)

            def view(client, state):
                # The public reads the portal without signing in: a reader of its own, with no session cookie.
                reader = state.setdefault("reader", Client(server.port, ""))
                status, _, _ = reader.request("GET", "/")
                assert status == 200, status

            results["public_views"] = run_phase("public views", clients, args.seconds, view, yardstick)
            results["batches"] = run_phase("batch sync", clients, args.seconds, lambda c, s: c.batch(BATCH_ITEMS),
                                           yardstick, unit="items")
            results["creates"] = run_phase("sync creates", clients, args.seconds, lambda c, s: c.create() and None,
                                           yardstick)

            payload = os.urandom(CHUNK)

            def chunk(client, state):
                if "photo" not in state or state["offset"] + CHUNK >= state["size"]:
                    # A photo declared large enough never to complete (its last chunk is never sent, so its
                    # made-up hash is never checked): every PUT is a plain durable chunk.
                    size = 8 * 1024 * 1024
                    state.update(photo=str(uuid.uuid4()), offset=0, size=size)
                    client.create([{"id": state["photo"], "sha256": hashlib.sha256(b"x").hexdigest(),
                                    "size": size, "mime": "image/jpeg"}])
                status, data, _ = client.request(
                    "PUT", f"/api/v1/photos/{state['photo']}/content", payload,
                    {"Content-Type": "application/octet-stream", "Upload-Offset": str(state["offset"]),
                     "X-CSRFToken": client.csrf},
                )
                assert status == 200, (status, data[:200])
                state["offset"] += CHUNK

            results["photo_chunks"] = run_phase("photo chunks", clients, args.seconds, chunk, yardstick)
            problems = server.errors_in_log()
            if problems:
                print("server errors in the log:", problems[:3])
        finally:
            server.stop()
    creates = results["creates"]
    ratios = {name: result["ratio"] for name, result in results.items() if "ratio" in result}
    print(json.dumps({"metric": "load_sync_creates_per_s", "value": creates["per_s"], "unit": "req/s",
                      "database": database, "workers": args.workers, "clients": args.clients, "ratios": ratios,
                      **results}))


if __name__ == "__main__":
    main()
