"""A shared phone in Chromium: the first member said yes to notifications; their session ends without "Keluar" and a
second member signs in on the same phone. The phone ends the browser's subscription (the second member never said
yes), so the push service drops it; the page shows nothing of the first member's items and no news count of theirs.

Debian's Chromium has no push service of its own: PushManager is answered by a stand-in giving a subscription at our
push service (as tests/browser/test_push.py does); everything else is the browser's and the app's own.
"""
from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.phone import PHONE, PUSH_STAND_IN, SLOW_MS, end_session, subscribed, wait_for
from tests.notifications.pushservice import (
    Browser,
    b64url,
    push_service,  # noqa: F401 — a fixture, for this test
)

pytestmark = pytest.mark.browser


JUDUL = "Rapat dusun membahas air bersih"



def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/masuk?next=/app")
    page.fill("#username", username)
    page.fill("#password", "demo12345")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/app")




def test_the_second_member_on_the_phone_gets_nothing_of_the_first(app, browser, live_server, push_service):  # noqa: F811
    keys = Browser()
    endpoint = push_service.endpoint(f"hp-{uuid.uuid4().hex[:8]}")
    context = browser.new_context(**PHONE, permissions=["notifications"])
    context.add_init_script(PUSH_STAND_IN % json.dumps(
        {"endpoint": endpoint, "p256dh": b64url(keys.public_bytes), "auth": b64url(keys.auth)}))
    page = context.new_page()
    sign_in(page, live_server.url, "anggota")
    page.select_option("#berita-kategori", "sosial")
    page.fill("#berita-judul", JUDUL)
    page.fill("#berita-isi", "Warga dusun sepakat memperbaiki bak air.")
    page.get_by_role("button", name="Simpan berita").click()
    item = page.locator("#mine li[data-uuid]", has_text=JUDUL).locator("[data-state]")
    expect(item).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    page.locator("#push-offer").get_by_role("button", name="Ya, beri tahu").click()
    wait_for(lambda: subscribed(app) == ["anggota"], "the first member's subscription")

    end_session(context)  # the first member's session ends without "Keluar"
    sign_in(page, live_server.url, "anggota2")
    expect(page.locator("#who")).to_contain_text("anggota2", timeout=SLOW_MS)

    # The browser's subscription is ended on the phone (so the push service drops it: 410 for the next push, and the
    # server forgets it then); the page holds nothing of the first member.
    wait_for(lambda: page.evaluate("localStorage.getItem('test-push')") is None, "the subscription to end")
    expect(page.locator("#push-offer")).to_have_count(0)
    expect(page.get_by_text(JUDUL)).to_have_count(0)
    expect(page.locator("#kabar")).to_be_hidden()
    context.close()
