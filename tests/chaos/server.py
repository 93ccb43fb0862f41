"""The app as production runs it: gunicorn with our gunicorn.conf.py and several worker processes, as a subprocess
on a free loopback port, against a given database — so a worker can be killed for real (tests/chaos/).

Every process here is started by us and ended by its own id.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess  # nosec B404 — our own gunicorn, with arguments we write
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT_S = 30


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(instance: Path, database_url: str | None = None):
    """For a benchmark: a migrated database with the regions and the demo accounts, like the test suite's, in
    `instance` (SQLite) or at `database_url` (PostgreSQL, EMPTIED first). Returns the app bound to it."""
    os.environ["KIM_INSTANCE_PATH"] = str(instance)
    if database_url:
        os.environ["TEST_DATABASE_URL"] = database_url
    else:
        os.environ.pop("TEST_DATABASE_URL", None)
    from flask_migrate import upgrade
    from sqlalchemy import text

    from kim_app import create_app
    from kim_app.demo import seed_demo
    from kim_app.extensions import db
    from kim_app.wilayah.services import SHIPPED_DATA, import_wilayah

    app = create_app({"KIM_ENV": "test", "SERVER_NAME": None})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        import_wilayah(SHIPPED_DATA, "53")
        seed_demo(with_news=False)
        db.session.commit()
        db.session.remove()
    return app


class Gunicorn:
    def __init__(self, database_url: str, instance_path: str, log_path: Path, workers: int = 2,
                 env: dict[str, str] | None = None):
        self.port = free_port()
        self.log_path = Path(log_path)
        self.env = {
            **os.environ,
            "KIM_ENV": "test",
            "KIM_INSTANCE_PATH": str(instance_path),
            # The test profile prefers TEST_DATABASE_URL; both are set so no profile can pick another database.
            "DATABASE_URL": database_url,
            "TEST_DATABASE_URL": database_url,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            **(env or {}),  # e.g. GUNICORN_CMD_ARGS, or another profile and its services (tests/production/)
        }
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self.workers_killed = 0

    def start(self) -> Gunicorn:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # nosec B603
            # No control socket: its default path is one per user, shared by every gunicorn running at the time.
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--no-control-socket",
             "kim_app:create_app()"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        self.wait_until_ready()
        return self

    def wait_until_ready(self) -> None:
        """Until /healthz answers 200 with every worker up, or fail with the log."""
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            if len(self.worker_pids()) == self.workers and self._healthy():
                return
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn not ready after {BOOT_TIMEOUT_S} s:\n{self.log_tail()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:  # nosec B310
                return answer.status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_workers(self) -> None:
        """SIGKILL every worker in the middle of whatever it does; the master starts new ones."""
        for pid in self.worker_pids():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                self.workers_killed += 1

    def crash(self) -> None:
        """The whole server dies at once (power cut, OOM killer): workers and master, no cleanup."""
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGKILL)
        for pid in workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """After a crash: a new master on the same port."""
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown: the test is over
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for pid in workers:  # a worker orphaned by a killed master must not outlive the test
            if "gunicorn" in _cmdline(pid):
                os.kill(pid, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def errors_in_log(self) -> list[str]:
        """Tracebacks and 500s the app logged: a chaos run must not produce any."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [line for line in text.splitlines()
                if "Traceback" in line or '" 500 ' in line or "Exception on" in line]
