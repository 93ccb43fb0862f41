"""The long run of the hostile-input property tests (tests/security/test_no_server_errors.py and the schemathesis
run tests/security/test_api_fuzz.py): the same strategies with many more examples per route than the suite's bounded
run, on the suite's database (set TEST_DATABASE_URL for PostgreSQL). Target: 0 server errors.

    .venv/bin/python benchmarks/hostile_input.py [--examples 200]

Prints pytest's summary and ends with one JSON line: the number of tests that met a server error (0 is the target).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess  # nosec B404 — our own test suite
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=200, help="examples per route (the suite runs 12)")
    args = parser.parse_args()
    env = {**os.environ, "HOSTILE_EXAMPLES": str(args.examples)}
    started = time.monotonic()
    run = subprocess.run(  # nosec B603
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/security/test_no_server_errors.py"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    seconds = time.monotonic() - started
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    print(run.stdout[-4000:] if run.returncode else summary)
    failed = int(m.group(1)) if (m := re.search(r"(\d+) failed", summary)) else 0
    database = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    print(f"{args.examples} examples per route and role, {database}, {seconds:.0f} s")
    print(json.dumps({"metric": f"hostile_input_server_errors_{database}", "value": failed, "unit": "tests failing"}))


if __name__ == "__main__":
    main()
