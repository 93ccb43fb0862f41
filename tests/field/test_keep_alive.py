"""`make run` serves with HTTP keep-alive: on 2G every new connection costs the phone a round trip of almost a second,
so the server it starts must keep a connection open between requests (the Makefile's SERVE; docs/deploy.md).

The command is the Makefile's own (`make -n serve`), run against the suite's database.
"""
from __future__ import annotations

import http.client
import os
import shlex
import shutil
import signal
import subprocess  # nosec B404 — our own Makefile's command
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from chaos.server import free_port

ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT_S = 30


def makefile_serve_command(port: int) -> list[str]:
    """The gunicorn command `make serve` (the server of `make run`) would run, with this interpreter's gunicorn."""
    printed = subprocess.run(["make", "-s", "-n", "serve", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    line = next(line for line in printed.splitlines() if "gunicorn" in line)
    words = shlex.split(line)
    assert words[0].endswith("gunicorn"), line
    return [sys.executable, "-m", "gunicorn", *words[1:]]


@pytest.fixture
def make_run_server(app, tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port = free_port()
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "KIM_ENV": "test", "KIM_INSTANCE_PATH": app.instance_path, "DATABASE_URL": database,
           "TEST_DATABASE_URL": database}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(makefile_serve_command(port), cwd=ROOT, env=env, stdout=out,  # nosec B603
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while True:
            assert process.poll() is None, log.read_text()
            try:
                with closing(connect(port)) as probe:
                    probe.request("GET", "/healthz")
                    if probe.getresponse().status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"not serving after {BOOT_TIMEOUT_S} s:\n{log.read_text()}"
            time.sleep(0.05)
        yield port
    finally:
        process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown: the test is over
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def test_the_server_of_make_run_keeps_a_phones_connection_open_between_requests(make_run_server):
    with closing(connect(make_run_server)) as connection:
        sockets = []
        for path in ("/healthz", "/app", "/static/css/app.css", "/api/v1/me"):
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            answer = connection.getresponse()
            answer.read()
            assert answer.status in (200, 401), (path, answer.status)
            assert not answer.will_close, f"{path}: the server closed the connection ({answer.getheader('Connection')})"
            sockets.append(connection.sock)
        assert all(sock is sockets[0] for sock in sockets), "a new connection was opened between requests"
