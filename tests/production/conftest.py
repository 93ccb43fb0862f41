"""The production profile on more than one machine, as far as one machine can show it: app servers that share
nothing but PostgreSQL, Redis and an S3 endpoint (moto's server), each under gunicorn with KIM_ENV=production and a
folder of its own, reached by a phone that speaks plain HTTP to whichever one the load balancer picks.

These tests run only where those services are: PostgreSQL as the suite's database (TEST_DATABASE_URL) and Redis at
TEST_REDIS_URL (default redis://127.0.0.1:6379/0); otherwise they are skipped with the reason. `.ci/run` sets
KIM_PRODUCTION_TESTS=required on its PostgreSQL pass, where a missing service is a failure instead.
Every test takes a fresh bucket and its own prefix for the rate limit keys in Redis, so runs never meet, and nothing
is flushed.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess  # nosec B404 — our own redis-server, with arguments we write
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy.engine import make_url

from kim_app.notifications import vapid
from tests.chaos.server import Gunicorn, free_port

PASSWORD = "demo12345"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unavailable(app) -> str | None:
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        return "the production profile needs PostgreSQL as the suite's database (TEST_DATABASE_URL)"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"the production profile needs Redis at {REDIS_URL} (TEST_REDIS_URL): {error}"
    return None


@pytest.fixture
def production_services(app):
    reason = _unavailable(app)
    if reason:
        if os.environ.get("KIM_PRODUCTION_TESTS") == "required":
            pytest.fail(reason + " — required here (KIM_PRODUCTION_TESTS=required)")
        pytest.skip(reason)


class Cluster:
    """The environment every server of one deployment shares, and the servers started with it.

    A job worker joins this profile later: it is started from `environment` like the app servers, with its own pid
    kept in `processes`, so that it is stopped with them."""

    def __init__(self, app, tmp_path: Path, s3_server):
        self.tmp_path = tmp_path
        self.database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        self.bucket = s3_server.new_bucket()
        # Every deployment signs its pushes with one VAPID pair that all its servers share (docs/deploy.md).
        vapid_private = vapid.generate_private_key()
        self.environment = {
            "KIM_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": f"kim-test-{uuid.uuid4().hex[:12]}",
            "TRUSTED_PROXIES": "0",
            # The phones of these tests reach each server at its own address, as a load balancer's health check would.
            "PUBLIC_URL": "https://kim.example",
            "TRUSTED_HOSTS": "kim.example, 127.0.0.1",
            "VAPID_PRIVATE_KEY": vapid_private,
            "VAPID_PUBLIC_KEY": vapid.public_key_for(vapid_private),
            "VAPID_SUBJECT": "mailto:kominfo@belukab.go.id",
            **s3_server.settings(self.bucket),
        }
        self.processes: list[Gunicorn] = []

    def start(self, name: str, workers: int = 2, **overrides) -> Gunicorn:
        """An app server of its own — own folder, own port — on the shared services."""
        instance = self.tmp_path / name
        instance.mkdir(exist_ok=True)
        server = Gunicorn(self.database_url, str(instance), self.tmp_path / f"{name}.log", workers=workers,
                          env={**self.environment, **overrides})
        self.processes.append(server)
        return server.start()

    def stop(self) -> None:
        for process in self.processes:
            process.stop()

    def local_media(self) -> list[Path]:
        """Files any server keeps in its own folder: with media in the bucket there must be none."""
        return [p for p in self.tmp_path.glob("*/media/**/*") if p.is_file()]


@pytest.fixture
def cluster(request, production_services, app, people, s3_server, tmp_path):
    group = Cluster(app, tmp_path, s3_server)
    yield group
    group.stop()
    if getattr(request.node, "rep_call_failed", False):
        for process in group.processes:
            print(f"--- end of {process.log_path.name}\n{process.log_tail(40)}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call_failed = report.failed
    return report


class Phone:
    """A member's phone (or a moderator's browser) over plain HTTP, speaking to whichever server it is pointed at.

    One cookie jar for all servers, as behind one load balancer's address. The production cookie is marked Secure;
    behind the TLS-terminating proxy the app servers speak plain HTTP, so the jar is told to send it anyway."""

    def __init__(self):
        self.http = requests.Session()
        self.csrf: str | None = None

    def _call(self, server: Gunicorn, method: str, path: str, **kwargs) -> requests.Response:
        response = self.http.request(method, f"http://127.0.0.1:{server.port}{path}", allow_redirects=False,
                                     timeout=30, **kwargs)
        for cookie in self.http.cookies:
            cookie.secure = False
        return response

    def get(self, server: Gunicorn, path: str, **kwargs) -> requests.Response:
        return self._call(server, "GET", path, **kwargs)

    def try_login(self, server: Gunicorn, username: str, password: str = PASSWORD) -> requests.Response:
        page = self.get(server, "/masuk").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self._call(server, "POST", "/masuk",
                          data={"username": username, "password": password, "csrf_token": token})

    def login(self, server: Gunicorn, username: str) -> Phone:
        assert self.try_login(server, username).status_code == 302
        self.csrf = self.get(server, "/api/v1/me").json()["csrf_token"]
        return self

    def send(self, server: Gunicorn, body: dict) -> requests.Response:
        return self._call(server, "POST", "/api/v1/items", json=body, headers={"X-CSRFToken": self.csrf})

    def put_chunk(self, server: Gunicorn, photo_id: str, offset: int, data: bytes) -> requests.Response:
        return self._call(server, "PUT", f"/api/v1/photos/{photo_id}/content", data=data, headers={
            "X-CSRFToken": self.csrf, "Upload-Offset": str(offset), "Content-Type": "application/octet-stream"})

    def upload_from(self, server: Gunicorn, photo_id: str, data: bytes, chunk: int = 64 * 1024) -> dict:
        """Resume a photo's upload where the server says it stands, to the end."""
        state = self.get(server, f"/api/v1/photos/{photo_id}").json()
        while state["state"] == "menunggu":
            offset = state["received"]
            answer = self.put_chunk(server, photo_id, offset, data[offset:offset + chunk])
            assert answer.status_code == 200, answer.text
            state = answer.json()
        return state

    def decide(self, server: Gunicorn, item_id: int, action: str) -> requests.Response:
        page = self.get(server, f"/moderasi/item/{item_id}").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        return self._call(server, "POST", f"/moderasi/item/{item_id}",
                          data={"action": action, "note": "", "csrf_token": token, "version": version})

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def start_and_leave(self, server: Gunicorn, method: str, path: str, body: bytes, sent: int,
                        headers: dict) -> socket.socket:
        """Begin a request and send only the first `sent` bytes of its body: the server is left inside it."""
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", f"Content-Length: {len(body)}",
                f"Cookie: {self.cookie_header()}", f"X-CSRFToken: {self.csrf}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[:sent])
        return connection


@pytest.fixture
def phone() -> Phone:
    return Phone()


class RedisServer:
    """A Redis of the test's own, on a free port, so that it can be stopped (by its pid) under a running app."""

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # nosec B603 B607
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log_path.read_text()}")
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path, production_services):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server (Debian's redis-server) is needed to stop a Redis under a running app")
    server = RedisServer(tmp_path / "redis.log").start()
    yield server
    server.stop()
