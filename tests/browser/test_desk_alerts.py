"""The desk's push setting in Chromium: the moderator turns on "Beri tahu saya … saat ada kiriman baru"; the page has
the browser subscribe (permission, service worker, the server's key) and registers it for the moderator; an item
entering the Belu queue then reaches this browser through the real pipeline — encrypted by the server, received and
decrypted by our push service (tests/notifications/pushservice.py), handed to the service worker through the DevTools
protocol — as the notification "1 kiriman baru menunggu moderasi".

Debian's Chromium has no push service of its own: PushManager is answered by a stand-in giving a subscription at our
push service; everything else is the browser's and the app's own.
"""
from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.extensions import db
from kim_app.notifications import queue as delivery_queue
from kim_app.notifications.models import Delivery
from tests.browser.phone import PUSH_STAND_IN, SLOW_MS, registration_id, subscribed
from tests.notifications.pushservice import (
    Browser,
    b64url,
    push_service,  # noqa: F401 — a fixture, for this test
)

pytestmark = pytest.mark.browser







def test_the_moderator_turns_on_pushes_and_hears_of_a_new_item(app, browser, live_server, push_service,  # noqa: F811
                                                               member, berita, send_item):
    keys = Browser()
    endpoint = push_service.endpoint(f"desk-{uuid.uuid4().hex[:8]}")
    context = browser.new_context(permissions=["notifications"])
    context.add_init_script(PUSH_STAND_IN % json.dumps(
        {"endpoint": endpoint, "p256dh": b64url(keys.public_bytes), "auth": b64url(keys.auth)}))
    page = context.new_page()
    page.goto(f"{live_server.url}/masuk?next=/moderasi")
    page.fill("#username", "moderator")
    page.fill("#password", "demo12345")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/moderasi")

    page.get_by_role("button", name="Beri tahu saya di peramban ini saat ada kiriman baru").click()
    expect(page.get_by_role("button", name="Matikan pemberitahuan kiriman baru")).to_be_visible(timeout=SLOW_MS)
    assert subscribed(app) == ["moderator"]

    send_item(member, berita(judul="Judul yang tidak tampil di pemberitahuan"))
    with app.app_context():
        (delivery_id,) = db.session.scalars(select(Delivery.id).where(Delivery.kind == "antrean")).all()
        assert delivery_queue.deliver(delivery_id) == "sent"
    (request,) = push_service.wait_for(1)

    cdp, registration = registration_id(context, page, live_server.url)
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": live_server.url, "registrationId": registration, "data": keys.decrypt(request.body).decode(),
    })
    shown = page.evaluate("""async (timeout) => {
        const registration = await navigator.serviceWorker.ready;
        for (const end = Date.now() + timeout; Date.now() < end;) {
            const found = await registration.getNotifications();
            if (found.length) return found.map((n) => ({ title: n.title, body: n.body, url: n.data.url }));
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return [];
    }""", SLOW_MS)
    assert shown == [{"title": "Antrean moderasi", "body": "1 kiriman baru menunggu moderasi.", "url": "/moderasi"}]
    context.close()
