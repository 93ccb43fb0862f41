"""How long the member app takes to open with a long history on the phone: 500 items against 5.

A real Chromium phone (360×640) signs in, the app installs, then N items are put straight into IndexedDB as months
of use leave them (tests/browser/phone_items.py: server copies with a photo thumbnail each, a few unsent). With no
signal (the service worker serves the shell, as in the field) the app is opened again and again; each open is timed
from the navigation's start (performance.timeOrigin) until "Kiriman saya" is drawn: its first page of items is in
the DOM and the member's name is shown. Median of --runs opens for each N.

    .venv/bin/python benchmarks/app_open.py [--runs 15] [--many 500] [--few 5]

The last line is JSON: `value` is the median open time with --many items divided by the one with --few items (1.0:
as fast); both times are beside it.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not this folder: benchmarks/queue.py would shadow the standard library's `queue` (used by thread pools).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser.phone_items import seed_items  # noqa: E402
from chaos.phone import CHROMIUM_ARGS, PASSWORD, chromium_path  # noqa: E402
from chaos.server import fresh_database  # noqa: E402
from conftest import make_jpeg  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True, "locale": "id-ID",
         "timezone_id": "Asia/Makassar"}
# Resolves with the moment (ms since the navigation began) the list and the member's name are both on the page.
DRAWN = """(expected) => new Promise((resolve) => {
  const ready = () => document.querySelectorAll('#mine > li').length >= expected
    && document.getElementById('who').textContent.startsWith('Masuk sebagai');
  if (ready()) return resolve(performance.now());
  new MutationObserver((changes, observer) => {
    if (ready()) { observer.disconnect(); resolve(performance.now()); }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
})"""
# The observer must be in place before the app's modules run, so it is installed at the document's start.
WATCH = """window.__drawn = new Promise((resolve) => {
  document.addEventListener('DOMContentLoaded', () => resolve((%s)(%d)));
});"""


def open_times(browser, base_url: str, count: int, runs: int) -> list[float]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/masuk?next=/app")
    page.fill("#username", "anggota")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/app")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller"
                  " || new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r)))")
    page.locator("#who").filter(has_text="Masuk sebagai").wait_for()
    context.set_offline(True)
    seed_items(page, count, make_jpeg(320, 240), unsent=min(3, count))
    context.add_init_script(WATCH % (DRAWN, min(20, count)))
    times = []
    for _ in range(runs + 1):
        page.reload()
        times.append(page.evaluate("window.__drawn"))
    context.close()
    return times[1:]  # the first open after seeding warms the caches; the member's opens are the later ones


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--many", type=int, default=500)
    parser.add_argument("--few", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as instance:
        app = fresh_database(Path(instance))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base_url = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            few = statistics.median(open_times(browser, base_url, args.few, args.runs))
            many = statistics.median(open_times(browser, base_url, args.many, args.runs))
            browser.close()
        server.shutdown()
    print(f"open with {args.few} items: {few:.0f} ms (median of {args.runs})")
    print(f"open with {args.many} items: {many:.0f} ms (median of {args.runs})")
    print(json.dumps({"metric": f"app_open_{args.many}_vs_{args.few}_items", "value": round(many / few, 2),
                      "unit": "ratio", "few_ms": round(few), "many_ms": round(many)}))


if __name__ == "__main__":
    main()
