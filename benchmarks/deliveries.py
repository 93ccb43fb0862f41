"""Push deliveries through the job queue, against the same pushes sent directly.

A fresh instance (SQLite in a temporary folder, or the PostgreSQL database in DATABASE_URL — its tables are dropped
and recreated) with one account subscribed on DEVICES browsers at a push service on 127.0.0.1 that answers 201.

- Yardstick: the same pushes sent one after another by `senders.send_push` — encryption, VAPID signature, HTTP —
  with no database and no queue.
- Measured: one `push_to_account` per device batch, committed (which enqueues), sent by a real `flask kim worker`
  process (already started) until every delivery is marked sent: claim, send, mark, each a transaction.
- Also: what queueing costs the request that causes it — `push_to_account` for one device plus its COMMIT (with the
  enqueue after it), against the same transaction without the push.

Prints human lines, then one JSON line: {"metric": "push_queue_throughput_ratio", "value": queued/direct, "unit":
"ratio", "queued_per_s": …, "direct_per_s": …, "enqueue_commit_p50_ms": …, "plain_commit_p50_ms": …}.
"""
from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/queue.py would shadow the standard library's `queue` for what this script imports.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

DEVICES = int(os.environ.get("DELIVERY_DEVICES", "300"))
THREADS = int(os.environ.get("DELIVERY_THREADS", "4"))
COMMITS = int(os.environ.get("DELIVERY_COMMITS", "200"))


class Accept(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def browser_keys() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from kim_app.notifications.vapid import b64url

    public = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(public), b64url(os.urandom(16))


def main() -> None:
    instance = tempfile.mkdtemp(prefix="kim-bench-deliveries-")
    os.environ["KIM_INSTANCE_PATH"] = instance
    os.environ.pop("REDIS_URL", None)
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text, update

    from kim_app import create_app
    from kim_app.accounts.models import User
    from kim_app.accounts.services import find_user
    from kim_app.demo import seed_demo
    from kim_app.extensions import db
    from kim_app.notifications import messages, senders, services
    from kim_app.notifications.models import Delivery, PushSubscription

    overrides = {"KIM_ENV": "development", "PUSH_ALLOW_LOCAL_ENDPOINTS": True}
    if os.environ.get("DATABASE_URL"):
        print("Database: PostgreSQL from DATABASE_URL (tables dropped and recreated)")
    app = create_app(overrides)
    service = ThreadingHTTPServer(("127.0.0.1", 0), Accept)
    threading.Thread(target=service.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{service.server_port}/push/"

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        seed_demo(with_news=False)
        member = find_user("anggota").id
        keys = [browser_keys() for _ in range(DEVICES)]
        db.session.add_all(PushSubscription(account_id=member, endpoint=f"{endpoint}{n}", p256dh=p256dh, auth=auth)
                           for n, (p256dh, auth) in enumerate(keys))
        db.session.commit()

        message = messages.verdict("0b7e2c1a-0000-4000-8000-000000000000", "Berita", "disetujui")
        payload = {name: message[name] for name in ("title", "body", "url", "tag")}
        kind = senders.PUSH_KINDS[message["kind"]]
        started = time.perf_counter()
        for n, (p256dh, auth) in enumerate(keys):
            senders.send_push(app.config, f"{endpoint}{n}", p256dh, auth, payload, kind)
        direct_per_s = DEVICES / (time.perf_counter() - started)
        print(f"Direct: {DEVICES} pushes one after another, {direct_per_s:.0f}/s")

    environment = {**os.environ, "KIM_ENV": "development", "FLASK_APP": "kim_app", "PYTHONUNBUFFERED": "1"}
    log = Path(instance) / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603 — our own command
            [sys.executable, "-m", "flask", "kim", "worker", "--threads", str(THREADS)],
            env=environment, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        while "Pengirim pesan berjalan" not in log.read_text():
            assert worker.poll() is None, log.read_text()
            time.sleep(0.05)
        with app.app_context():
            started = time.perf_counter()
            services.push_to_account(member, **message)
            db.session.commit()
            while db.session.scalar(select(func.count()).where(Delivery.state == "sent")) < DEVICES:
                db.session.rollback()
                time.sleep(0.02)
            queued_per_s = DEVICES / (time.perf_counter() - started)
            db.session.rollback()
        print(f"Queued: {DEVICES} deliveries sent by a worker with {THREADS} threads, {queued_per_s:.0f}/s")
    finally:
        worker.terminate()
        worker.wait(30)

    with app.app_context():
        # One device, so each transaction writes one delivery; the worker is stopped, the queue only fills.
        db.session.execute(PushSubscription.__table__.delete().where(PushSubscription.endpoint != f"{endpoint}0"))
        db.session.commit()
        plain, queued = [], []
        for n in range(COMMITS):
            started = time.perf_counter()
            db.session.execute(update(User).where(User.id == member).values(nama=f"Yohanes {n}"))
            db.session.commit()
            plain.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            db.session.execute(update(User).where(User.id == member).values(nama=f"Yohanes {n}."))
            services.push_to_account(member, **message)
            db.session.commit()
            queued.append((time.perf_counter() - started) * 1000)
        app.extensions["kim_queue"].flush()
        db.engine.dispose()
    plain_ms, queued_ms = statistics.median(plain), statistics.median(queued)
    print(f"A transaction: {plain_ms:.2f} ms; with a push queued in it: {queued_ms:.2f} ms (medians of {COMMITS})")
    service.shutdown()
    print(json.dumps({
        "metric": "push_queue_throughput_ratio", "value": round(queued_per_s / direct_per_s, 3), "unit": "ratio",
        "queued_per_s": round(queued_per_s, 1), "direct_per_s": round(direct_per_s, 1),
        "enqueue_commit_p50_ms": round(queued_ms, 2), "plain_commit_p50_ms": round(plain_ms, 2),
    }))


if __name__ == "__main__":
    main()
