"""Fixtures of the chaos tests: the app under gunicorn (real worker processes, killable), our fault-injecting proxy in
front of it, and phones in Chromium that reach the app only through the proxy.

The faults are drawn from one seed per test, printed at its start; CHAOS_SEED=N replays a run.
"""
from __future__ import annotations

import os
import random

import pytest

from .phone import Phone
from .proxy import FaultProxy
from .server import Gunicorn


@pytest.fixture
def chaos_seed(request) -> int:
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\n{request.node.name}: chaos seed {seed} (replay with CHAOS_SEED={seed})")
    return seed


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.chaos_failed = report.failed
    return report


@pytest.fixture
def server(request, app, people, tmp_path):
    """gunicorn with 2 workers on the suite's database (reset for this test by `people`) and instance (secret key,
    media), started after the reset and stopped before the next one. A failed test shows the end of its log."""
    gunicorn = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path, tmp_path / "gunicorn.log")
    gunicorn.start()
    yield gunicorn
    gunicorn.stop()
    if getattr(request.node, "chaos_failed", False):
        print(f"--- end of the gunicorn log\n{gunicorn.log_tail(60)}")


@pytest.fixture
def proxy(request, server, chaos_seed):
    with FaultProxy(server.port, chaos_seed) as fault_proxy:
        yield fault_proxy
        print(fault_proxy.summary())
        if getattr(request.node, "chaos_failed", False):
            print("--- the proxy's last requests (number, method, path, fault, server's status)")
            for r in fault_proxy.requests[-40:]:
                print(f"{r.number} {r.method} {r.path} {r.fault or ''} {r.status}")


@pytest.fixture
def make_phone(browser, proxy):
    phones = []

    def make() -> Phone:
        phone = Phone(browser, proxy.url)
        phones.append(phone)
        return phone

    yield make
    for phone in phones:
        phone.close()
