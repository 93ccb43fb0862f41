"""The phone and the people around it, as the browser tests drive them: a 360-pixel Chromium phone, signing in,
waiting for the service worker, reading an item's state in the outbox, a moderator's verdict. Every wait is on a
condition (Playwright's expect, or a promise inside the page), never on a clock."""
from __future__ import annotations

import io
import time

from PIL import Image, ImageChops
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.items.models import Photo
from kim_app.notifications.models import PushSubscription
from tests.chaos.phone import PHONE, SLOW_MS  # noqa: F401 — the same phone as the benchmarks drive
from tests.helpers import PASSWORD

ORIENTATION, GPS_IFD = 0x0112, 0x8825  # EXIF tags a phone camera writes


def sign_in(page, base_url: str, username: str, next_path: str = "/app") -> None:
    page.goto(f"{base_url}/masuk?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"**{next_path}")


def wait_until_controlled(page) -> None:
    """Until the service worker controls the page. Not wait_for_function: its predicate is evaluated as a string
    inside the page, which the app's CSP (script-src 'self', no unsafe-eval) refuses; evaluate() is not affected."""
    page.evaluate(
        """timeout => new Promise((resolve, reject) => {
            if (navigator.serviceWorker.controller) return resolve();
            navigator.serviceWorker.addEventListener('controllerchange', () => resolve());
            setTimeout(() => reject(new Error('the service worker never took control')), timeout);
        })""",
        SLOW_MS,
    )


# The files the worker keeps after its install (LATER_FILES in /sw.js, service-worker/sw.js keepLater): until they are
# in, a page that loses its signal cannot load them (a draft put back, "Ubah", the reader). A member's phone has them
# seconds after the first open; a test that goes offline at once would race that, so the phone fixtures wait for them.
KEEP_LATER = """async (timeout) => {
  const source = await (await fetch('/sw.js')).text();
  const later = JSON.parse(/const LATER_FILES = (\\[.*?\\]);/.exec(source)[1]);
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const kept = await Promise.all(later.map((path) => caches.match(path)));
    if (kept.every(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the worker never kept its later files');
}"""


def wait_until_later_kept(page) -> None:
    page.evaluate(KEEP_LATER, SLOW_MS)


def end_session(context) -> None:
    """The member's session ends on the phone without "Keluar" (its cookie gone). Cleared with the link down: an answer
    still on its way, a pull or a subscription's, renews the session cookie as it arrives and would bring it back."""
    context.set_offline(True)
    context.clear_cookies()
    context.set_offline(False)


def open_member_app(browser, base_url: str):
    """A phone where the member signed in and the app is installed (service worker controls the page)."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, base_url, "anggota")
    wait_until_controlled(page)
    expect(page.locator("#who")).to_contain_text("Yohanes Bria")
    wait_until_later_kept(page)
    return context, page


def item_state(page, title: str):
    """The state element of the member's item whose title is `title`."""
    return page.locator("#mine li[data-uuid]", has_text=title).locator("[data-state]")


def approve_as_moderator(browser, base_url: str, link_text: str, must_see: str | None = None) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base_url, "moderator", "/moderasi")
    page.get_by_role("link", name=link_text).click()
    if must_see:
        expect(page.get_by_text(must_see)).to_be_visible()
    page.get_by_role("button", name="Setujui", exact=True).click()
    expect(page.get_by_text("Item disetujui.")).to_be_visible()
    context.close()


def public_home_text(browser, base_url: str) -> str:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/")
    text = page.locator("body").inner_text()
    context.close()
    return text


def camera_jpeg(sigma: int) -> bytes:
    """A 12-megapixel landscape sensor image of gradients and grain (worse for JPEG than most real scenes), with
    Orientation=6 and a GPS position in its EXIF, 3–4 MB like a phone camera's file."""
    size = (4000, 3000)
    grain = Image.effect_noise(size, sigma)
    across = Image.linear_gradient("L").rotate(90).resize(size)
    down = Image.linear_gradient("L").resize(size)
    red = ImageChops.add(across, grain, scale=2.0, offset=-64)
    green = ImageChops.add(down, grain.transpose(Image.Transpose.FLIP_LEFT_RIGHT), scale=2.0)
    blue = ImageChops.blend(across, down, 0.5)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (9.0, 5.0, 30.0), 3: "E", 4: (124.0, 53.0, 15.0)})
    out = io.BytesIO()
    Image.merge("RGB", (red, green, blue)).save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()


def server_photos(app) -> list[Photo]:
    with app.app_context():
        photos = list(db.session.scalars(select(Photo).order_by(Photo.position)))
        db.session.expunge_all()
        db.session.remove()
    return photos


def capture_berita(page, judul: str, isi: str = "Isi berita yang ditulis di HP keluarga.") -> None:
    """Write a berita in the capture form and save it on the phone."""
    page.select_option("#berita-kategori", "sosial")
    page.fill("#berita-judul", judul)
    page.fill("#berita-isi", isi)
    page.get_by_role("button", name="Simpan berita").click()
    expect(page.locator("form[data-kind=berita] [data-saved]")).to_have_text("Tersimpan di HP")


def subscribed(app) -> list[str]:
    """The usernames that have a push subscription on the server."""
    with app.app_context():
        rows = db.session.scalars(
            select(User.username).join(PushSubscription, PushSubscription.account_id == User.id)
        ).all()
        db.session.remove()
    return list(rows)


def wait_for(condition, what: str):
    """Until `condition()` is true (checked every 50 ms, for SLOW_MS at most); returns its value."""
    deadline = time.monotonic() + SLOW_MS / 1000
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


# PushManager as a browser with a push service would answer: a subscription at our push service, kept across pages.
PUSH_STAND_IN = """
(() => {
  const given = %s;
  const stored = () => JSON.parse(localStorage.getItem('test-push') || 'null');
  const subscription = (keys) => keys && {
    endpoint: keys.endpoint,
    toJSON: () => ({ endpoint: keys.endpoint, expirationTime: null, keys: { p256dh: keys.p256dh, auth: keys.auth } }),
    unsubscribe: async () => { localStorage.removeItem('test-push'); return true; },
  };
  PushManager.prototype.subscribe = async function (options) {
    const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    localStorage.setItem('test-push', JSON.stringify({ ...given, applicationServerKey: key }));
    return subscription(given);
  };
  PushManager.prototype.getSubscription = async function () { return subscription(stored()); };
})();
"""


def registration_id(context, page, origin: str) -> tuple:
    cdp = context.new_cdp_session(page)
    found = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    wait_for(lambda: page.evaluate("1") == 1 and [r for r in found if r["scopeURL"] == f"{origin}/"],
             "the service worker's registration")
    return cdp, next(r["registrationId"] for r in found if r["scopeURL"] == f"{origin}/" and not r["isDeleted"])

