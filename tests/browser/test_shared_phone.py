"""One phone, a family: items wait for the person who captured them, signing out never loses them, and an expired
session stops sending without touching the outbox. Real Chromium against the real app (tests/conftest.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.items.models import Item
from tests.browser.phone import PHONE, SLOW_MS, capture_berita, end_session, item_state, sign_in, wait_until_controlled

pytestmark = pytest.mark.browser


def authors(app) -> dict[str, str]:
    """judul -> username of the account the server filed the item under."""
    with app.app_context():
        rows = db.session.execute(select(Item.judul, User.username).join(User, Item.author_id == User.id))
        result = dict(rows.all())
        db.session.remove()
    return result


def test_items_wait_for_their_own_author_on_a_shared_phone(app, browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url, "anggota")
    wait_until_controlled(page)

    # The server is out of reach for item sends: the berita of the first member stays on the phone.
    context.route("**/api/v1/items/batch", lambda route: route.fulfill(status=503))
    capture_berita(page, "Berita milik Yohanes")
    expect(item_state(page, "Berita milik Yohanes")).to_have_attribute("data-state", "tersimpan")

    # Signing out with an unsent item asks first (accepted above) and keeps the item.
    page.get_by_role("button", name="Keluar", exact=True).click()
    page.wait_for_url("**/masuk**")
    context.unroute("**/api/v1/items/batch")

    # A relative signs in on the same phone: the first member's berita is shown as waiting, never sent as theirs.
    sign_in(page, live_server.url, "anggota2")
    expect(page.locator("#others-summary")).to_contain_text("menunggu pemiliknya masuk")
    capture_berita(page, "Berita milik Fransiska")
    expect(item_state(page, "Berita milik Fransiska")).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    assert authors(app) == {"Berita milik Fransiska": "anggota2"}

    # The first member comes back: their berita goes by itself, under their own name.
    page.get_by_role("button", name="Keluar", exact=True).click()
    page.wait_for_url("**/masuk**")
    sign_in(page, live_server.url, "anggota")
    expect(item_state(page, "Berita milik Yohanes")).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    assert authors(app) == {"Berita milik Fransiska": "anggota2", "Berita milik Yohanes": "anggota"}
    context.close()


def test_expired_session_stops_sending_and_resumes_after_login(app, browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "anggota")
    wait_until_controlled(page)

    end_session(context)  # the session ends on the server's side of things
    capture_berita(page, "Berita saat sesi habis")
    expect(page.locator("#login-needed")).to_be_visible(timeout=SLOW_MS)
    expect(page.locator("#login-needed")).to_contain_text("Masuk lagi untuk mengirim")
    expect(item_state(page, "Berita saat sesi habis")).to_have_attribute("data-state", "tersimpan")
    assert authors(app) == {}

    page.locator("#login-needed").get_by_role("link", name="Masuk").click()
    page.fill("#username", "anggota")
    page.fill("#password", "demo12345")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/app")
    expect(item_state(page, "Berita saat sesi habis")).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    assert authors(app) == {"Berita saat sesi habis": "anggota"}
    context.close()
