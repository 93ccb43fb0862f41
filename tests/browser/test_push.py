"""Push notifications in the member app, in Chromium: offered after the first item reached the server (never on first
open), the choice remembered; the server's real message — encrypted by the server, received and decrypted by our push
service (tests/notifications/pushservice.py) — handed to the service worker through the DevTools protocol
(`ServiceWorker.deliverPushMessage`), shown as a notification, and a tap opening the item; signing out ends it all.

Debian's Chromium has no push service of its own (it has no Google keys), so PushManager.subscribe is answered here by
a stand-in giving a subscription at our push service; everything else is the browser's and the app's own.
"""
from __future__ import annotations

import base64
import json
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.accounts.models import User
from kim_app.extensions import db
from kim_app.notifications import messages, services
from kim_app.notifications import queue as delivery_queue
from kim_app.notifications.models import Delivery, PushSubscription
from tests.browser.phone import (
    PHONE,
    PUSH_STAND_IN,
    SLOW_MS,
    capture_berita,
    item_state,
    registration_id,
    sign_in,
    wait_for,
    wait_until_controlled,
)
from tests.notifications.pushservice import (
    Browser,
    b64url,
    push_service,  # noqa: F401 — a fixture, for these tests
)

pytestmark = pytest.mark.browser



def phone_with_push(browser, push_service):  # noqa: F811
    keys = Browser()
    keys.endpoint = push_service.endpoint(f"hp-{uuid.uuid4().hex[:8]}")
    context = browser.new_context(**PHONE, permissions=["notifications"])
    given = {"endpoint": keys.endpoint, "p256dh": b64url(keys.public_bytes), "auth": b64url(keys.auth)}
    context.add_init_script(PUSH_STAND_IN % json.dumps(given))
    return context, keys


def subscribed(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(User.username, PushSubscription.endpoint).join(User, User.id == PushSubscription.account_id)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]



def sync_once(page) -> None:
    """Press "Kirim sekarang" and wait for that sync to end."""
    page.evaluate("""() => new Promise((resolve) => {
        const channel = new BroadcastChannel('kim-sync');
        channel.onmessage = (event) => { if (event.data.type === 'done') resolve(); };
        document.getElementById('send-now').click();
    })""")



def shown_notifications(page) -> list[dict]:
    return page.evaluate("""async (timeout) => {
        const registration = await navigator.serviceWorker.ready;
        for (const end = Date.now() + timeout; Date.now() < end;) {
            const shown = await registration.getNotifications();
            if (shown.length) return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url }));
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return [];
    }""", SLOW_MS)


def test_offered_after_the_first_item_then_a_verdict_shows_and_opens_the_item(app, browser, live_server, people,
                                                                                push_service):  # noqa: F811
    context, keys = phone_with_push(browser, push_service)
    page = context.new_page()
    sign_in(page, live_server.url, "anggota")
    wait_until_controlled(page)
    sync_once(page)
    expect(page.locator("#push-offer")).to_have_count(0)  # never on first open

    capture_berita(page, "Berita pertama")
    expect(item_state(page, "Berita pertama")).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    offer = page.locator("#push-offer")
    expect(offer).to_contain_text("Mau diberi tahu di HP ini saat moderator memeriksa kiriman Anda?", timeout=SLOW_MS)
    offer.get_by_role("button", name="Ya, beri tahu").click()
    wait_for(lambda: subscribed(app) == [("anggota", keys.endpoint)], "the phone's subscription on the server")
    stored = json.loads(page.evaluate("localStorage.getItem('test-push')"))
    assert b64url(base64.b64decode(stored["applicationServerKey"])) == app.config["VAPID_PUBLIC_KEY"]

    # The server's side: a verdict, pushed through the real pipeline to our push service.
    item = uuid.uuid4()
    with app.app_context():
        assert services.push_to_account(people.anggota, **messages.verdict(item, "Berita", "disetujui")) == 1
        db.session.commit()
        delivery_id = db.session.scalar(select(Delivery.id))
        assert delivery_queue.deliver(delivery_id) == "sent"
    (request,) = push_service.wait_for(1)

    # The phone's side: the push service hands the phone what it received; the service worker shows it.
    cdp, registration = registration_id(context, page, live_server.url)
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": live_server.url, "registrationId": registration, "data": keys.decrypt(request.body).decode(),
    })
    assert shown_notifications(page) == [{
        "title": "Kiriman Anda disetujui", "body": "Berita Anda sudah disetujui moderator.",
        "tag": f"item-{item}", "url": f"/app#item={item}",
    }]

    # A tap (the notificationclick the browser fires) opens the app at the item.
    (worker,) = context.service_workers
    worker.evaluate("""async () => {
        const [notification] = await self.registration.getNotifications();
        self.dispatchEvent(new NotificationEvent('notificationclick', { notification }));
    }""")
    page.wait_for_url(f"**/app#item={item}", timeout=SLOW_MS)
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length)") == 0

    # Signing out: the server forgets the phone and the browser's subscription ends.
    page.get_by_role("button", name="Keluar", exact=True).click()
    page.wait_for_url("**/masuk**")
    assert subscribed(app) == []
    assert page.evaluate("localStorage.getItem('test-push')") is None
    context.close()


def test_no_thanks_is_remembered_for_that_member(app, browser, live_server, push_service):  # noqa: F811
    context, _ = phone_with_push(browser, push_service)
    page = context.new_page()
    sign_in(page, live_server.url, "anggota")
    wait_until_controlled(page)
    capture_berita(page, "Berita satu")
    expect(item_state(page, "Berita satu")).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    page.locator("#push-offer").get_by_role("button", name="Tidak usah").click()
    expect(page.locator("#push-offer")).to_have_count(0)

    page.reload()
    wait_until_controlled(page)
    capture_berita(page, "Berita dua")
    expect(item_state(page, "Berita dua")).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    sync_once(page)
    expect(page.locator("#push-offer")).to_have_count(0)
    assert subscribed(app) == []
    context.close()
