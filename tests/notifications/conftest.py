"""Fixtures for deliveries: our own push service and mail server on 127.0.0.1, the delivery worker as a real process
(`flask kim worker`, stopped by its own pid), and the queue on SQLite or on Redis (the production profile's)."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.notifications.models import Delivery
from kim_app.notifications.queue import DeliveryQueue
from tests.notifications.pushservice import Browser, push_service  # noqa: F401 — a fixture, for these tests

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Redis is shared on this machine: the queue's tests use their own database number in it.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")


def wait_until(condition, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def browser_keys():
    return Browser


class Mailbox:
    """An SMTP server's handler (aiosmtpd) that keeps what it accepts, and can be told to refuse or to stall."""

    def __init__(self):
        self.messages = []
        self.attempts: list[float] = []  # when each MAIL FROM arrived: one per attempt to send
        self.refuse: str | None = None  # e.g. "451 4.3.0 …": every RCPT is refused with it
        self.stall_next = False  # the next RCPT waits until `release` is set
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        self.attempts.append(time.monotonic())
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return self.refuse
        if self.stall_next:
            self.stall_next = False
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(app, monkeypatch):
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port, "SMTP_STARTTLS": False,
                "SMTP_FROM": "kim@kominfo.example"}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    handler.env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "SMTP_STARTTLS": "0",
                   "SMTP_FROM": "kim@kominfo.example"}
    yield handler
    handler.release.set()
    controller.stop()


@pytest.fixture(params=["sqlite", "redis"])
def queue_backend(request, app):
    """The queue of the embedded default (a SQLite file) or of production (Redis), empty at the start."""
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError:
            message = f"Redis not reachable at {TEST_REDIS_URL}"
            if os.environ.get("CI") == "true":
                pytest.fail(message + " — not allowed under CI=true")
            pytest.skip(message)
        url = TEST_REDIS_URL
    else:
        url = app.config["QUEUE_URL"]
    previous = app.extensions["kim_queue"]
    queue = app.extensions["kim_queue"] = DeliveryQueue(app, url)
    queue.flush()
    yield queue
    queue.flush()
    app.extensions["kim_queue"] = previous


@pytest.fixture
def queue(app):
    """The app's own queue (SQLite), emptied of what earlier tests left."""
    queue = app.extensions["kim_queue"]
    queue.flush()
    yield queue
    queue.flush()


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process, self.log = process, log

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def start_worker(app, tmp_path):
    """Start `flask kim worker` on the test's database and the given queue; each is stopped by its own pid."""
    started: list[Worker] = []

    def start(queue: DeliveryQueue, env: dict | None = None) -> Worker:
        log = tmp_path / f"worker-{len(started)}.log"
        environment = {**os.environ, "KIM_ENV": "test", "KIM_INSTANCE_PATH": app.instance_path, "FLASK_APP": "kim_app",
                       "PYTHONUNBUFFERED": "1",
                       **(env or {})}
        environment.pop("REDIS_URL", None)
        if queue.url.startswith("redis"):
            environment["REDIS_URL"] = queue.url
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 — our own command, with our own arguments
                [sys.executable, "-m", "flask", "kim", "worker", "--threads", "2"],
                env=environment, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log)
        started.append(worker)
        wait_until(lambda: "Pengirim pesan berjalan" in worker.output() or process.poll() is not None,
                   what="the worker to start")
        assert process.poll() is None, worker.output()
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()
            try:
                worker.process.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()


def delivery_row(app, delivery_id: int) -> Delivery:
    with app.app_context():
        row = db.session.scalar(select(Delivery).where(Delivery.id == delivery_id))
        db.session.expunge_all()
        db.session.remove()
        return row


@pytest.fixture
def phone(member, push_service, browser_keys):  # noqa: F811 — the fixture imported above
    """The demo member's phone, subscribed: its keys, and the endpoint our push service gave it."""
    keys = browser_keys()
    endpoint = push_service.endpoint(f"hp-{uuid.uuid4().hex[:8]}")
    assert member.post_json("/api/v1/push/subscriptions", keys.subscription(endpoint)).status_code == 201
    keys.endpoint = endpoint
    return keys
