"""The member app while it is open: a moderator's verdict appears by itself, without a reload — with the periodic
pull (its interval set short here through LIVE_PULL_SECONDS, the shell's data-live-seconds) and, with a long
interval, at once when a push reaches the service worker (handed over through the DevTools protocol). The header
counts the news ("1 kabar baru") and so does the installed app's icon (the Badging API), until the member looks.

Every wait is on a condition (Playwright's expect, or a promise inside the page), never on a clock.
"""
from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Item
from tests.browser.phone import PHONE, SLOW_MS

pytestmark = pytest.mark.browser

PASSWORD = "demo12345"
JUDUL = "Jembatan gantung Dusun Tiga selesai diperbaiki"

# The app's calls of the Badging API, recorded (and passed on to the browser's own where it has one).
BADGES = """
(() => {
  window.kimBadges = [];
  const real = { set: Navigator.prototype.setAppBadge, clear: Navigator.prototype.clearAppBadge };
  Navigator.prototype.setAppBadge = function (count) {
    window.kimBadges.push(count);
    return real.set ? real.set.call(this, count).catch(() => {}) : Promise.resolve();
  };
  Navigator.prototype.clearAppBadge = function () {
    window.kimBadges.push(0);
    return real.clear ? real.clear.call(this).catch(() => {}) : Promise.resolve();
  };
})();
"""


def member_app_with_an_item(browser, base_url: str):
    context = browser.new_context(**PHONE)
    context.add_init_script(BADGES)
    page = context.new_page()
    page.goto(f"{base_url}/masuk?next=/app")
    page.fill("#username", "anggota")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/app")
    page.evaluate("""timeout => new Promise((resolve, reject) => {
        if (navigator.serviceWorker.controller) return resolve();
        navigator.serviceWorker.addEventListener('controllerchange', () => resolve());
        setTimeout(() => reject(new Error('the service worker never took control')), timeout);
    })""", SLOW_MS)
    page.select_option("#berita-kategori", "sosial")
    page.fill("#berita-judul", JUDUL)
    page.fill("#berita-isi", "Warga bergotong royong mengganti papan jembatan.")
    page.get_by_role("button", name="Simpan berita").click()
    expect(state_of(page)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    expect(page.locator("#kabar")).to_be_hidden()
    # A mark that a reload would wipe out.
    page.evaluate("window.kimSamePage = true")
    return context, page


def state_of(page):
    return page.locator("#mine li[data-uuid]", has_text=JUDUL).locator("[data-state]")


def item_id(app) -> tuple[int, str]:
    with app.app_context():
        found = db.session.execute(select(Item.id, Item.client_uuid).where(Item.judul == JUDUL)).one()
        db.session.remove()
    return found[0], str(found[1])


def test_a_verdict_appears_on_the_open_app_within_the_interval_and_is_counted_until_seen(
        app, browser, live_server, moderator, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_PULL_SECONDS", 2)
    context, page = member_app_with_an_item(browser, live_server.url)
    expect(page.locator("body")).to_have_attribute("data-live-seconds", "2")

    number, _ = item_id(app)
    assert moderator.decide(number, "tolak", "Foto jembatan kurang jelas").status_code == 302

    expect(state_of(page)).to_have_attribute("data-state", "ditolak", timeout=15_000)
    expect(state_of(page)).to_have_text("Ditolak: Foto jembatan kurang jelas")
    expect(page.locator("#kabar")).to_have_text("1 kabar baru")
    assert page.evaluate("window.kimSamePage") is True, "shown without a reload"
    assert page.evaluate("window.kimBadges.at(-1)") == 1

    page.locator("#kabar").click()
    expect(page.locator("#kabar")).to_be_hidden()
    assert page.evaluate("window.kimBadges.at(-1)") == 0
    # Looked at: a reload does not bring the count back.
    page.reload()
    expect(state_of(page)).to_have_attribute("data-state", "ditolak")
    expect(page.locator("#kabar")).to_be_hidden()
    context.close()


def registration_id(context, page, origin: str):
    cdp = context.new_cdp_session(page)
    found = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: found.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + SLOW_MS / 1000
    while not [r for r in found if r["scopeURL"] == f"{origin}/" and not r["isDeleted"]]:
        assert time.monotonic() < deadline, "the service worker's registration"
        page.evaluate("1")  # lets the CDP session's events arrive
    return cdp, next(r["registrationId"] for r in found if r["scopeURL"] == f"{origin}/" and not r["isDeleted"])


def test_a_push_makes_the_open_app_pull_at_once(app, browser, live_server, moderator, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_PULL_SECONDS", 600)  # no periodic pull within this test
    context, page = member_app_with_an_item(browser, live_server.url)
    context.grant_permissions(["notifications"])
    number, item_uuid = item_id(app)
    assert moderator.decide(number, "setujui").status_code == 302

    cdp, registration = registration_id(context, page, live_server.url)
    message = {"title": "Kiriman Anda disetujui", "body": "Berita Anda sudah disetujui moderator.",
               "url": f"/app#item={item_uuid}", "tag": f"item-{item_uuid}"}
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": live_server.url, "registrationId": registration, "data": json.dumps(message)})

    expect(state_of(page)).to_have_attribute("data-state", "disetujui", timeout=15_000)
    expect(page.locator("#kabar")).to_have_text("1 kabar baru")
    assert page.evaluate("window.kimSamePage") is True
    context.close()
