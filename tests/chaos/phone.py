"""A member's phone in Chromium, driven through the app's own UI and modules (tests/chaos/).

Volume is captured through the app's own outbox module (`saveNewItem`, the function the capture form calls), a
handful through the forms themselves. Sending is left to the app; the driver only presses "Kirim sekarang" — the
backoff would otherwise wait minutes between rounds — and waits for the app to announce the end of each run on its
BroadcastChannel. Nothing here sleeps: every wait is on a condition, with a deadline.
"""
from __future__ import annotations

import base64
import hashlib
import os
import random
import shutil
import sys
import time

PASSWORD = "demo12345"
# Debian's Chromium as the test suite launches it (tests/conftest.py), for the benchmarks that drive a phone.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Makassar",
}
SLOW_MS = 30_000
# Installing the service worker precaches the whole shell; on a busy 2-core CI machine that has taken over 30 s.
INSTALL_MS = 90_000
# One run sends the whole outbox: the CI scenarios' outboxes are sent well within this; a larger one takes longer
# (benchmarks/chaos_sync.py gives its phone a longer run_timeout_ms).
RUN_TIMEOUT_MS = 90_000

# Counts the ends of sync runs ('done' on the app's channel), whether the page or the service worker ran them.
# Injected before the app's own scripts on every page of the context; it reads, never changes, what the app does.
WATCH_RUNS = """
window.__chaos = { done: 0, last: null, waiters: [] };
new BroadcastChannel('kim-sync').addEventListener('message', (event) => {
  if (!event.data || event.data.type !== 'done') return;
  const c = window.__chaos;
  c.done += 1;
  c.last = event.data;
  c.waiters = c.waiters.filter((check) => !check());
});
"""

WAIT_FOR_RUN = """([before, timeout]) => new Promise((resolve, reject) => {
  const c = window.__chaos;
  const check = () => { if (c.done > before) { resolve(c.last); return true; } return false; };
  if (check()) return;
  c.waiters.push(check);
  setTimeout(() => reject(new Error(`no sync run ended within ${timeout} ms`)), timeout);
})"""

RUNS_ENDED = "() => window.__chaos.done"

PRESS_SEND = """() => { const n = window.__chaos.done; document.getElementById('send-now').click(); return n; }"""

# The app's own module stores the items, exactly as the capture form does; photos arrive as base64 JPEGs.
SAVE_ITEMS = """async (specs) => {
  const { saveNewItem } = await import(document.querySelector('link[href$="/outbox.js"]').href);
  const { meta } = await import(document.querySelector('link[href$="/db.js"]').href);
  const me = await meta.get('me');
  if (!me) throw new Error('nobody signed in on this phone');
  const saved = [];
  for (const { kind, values, photos } of specs) {
    const shrunk = (photos || []).map((p) => ({
      blob: new Blob([Uint8Array.from(atob(p.base64), (c) => c.charCodeAt(0))], { type: 'image/jpeg' }),
      sha256: p.sha256, size: p.size, mime: 'image/jpeg',
    }));
    const item = await saveNewItem(kind, values, me, shrunk);
    saved.push(item);
  }
  return saved;
}"""

READ_OUTBOX = """async () => {
  const { items, photos } = await import(document.querySelector('link[href$="/db.js"]').href);
  const strip = ({ blob, ...record }) => record;
  return { items: await items.all(), photos: (await photos.all()).map(strip) };
}"""

WAIT_CONTROLLED = """timeout => new Promise((resolve, reject) => {
  if (navigator.serviceWorker.controller) return resolve();
  navigator.serviceWorker.addEventListener('controllerchange', () => resolve());
  setTimeout(() => reject(new Error('the service worker never took control')), timeout);
})"""


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    sys.exit("Chromium not found: install Debian's chromium or set CHROMIUM_PATH")


def photo_spec(data: bytes) -> dict:
    return {"base64": base64.b64encode(data).decode(), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def item_specs(count: int, rng: random.Random, tag: str = "") -> list[dict]:
    """Mixed berita and aduan as members write them: Indonesian text, punctuation, the odd long report. Each text
    carries its number, so a duplicate under another UUID would show."""
    specs = []
    for n in range(count):
        number = f"{tag}{n:04d}"
        if rng.random() < 0.5:
            isi = "Warga Desa Kabuna bergotong royong memperbaiki saluran irigasi — “tetap semangat”. " * rng.choice(
                (1, 3, 40))
            specs.append({"kind": "berita", "values": {
                "kategori": rng.choice(("pertanian", "sosial", "pemerintahan", "budaya")),
                "judul": f"Berita {number}: kerja bakti di Dusun {n % 7 + 1}", "isi": isi}})
        else:
            values = {"kategori": rng.choice(("air", "infrastruktur", "listrik")),
                      "uraian": f"Aduan {number}: pipa air bocor di dekat kapela, sudah {n % 9 + 1} hari.",
                      "lokasi": f"Dusun {n % 5 + 1}, RT 0{n % 4 + 1}"}
            if rng.random() < 0.5:
                values.update(pelapor_nama="Agustinus Seran", pelapor_telepon="0812 3456 7890")
            specs.append({"kind": "aduan", "values": values})
    return specs


class Phone:
    """One browser context (one phone, its IndexedDB and service worker shared by its tabs)."""

    def __init__(self, browser, base_url: str, run_timeout_ms: int = RUN_TIMEOUT_MS):
        self.base_url = base_url
        self.run_timeout_ms = run_timeout_ms
        self.context = browser.new_context(**PHONE)
        self.context.add_init_script(WATCH_RUNS)
        self.page = None
        self.offline_flips = 0

    def close(self) -> None:
        self.context.close()

    def open_app(self) -> None:
        """A new tab on /app (the old one, if any, stays as it is: close it first to close it)."""
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.page.goto(f"{self.base_url}/app")

    def close_tab(self) -> None:
        self.page.close()
        self.page = None

    def sign_in(self, username: str) -> None:
        if self.page is None:
            self.open_app()
        self.page.goto(f"{self.base_url}/masuk?next=/app")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.get_by_role("button", name="Masuk").click()
        self.page.wait_for_url("**/app")
        # Under faults the first install may be cut; the app registers its worker again by itself (static/js/worker.js).
        self.page.evaluate(WAIT_CONTROLLED, INSTALL_MS)
        # The page names the member from the sign-in's own answer (session.js, adoptEarlyMe) …
        self.page.locator("#logout").wait_for(state="visible", timeout=SLOW_MS)
        # … and its first run follows the first paint: until it has ended, items stored now would go with it, before
        # a test has set up the faults it means them to meet.
        self.page.evaluate(WAIT_FOR_RUN, [0, self.run_timeout_ms])

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Keluar", exact=True).click()
        self.page.wait_for_url("**/masuk**")

    def capture(self, specs: list[dict]) -> list[dict]:
        """Stores items in the outbox through the app's own module; returns the records it made."""
        saved = self.page.evaluate(SAVE_ITEMS, specs)
        return saved

    def capture_by_hand(self, kind: str, values: dict) -> None:
        """Through the capture form, as a member types it."""
        page = self.page
        if kind == "aduan" and not page.locator("#aduan-uraian").is_visible():
            page.locator("summary", has_text="Catat aduan warga").click()
        for name, value in values.items():
            if name == "kategori":
                page.select_option(f"#{kind}-kategori", value)
            else:
                page.fill(f"#{kind}-{name}", value)
        page.get_by_role("button", name=f"Simpan {kind}").click()
        page.locator(f"form[data-kind={kind}] [data-saved]").filter(has_text="Tersimpan di HP").wait_for()

    def outbox(self) -> tuple[list[dict], list[dict]]:
        """The phone's items and photo records (without the photo bytes), as IndexedDB holds them."""
        stored = self.page.evaluate(READ_OUTBOX)
        return stored["items"], stored["photos"]

    def press_send(self) -> int:
        return self.page.evaluate(PRESS_SEND)

    def wait_for_run(self, before: int, timeout_ms: int | None = None) -> dict:
        return self.page.evaluate(WAIT_FOR_RUN, [before, timeout_ms or self.run_timeout_ms])

    def send_now(self) -> dict:
        """Presses "Kirim sekarang" and waits for a run to end; returns that run's summary."""
        return self.wait_for_run(self.press_send())

    def send_until_delivered(self, proxy=None, rng: random.Random | None = None, offline_rate: float = 0.0,
                             max_rounds: int = 400, deadline_s: float = 300) -> int:
        """Rounds of "Kirim sekarang" until a run ends with nothing of this member waiting. In some rounds the phone
        loses its network at a random moment of the run (after a random number of requests) and gets it back once
        the run has ended. Returns the number of rounds."""
        rng = rng or random.Random(0)
        deadline = time.monotonic() + deadline_s
        for round_number in range(1, max_rounds + 1):
            if time.monotonic() > deadline:
                break
            if proxy is not None and rng.random() < offline_rate:
                result = self._round_with_network_loss(proxy, rng)
            else:
                result = self.send_now()
            if result and result["state"] == "ok" and result["waiting"] == 0:
                return round_number
        raise AssertionError(f"still not delivered after {round_number} rounds; last run {result}")

    def _round_with_network_loss(self, proxy, rng: random.Random) -> dict:
        target = len(proxy.requests) + rng.randint(1, 6)
        before = self.press_send()
        # Until the chosen request has gone out, or the run has ended before it (then the phone goes offline
        # between runs, which happens too).
        deadline = time.monotonic() + self.run_timeout_ms / 1000
        while not proxy.wait_for_requests(target, timeout=0.05) and time.monotonic() < deadline:
            if self.page.evaluate(RUNS_ENDED) > before:
                break
        self.context.set_offline(True)
        self.offline_flips += 1
        try:
            result = self.wait_for_run(before)
        finally:
            self.context.set_offline(False)  # the 'online' event starts a run by itself
        return result
