"""Many items from one phone through a hostile network: how many are lost or duplicated (target: 0).

The machinery of tests/chaos/ on a larger run: a real Chromium signs in through our fault-injecting proxy, stores
the items in its IndexedDB through the app's own outbox module, and lets the app send them to gunicorn (2 workers)
while the proxy drops requests and answers, resets connections mid-body, answers 502/503 and adds latency, the
phone loses its network mid-run now and then, and every worker is SIGKILLed at intervals. At the end every item on
the phone is compared with its row on the server.

    .venv/bin/python benchmarks/chaos_sync.py [--items 1000] [--seed N] [--fault-rate 0.3]
                                              [--database-url postgresql://…/scratch]   # emptied first!

Without --database-url it runs on a fresh SQLite file in a temporary folder. The last line is JSON for CI.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not this folder: benchmarks/queue.py would shadow the standard library's `queue` (used by thread pools).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the chaos helpers, imported as the tests import them

from chaos.ledger import reconcile, server_rows  # noqa: E402
from chaos.phone import CHROMIUM_ARGS, RUN_TIMEOUT_MS, Phone, chromium_path, item_specs  # noqa: E402
from chaos.proxy import FaultProxy  # noqa: E402
from chaos.server import Gunicorn, fresh_database  # noqa: E402

BATCH = 250  # items stored per call into the page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--offline-rate", type=float, default=0.1, help="share of rounds with the network lost mid-run")
    parser.add_argument("--kill-every", type=int, default=150, help="SIGKILL every worker after this many item POSTs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="a scratch PostgreSQL database; EMPTIED before the run")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    print(f"seed {seed} (replay with --seed {seed}), {args.items} items, fault rate {args.fault_rate}")

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kim-chaos-") as folder:
        app = fresh_database(Path(folder) / "instance", args.database_url)
        server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path, Path(folder) / "gunicorn.log",
                          workers=args.workers).start()
        proxy = FaultProxy(server.port, seed).start()
        posts = 0

        def kill_at_intervals(request):
            nonlocal posts
            if request.method == "POST" and request.path in ("/api/v1/items", "/api/v1/items/batch"):
                posts += 1
                if args.kill_every and posts % args.kill_every == 0:
                    server.kill_workers()

        started = time.monotonic()
        rounds, items, photos = None, [], []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                                     args=CHROMIUM_ARGS)
                # A run sends the whole outbox: 1,000 items under faults took over 90 s on a slow 2-core machine.
                phone = Phone(browser, proxy.url, run_timeout_ms=max(RUN_TIMEOUT_MS, 300 * args.items))
                with proxy.calm():
                    phone.sign_in("anggota")
                specs = item_specs(args.items, rng)
                for start in range(0, len(specs), BATCH):
                    phone.capture(specs[start:start + BATCH])
                proxy.fault_rate = args.fault_rate
                proxy.on_forwarded = kill_at_intervals
                try:
                    rounds = phone.send_until_delivered(proxy, rng, offline_rate=args.offline_rate,
                                                        max_rounds=20 * args.items, deadline_s=30 * 60)
                except AssertionError as error:
                    print(f"not all delivered: {error}")
                proxy.on_forwarded = None
                items, photos = phone.outbox()
                browser.close()
        finally:
            proxy.stop()
            server.stop()
        elapsed = time.monotonic() - started
        ledger = reconcile(items, server_rows(app), photos)
        errors = server.errors_in_log()

    faults = sum(proxy.faults.values())
    print(f"items: {len(items)} on the phone, {ledger.delivered} delivered, {rounds} rounds of 'Kirim sekarang', "
          f"{phone.offline_flips} times offline mid-run, {elapsed:.1f} s")
    print(f"requests: {len(proxy.requests)}, faults injected: {faults}")
    for kind, count in sorted(proxy.faults.items()):
        print(f"  {kind}: {count}")
    print(f"answers lost after the server processed the request: {len(proxy.answers_lost())}")
    print(f"workers killed: {server.workers_killed}")
    print(f"server errors logged: {len(errors)}")
    print(ledger.report())
    # An item stored with other content than the member captured has not arrived: it counts as lost.
    lost_plus_duplicated = len(ledger.lost) + len(ledger.different) + len(ledger.duplicated)
    print(json.dumps({"metric": "chaos_sync_lost_plus_duplicated", "value": lost_plus_duplicated, "unit": "items",
                      "items": args.items, "faults": faults}))


if __name__ == "__main__":
    main()
