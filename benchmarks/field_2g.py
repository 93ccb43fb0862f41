"""The member app over 2G, measured from outside: a real Chromium phone talks to the app through a throttling link.

Reproduces the measurement of issue 13: WebPageTest's 2G profile (280 kbps down, 256 kbps up, 800 ms round trip)
between Debian's Chromium (360×640, a mobile user agent) and the app served as `make run` serves it (gunicorn,
gthread workers, HTTP keep-alive), on a fresh database each run. The link (tests/field/link.py) is one shared link
per direction, as a phone's radio link is shared by all its connections, with TCP's handshake costing a round trip
on every new connection; it counts requests and the head and body bytes each way.

Each run, on one phone:

  first open   The member signs in at /masuk and lands on /app. From the moment the browser starts fetching /app
               (Navigation Timing's fetchStart, after the sign-in's redirect) until it is USABLE: the berita
               capture form is shown with every field in view enabled AND the page shows the member's name, which the
               app learns only from GET /api/v1/me (so the app's modules have run and /api/v1/me has answered). Then
               until the service worker HOLDS THE SHELL (navigator.serviceWorker.ready: a worker is active, so its
               install has cached every shell file).
  texts        With no signal the member captures 25 berita and aduan (about 20 KB of item JSON) through the real
               forms, 5 of the berita with 2 photos each. The signal returns: from then until the server has all 25
               items (a fresh database: 25 rows).
  photos       From then until the server holds every photo's bytes, verified (all 10 `siap`).
  later open   Once the link has been quiet, the member opens /app again, online, with nothing new on the server:
               every request the phone makes until the link is quiet again (the worker's update check, who is signed
               in, the pull, the news …), and when the page was usable.
  downloads    What the phone downloaded for the requests it made during texts and photos: head vs body bytes.

Completion is seen on the server (the database, through tests/chaos/ledger.py), never in the page, so a new batch
endpoint or renamed static files do not change what is measured. The server is looked at each time it sends
something through the link, so a completion is timed to within one look (a few milliseconds).

Losing the signal is two things at once, as on a phone: the radio link goes down, and the system tells the browser.
So the link goes down (open connections die, new ones are refused) and Chromium is told it is offline
(`context.set_offline`): `navigator.onLine` is false, and the 'online' event fires when the signal returns, as
Android reports it. The link alone would leave the page believing it is online, finding the signal again only on its
retry timer (the figure would measure the timer); the emulation alone may not cover the service worker's Background
Sync, and would keep connections alive that a real loss of signal kills. When the signal returns, the link comes
up first, then Chromium is told; its connections are new, handshakes included. The signal goes once the app is
installed and the link has been quiet for a second (its first sync and news pull are done).

Each figure is printed beside its FLOOR — the bytes that must travel ÷ the link's bandwidth + the round trips that
cannot be avoided — and the ratio:
  texts        the items' JSON bodies (as the API takes them, rebuilt from the server's rows) ÷ up + 1 round trip
  photos       the photos' bytes ÷ up + 1 round trip
  usable       the bodies the page fetched until usable (Resource Timing, compressed) ÷ down + 2 round trips (the
               document, then everything it names, /api/v1/me included)
  shell        the bodies of every URL the service worker cached, as the server sends them compressed, ÷ down
               + 2 round trips
Floors count bodies only: headers are overhead the transfer could avoid.

    .venv/bin/python benchmarks/field_2g.py [--runs 3] [--quick] [--open-only] [--database-url postgresql://…/scratch]

--quick: one run with 5 texts and 2 photos, a smoke test. --open-only: the first and the later open alone, no drain
(the JSON line's `value` is then the usable figure's ratio to its floor). --database-url: PostgreSQL, EMPTIED before
each run (default: a fresh SQLite file per run). --server-args: gunicorn's arguments beside gunicorn.conf.py, e.g.
"--worker-class sync" for a server that closes the connection after every answer (as Flask's development server
does). Three runs take about 11 minutes with today's one-POST-per-item sync, less as the sync gets faster.
The last line is JSON: `value` is the texts' ratio to their floor (median), every other figure beside it.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not this folder: benchmarks/queue.py would shadow the standard library's `queue` (used by thread pools).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the helpers of tests/chaos/ and tests/field/, imported as the tests do

from chaos.ledger import server_rows  # noqa: E402
from chaos.phone import CHROMIUM_ARGS, PASSWORD, chromium_path  # noqa: E402
from chaos.server import Gunicorn, fresh_database  # noqa: E402
from field.link import TWO_G, Link, Profile, Totals  # noqa: E402

# As `make run` serves: HTTP keep-alive, as the production front (nginx, docs/deploy.md) gives phones.
SERVER_ARGS = "--worker-class gthread --threads 4 --keep-alive 75"
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Makassar",
}
USERNAME = "anggota"
FIRST_OPEN_TIMEOUT_S = 240
QUIET_S = 1.0  # before the signal goes: no request open and nothing on the link for this long (as 'networkidle')

# Timestamps of the page's moments, taken by the page itself (performance.now()). Injected before the app's scripts;
# it only reads. `%s` is the member's name as JSON.
MARKS = """(() => {
  const name = %s;
  const marks = { usable: null, shell: null, waiters: [] };
  window.__field = marks;
  const settle = () => { marks.waiters = marks.waiters.filter((check) => !check()); };
  const formReady = () => {
    const form = document.querySelector('form[data-kind=berita]');
    // Every field the member sees is enabled (a one-desa member's desa choice is hidden and disabled by design).
    return Boolean(form) && form.checkVisibility()
      && [...form.elements].every((field) => !field.disabled || !field.checkVisibility());
  };
  const look = () => {
    if (marks.usable !== null || !document.body || !formReady() || !document.body.innerText.includes(name)) return;
    marks.usable = performance.now();
    settle();
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true,
                                                 attributes: true });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.ready.then(() => { marks.shell = performance.now(); settle(); });
  }
})();"""

# Until both moments have come; then what the page knows about them, in ms from the start of the fetch of /app.
READ_MARKS = """async (timeout) => {
  const marks = window.__field;
  await new Promise((resolve, reject) => {
    const check = () => {
      if (marks.usable === null || marks.shell === null) return false;
      resolve();
      return true;
    };
    if (check()) return;
    marks.waiters.push(check);
    setTimeout(() => reject(new Error(`not usable and installed within ${timeout} ms: ${JSON.stringify(marks)}`)),
               timeout);
  });
  const nav = performance.getEntriesByType('navigation')[0];
  const start = nav.fetchStart;
  const resources = performance.getEntriesByType('resource');
  const needed = resources.filter((entry) => entry.responseEnd <= marks.usable);
  const me = resources.find((entry) => new URL(entry.name).pathname === '/api/v1/me');
  const cached = new Set();
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) cached.add(request.url);
  }
  return {
    usable_ms: marks.usable - start,
    shell_ms: marks.shell - start,
    signed_in_ms: start,  // the sign-in's POST and its redirect, from the navigation's start (the click)
    me_ms: me ? me.responseEnd - start : null,
    needed_bytes: nav.encodedBodySize + needed.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
    needed_files: needed.length + 1,
    cached: [...cached],
  };
}"""

SENTENCES = (
    "Warga Dusun {d} bergotong royong membersihkan saluran irigasi sebelum musim tanam.",
    "Kepala desa menghadiri rapat bersama kelompok tani di balai desa pada Sabtu pagi.",
    "Harga jagung di pasar Atambua naik menjadi Rp{h}.000 per kilogram minggu ini.",
    "Posyandu melayani {n} balita; kader mengingatkan ibu-ibu membawa buku KIA.",
    "Jalan menuju sekolah dasar rusak sepanjang {n}0 meter dan licin setelah hujan.",
    "Kelompok tenun ikat Kabuna menyiapkan kain untuk pameran di kabupaten bulan depan.",
    "Air bersih dari mata air di bukit mengalir lagi setelah pipa diganti swadaya warga.",
    "Anak-anak sanggar belajar tarian likurai untuk menyambut tamu dari provinsi.",
    "Petugas penyuluh pertanian menjelaskan cara membuat pupuk kompos dari daun lamtoro.",
    "Sebagian warga masih menunggu bantuan bibit kacang hijau yang dijanjikan dinas.",
    "Listrik padam sejak kemarin sore sehingga warung dan sekolah memakai genset.",
    "Pemuda karang taruna memperbaiki lapangan voli dan menanam pohon di sekitarnya.",
)
KATEGORI = {"berita": ("pertanian", "sosial", "pemerintahan", "budaya"),
            "aduan": ("air", "infrastruktur", "listrik")}


def text_specs(count: int, photos: int, rng: random.Random) -> list[dict]:
    """Berita and aduan as members write them, about 800 bytes of item JSON each; berita carry the photos, two each
    (photo numbers, into the run's photo files)."""
    def paragraph(chars: int) -> str:
        out = []
        while sum(len(s) + 1 for s in out) < chars:
            out.append(rng.choice(SENTENCES).format(d=rng.randint(1, 6), h=rng.randint(4, 9), n=rng.randint(2, 9)))
        return " ".join(out)

    specs, next_photo = [], 0
    for n in range(count):
        kind = "berita" if n % 2 == 0 else "aduan"
        values = {"kategori": rng.choice(KATEGORI[kind])}
        attached = []
        if kind == "berita":
            values["judul"] = f"Kabar {n + 1} dari Kabuna: {rng.choice(SENTENCES)[:60].rstrip(' ,.')}"
            values["isi"] = paragraph(rng.randint(360, 560))
            attached = list(range(next_photo, min(photos, next_photo + 2)))
            next_photo += len(attached)
        else:
            values["uraian"] = f"Aduan {n + 1}: " + paragraph(rng.randint(300, 470))
            values["lokasi"] = f"Dusun {n % 5 + 1}, RT 0{n % 4 + 1}, dekat kapela"
            if n % 3 == 0:
                values.update(pelapor_nama="Agustinus Seran", pelapor_telepon="0812 3456 7890")
        specs.append({"kind": kind, "values": values, "photos": attached})
    if next_photo < photos:
        sys.exit(f"{photos} photos need {math.ceil(photos / 2)} berita; {count} texts have fewer")
    return specs


def camera_photo(rng: random.Random) -> bytes:
    """A 12-megapixel camera JPEG (3–4 MB) whose texture survives the phone's shrinking to 1600 px: Chromium's JPEG
    of it at quality 0.8 weighs 240–280 KB, so it stays at the phone's first quality step (static/js/photos.js)."""
    from PIL import Image, ImageChops

    size = (4000, 3000)
    across = Image.linear_gradient("L").rotate(rng.choice((90, 270))).resize(size)
    down = Image.linear_gradient("L").resize(size)
    # Leaves, gravel, woven cloth: detail a few pixels wide at 1600 px, then the sensor's own grain. Pillow's noise is
    # not seeded, so the bytes differ a little from one invocation to the next; the floor follows them.
    texture = Image.effect_noise((size[0] // 3, size[1] // 3), rng.uniform(21, 25)).resize(
        size, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(size, 12)
    red = ImageChops.add(ImageChops.blend(across, texture, 0.5), grain, scale=1.0, offset=-40)
    green = ImageChops.blend(down, texture.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 0.55)
    blue = ImageChops.blend(across, down, 0.5)
    out = io.BytesIO()
    Image.merge("RGB", (red, green, blue)).save(out, "JPEG", quality=90)
    return out.getvalue()


def api_body_bytes(row: dict) -> int:
    """The item as the create request carries it (docs/sync-protocol.md), compact JSON: what must go up."""
    body = {"uuid": row["uuid"], "author_id": row["author_id"],
            "captured_at": row["captured_at"].astimezone(timezone.utc).isoformat(timespec="milliseconds")}
    body.update({name: value for name, value in row.items()
                 if name in ("kind", "kategori", "desa_kode", "judul", "isi", "uraian", "lokasi", "pelapor_nama",
                             "pelapor_telepon", "keterangan") and value is not None})
    if row["photos"]:
        body["photos"] = [{"id": p["id"], "sha256": p["sha256"], "size": p["size"], "mime": "image/jpeg"}
                          for p in row["photos"]]
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def compressed_size(base_url: str, url: str) -> int:
    """A shell file's body as the server sends it to Chromium (compressed), fetched directly, not over the link."""
    path = url.split("://", 1)[-1].split("/", 1)[-1]
    request = urllib.request.Request(f"{base_url}/{path}", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    with urllib.request.urlopen(request, timeout=30) as answer:  # nosec B310 — our own server on loopback
        return len(answer.read())


class Watch:
    """Looks at the server each time it sends something through the link, until a condition on its rows holds;
    answers the moment the look that first saw it began (an upper bound, a few milliseconds late at most)."""

    def __init__(self, app, link: Link):
        self.app, self.link = app, link
        self.seen = 0
        self.rows: list[dict] = []

    def until(self, condition, timeout_s: float, what: str) -> float:
        deadline = time.monotonic() + timeout_s
        while True:
            looked_at = self.link.clock()
            self.rows = server_rows(self.app)
            if condition(self.rows):
                return looked_at
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not within {timeout_s:.0f} s; the server has {len(self.rows)} items")
            # A completion is always the server answering a request; the timeout only bounds a missed wake-up.
            self.seen, _ = self.link.wait_for_server(self.seen, timeout=1.0)


def wait_until_quiet(link: Link, timeout_s: float = 60, quiet_s: float = QUIET_S) -> None:
    """Until nothing has been open on the link for `quiet_s` (the app's first sync and news pull are done)."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        now = time.monotonic()
        if link.busy():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet_s:
            return
        link.stopping.wait(0.05)  # a tick, cut short if the link stops
    raise TimeoutError("the phone kept the link busy")


def capture(page, spec: dict, photo_paths: list[Path]) -> None:
    """One item through its capture form, as the member fills it; returns once the app has stored it."""
    from playwright.sync_api import expect

    form = page.locator(f"form[data-kind={spec['kind']}]")
    if not form.is_visible():
        form.locator("xpath=ancestor::details[1]/summary").click()
    values = dict(spec["values"])
    wanted = values.pop("kategori")
    kategori = form.locator("select[name=kategori]")
    offered = kategori.locator("option").evaluate_all("options => options.map((o) => o.value).filter(Boolean)")
    kategori.select_option(wanted if wanted in offered else offered[0])
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(value)
    if spec["photos"]:
        files = [str(photo_paths[i]) for i in spec["photos"]]
        several = form.locator("input[type=file][multiple]")
        if several.count():
            several.first.set_input_files(files)
        else:
            for path in files:
                form.locator("input[type=file]").first.set_input_files(path)
    form.locator("[type=submit]").click()
    # The app clears the form once the item, and its photos shrunk, are stored on the phone.
    expect(form.locator(f"[name={next(iter(values))}]")).to_have_value("", timeout=120_000)


def first_open(page, link: Link, profile: Profile, direct_url: str) -> dict:
    """Signs in and measures the first open of /app (the moments are defined in this module's docstring)."""
    page.goto(f"{link.url}/masuk?next=/app", timeout=FIRST_OPEN_TIMEOUT_S * 1000)
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    before = link.snapshot()
    clicked = link.clock()
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/app", timeout=FIRST_OPEN_TIMEOUT_S * 1000)
    marks = page.evaluate(READ_MARKS, FIRST_OPEN_TIMEOUT_S * 1000)
    opened = link.snapshot() - before
    held = link.clock()
    shell_bytes = sum(compressed_size(direct_url, url) for url in marks["cached"])
    usable_floor = profile.down_seconds(marks["needed_bytes"]) + 2 * profile.rtt
    return {
        "usable_s": marks["usable_ms"] / 1000,
        "usable_floor_s": usable_floor,
        "usable_bytes": marks["needed_bytes"],
        "usable_files": marks["needed_files"],
        "me_s": None if marks["me_ms"] is None else marks["me_ms"] / 1000,
        "shell_s": marks["shell_ms"] / 1000,
        "sign_in_s": marks["signed_in_ms"] / 1000,
        "shell_floor_s": profile.down_seconds(shell_bytes) + 2 * profile.rtt,
        "shell_bytes": shell_bytes,
        "shell_files": len(marks["cached"]),
        "open_requests": opened.requests,
        "open_connections": opened.connections,
        "open_download_head_bytes": opened.response_head_bytes,
        "open_download_body_bytes": opened.response_body_bytes,
        "open_list": request_list(link.exchanges_between(clicked, held), clicked + marks["signed_in_ms"] / 1000),
    }


LATER_OPEN_QUIET_S = 5.0  # the worker's update check may follow the navigation by a moment


def later_open(page, link: Link) -> dict:
    """The member opens the app again, online, nothing new on the server: what it costs."""
    wait_until_quiet(link)
    started = link.clock()
    page.goto(f"{link.url}/app", timeout=FIRST_OPEN_TIMEOUT_S * 1000)
    usable = page.evaluate("""async (timeout) => {
      const marks = window.__field;
      await new Promise((resolve, reject) => {
        const check = () => { if (marks.usable === null) return false; resolve(); return true; };
        if (!check()) marks.waiters.push(check);
        setTimeout(() => reject(new Error('not usable')), timeout);
      });
      return marks.usable - performance.getEntriesByType('navigation')[0].startTime;
    }""", FIRST_OPEN_TIMEOUT_S * 1000)
    wait_until_quiet(link, quiet_s=LATER_OPEN_QUIET_S)
    exchanges = link.exchanges_between(started, link.clock())
    return {"later_usable_s": usable / 1000, "later_requests": len(exchanges),
            "later_list": request_list(exchanges, started)}


def request_list(exchanges, start: float) -> list[str]:
    """Each request of a window in the order it reached the server: when (s from `start`), what, the answer, when
    the answer was in, and on which connection."""
    out = []
    for e in sorted(exchanges, key=lambda e: e.sent_at):
        answered = "…" if e.answered_at is None else f"{e.answered_at - start:.2f}"
        out.append(f"{e.sent_at - start:5.2f} → {answered:>5}  {e.method} {e.path.split('?')[0]} {e.status} "
                   f"#{e.connection}")
    return out


def request_kinds(exchanges) -> str:
    """'POST /api/v1/items ×25, …': the requests of a window by method and path, ids folded."""
    counts: dict[str, int] = {}
    for exchange in exchanges:
        path = exchange.path.split("?")[0]
        parts = ["{id}" if len(part) >= 32 or part.isdigit() else part for part in path.split("/")]
        key = f"{exchange.method} {'/'.join(parts)}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key} ×{n}" for key, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def outbox_drain(page, context, link: Link, app, profile: Profile, specs: list[dict], photo_paths: list[Path]) -> dict:
    """Capture with no signal, then measure the drain when the signal returns."""
    wait_until_quiet(link)
    link.down()
    context.set_offline(True)
    started = time.monotonic()
    for spec in specs:
        capture(page, spec, photo_paths)
    captured_s = time.monotonic() - started
    if server_rows(app):
        raise RuntimeError("items reached the server while the phone had no signal")
    texts = len(specs)
    photos = sum(len(spec["photos"]) for spec in specs)

    def all_photos_siap(rows) -> bool:
        return sum(p["state"] == "siap" and p["received"] == p["size"] for r in rows for p in r["photos"]) >= photos

    watch = Watch(app, link)
    link.up()
    online = link.clock()
    context.set_offline(False)
    texts_at = watch.until(lambda rows: len(rows) >= texts, 60 + 5 * texts, "texts")
    rows = watch.rows
    texts_bytes = sum(api_body_bytes(row) for row in rows)
    photo_bytes = sum(p["size"] for row in rows for p in row["photos"])
    photos_floor = profile.up_seconds(photo_bytes) + profile.rtt
    photos_at = watch.until(all_photos_siap, 120 + 3 * photos_floor, "photos")

    exchanges = link.exchanges_between(online, photos_at)
    if not link.wait_until_answered(exchanges, timeout=60):
        print("  (some answers of the drain never reached the phone; counted as far as they came)")
    during_texts = [e for e in exchanges if e.sent_at <= texts_at]
    during_photos = [e for e in exchanges if e.sent_at > texts_at]
    total = sum((e.totals for e in exchanges), Totals())
    return {
        "captured_s": captured_s,
        "texts": texts,
        "texts_s": texts_at - online,
        "texts_floor_s": profile.up_seconds(texts_bytes) + profile.rtt,
        "texts_bytes": texts_bytes,
        "texts_requests": request_kinds(during_texts),
        "photos": photos,
        "photos_s": photos_at - texts_at,
        "photos_floor_s": photos_floor,
        "photo_bytes": photo_bytes,
        "photos_requests": request_kinds(during_photos),
        "drain_requests": total.requests,
        "drain_connections": len({e.connection for e in exchanges}),
        "drain_download_head_bytes": total.response_head_bytes,
        "drain_download_body_bytes": total.response_body_bytes,
        "drain_upload_head_bytes": total.request_head_bytes,
        "drain_upload_body_bytes": total.request_body_bytes,
    }


def member_name(app) -> str:
    from kim_app.accounts.services import find_user
    from kim_app.extensions import db

    with app.app_context():
        name = find_user(USERNAME).nama
        db.session.remove()
    return name


def one_run(browser, args, profile: Profile, specs: list[dict], photo_paths: list[Path]) -> dict:
    """A fresh database, server, link and phone; the first open, then the drain, on that phone."""
    from kim_app.extensions import db

    major = browser.version.split(".")[0]
    user_agent = (f"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                  f"Chrome/{major}.0.0.0 Mobile Safari/537.36")
    with tempfile.TemporaryDirectory(prefix="kim-2g-") as folder:
        app = fresh_database(Path(folder) / "instance", args.database_url)
        server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path, Path(folder) / "gunicorn.log",
                          workers=args.workers, env={"KIM_ENV": "development", "GUNICORN_CMD_ARGS": args.server_args})
        server.start()
        link = Link(server.port, profile).start()
        context = browser.new_context(**PHONE, user_agent=user_agent)
        try:
            context.add_init_script(MARKS % json.dumps(member_name(app)))
            page = context.new_page()
            figures = first_open(page, link, profile, f"http://127.0.0.1:{server.port}")
            figures.update(later_open(page, link))
            if not args.open_only:
                figures.update(outbox_drain(page, context, link, app, profile, specs, photo_paths))
        finally:
            context.close()
            link.stop()
            server.stop()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        errors = server.errors_in_log()
        if errors:
            print("  server errors:\n    " + "\n    ".join(errors[:10]))
        figures["server_errors"] = len(errors)
    return figures


OPEN_MEASURES = (
    ("usable", "first open of /app until usable"),
    ("shell", "first open until the service worker holds the shell"),
)
MEASURES = (
    ("texts", "texts to the server"),
    ("photos", "photos to the server, after the texts"),
    *OPEN_MEASURES,
)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def kb(size: float) -> str:
    return f"{size / 1000:.1f} KB"


def measures(f: dict):
    return MEASURES if "texts_s" in f else OPEN_MEASURES


def print_run(number: int, runs: int, f: dict) -> None:
    print(f"run {number}/{runs}:")
    for key, label in measures(f):
        print(f"  {label}: {f[key + '_s']:.2f} s, floor {f[key + '_floor_s']:.2f} s, "
              f"×{f[key + '_s'] / f[key + '_floor_s']:.2f}")
    print(f"    from the click on the sign-in button, {f['sign_in_s']:.2f} s earlier (its POST and redirect): usable "
          f"at {f['sign_in_s'] + f['usable_s']:.2f} s, the shell held at {f['sign_in_s'] + f['shell_s']:.2f} s")
    print("    the first open's requests (s from the fetch of /app: reached the server → answer in):\n      "
          + "\n      ".join(f["open_list"]))
    print(f"  later open, online, nothing new: usable at {f['later_usable_s']:.2f} s, {f['later_requests']} "
          f"requests:\n      " + "\n      ".join(f["later_list"]))
    if "texts_s" in f:
        print(f"    texts: {f['texts']} items, {kb(f['texts_bytes'])} of item JSON; {f['texts_requests']}")
        print(f"    photos: {f['photos']}, {kb(f['photo_bytes'])}; {f['photos_requests']}")
    me = "" if f["me_s"] is None else f"; /api/v1/me answered at {f['me_s']:.2f} s"
    print(f"    usable needed {f['usable_files']} files, {kb(f['usable_bytes'])} of bodies{me}; the shell is "
          f"{f['shell_files']} files, {kb(f['shell_bytes'])} compressed; from sign-in until the shell was held the "
          f"phone made {f['open_requests']} requests on {plural(f['open_connections'], 'new connection')}, downloaded "
          f"{kb(f['open_download_head_bytes'])} of headers and {kb(f['open_download_body_bytes'])} of bodies")
    print(f"  (server errors: {f['server_errors']})")
    if "texts_s" not in f:
        return
    down = f["drain_download_head_bytes"] + f["drain_download_body_bytes"]
    print(f"  downloaded during the drain: {kb(down)}, of which headers {kb(f['drain_download_head_bytes'])} "
          f"({f['drain_download_head_bytes'] / max(1, down):.0%}) and bodies {kb(f['drain_download_body_bytes'])}; "
          f"uploaded {kb(f['drain_upload_head_bytes'] + f['drain_upload_body_bytes'])} "
          f"(headers {kb(f['drain_upload_head_bytes'])}); {f['drain_requests']} requests on "
          f"{plural(f['drain_connections'], 'connection')}")
    print(f"  (captured offline in {f['captured_s']:.1f} s)")


def summary(results: list[dict], profile: Profile) -> dict:
    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    figures = {}
    print(f"\nmedians of {len(results)} run(s), {profile}:")
    print("| what | measured | floor | ratio |\n|---|---|---|---|")
    for key, label in measures(results[0]):
        seconds, floor = median(key + "_s"), median(key + "_floor_s")
        ratio = statistics.median(r[key + "_s"] / r[key + "_floor_s"] for r in results)
        figures.update({f"{key}_s": round(seconds, 2), f"{key}_floor_s": round(floor, 2),
                        f"{key}_ratio": round(ratio, 2)})
        print(f"| {label} | {seconds:.2f} s | {floor:.2f} s | ×{ratio:.2f} |")
    print(f"| later open, online, nothing new: usable | {median('later_usable_s'):.2f} s, "
          f"{median('later_requests'):g} requests | | |")
    keys = ["sign_in_s", "usable_bytes", "shell_bytes", "open_requests", "open_connections", "later_usable_s",
            "later_requests"]
    if "texts_s" in results[0]:
        head, body = median("drain_download_head_bytes"), median("drain_download_body_bytes")
        print(f"| downloaded during the drain | {kb(head + body)}: headers {kb(head)}, bodies {kb(body)} | | |")
        keys += ["texts", "texts_bytes", "photos", "photo_bytes", "drain_requests", "drain_connections",
                 "drain_download_head_bytes", "drain_download_body_bytes", "drain_upload_head_bytes",
                 "drain_upload_body_bytes"]
    for key in keys:
        figures[key] = round(median(key), 2)
    figures["server_errors"] = sum(r["server_errors"] for r in results)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run, 5 texts and 2 photos: a smoke test")
    parser.add_argument("--open-only", action="store_true", help="the first and the later open alone, no drain")
    parser.add_argument("--texts", type=int, default=None, help="items captured offline (default 25)")
    parser.add_argument("--photos", type=int, default=None, help="photos, two per berita (default 10)")
    parser.add_argument("--down-kbps", type=float, default=TWO_G.down_kbps)
    parser.add_argument("--up-kbps", type=float, default=TWO_G.up_kbps)
    parser.add_argument("--rtt-ms", type=float, default=TWO_G.rtt_ms)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-args", default=SERVER_ARGS, help=f"gunicorn's, beside gunicorn.conf.py "
                                                                   f"(default: {SERVER_ARGS!r})")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database; EMPTIED before each run")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    texts = args.texts if args.texts is not None else (5 if args.quick else 25)
    photos = args.photos if args.photos is not None else (2 if args.quick else 10)
    profile = Profile(args.down_kbps, args.up_kbps, args.rtt_ms)
    rng = random.Random(args.seed)
    specs = text_specs(texts, photos, rng)
    print(f"{runs} run(s): {texts} texts and {photos} photos captured offline, {profile}")

    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kim-2g-photos-") as folder:
        photo_paths = []
        for n in range(photos):
            path = Path(folder) / f"IMG_2026112{n % 10}_{n:04d}.jpg"
            path.write_bytes(camera_photo(rng))
            photo_paths.append(path)
        results = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            try:
                for number in range(1, runs + 1):
                    results.append(one_run(browser, args, profile, specs, photo_paths))
                    print_run(number, runs, results[-1])
            finally:
                browser.close()
    figures = summary(results, profile)
    print(f"({time.monotonic() - started:.0f} s in all)")
    value = figures["usable_ratio"] if args.open_only else figures["texts_ratio"]
    print(json.dumps({"metric": "field_2g", "value": value, "unit": "ratio", "runs": runs,
                      "down_kbps": profile.down_kbps, "up_kbps": profile.up_kbps, "rtt_ms": profile.rtt_ms,
                      **figures}))


if __name__ == "__main__":
    main()
