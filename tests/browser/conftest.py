"""Fixtures of the daily-use browser tests: a 360×640 phone (the smallest screen we design for) with the member
signed in and the service worker in control, and a way to wait on it without a clock."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.phone import PHONE, SLOW_MS, wait_until_controlled
from tests.browser.phone import sign_in as sign_in_as

# The smallest screen we design for; otherwise the same phone as every browser test (browser/phone.py).
SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 640}}
SLOW = SLOW_MS



@pytest.fixture
def small_phone(browser):
    """Returns open(username=None, path='/app') -> (context, page) at 360×640; signed in when a username is given, and
    with the app installed (service worker in control). Contexts are closed after the test."""
    contexts = []

    def open_phone(username: str | None = None, base_url: str = "", path: str = "/app"):
        context = browser.new_context(**SMALL_PHONE)
        contexts.append(context)
        page = context.new_page()
        if username:
            sign_in_as(page, base_url, username, path)
            if path == "/app":
                wait_until_controlled(page)
                expect(page.locator("#who")).to_contain_text("Masuk sebagai", timeout=SLOW)
        return context, page

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in():
    return sign_in_as


@pytest.fixture
def later_modules_cached():
    """Waits until the service worker has cached the modules the app loads on demand (LATER_FILES)."""
    def wait(page) -> None:
        page.evaluate(
            """async (timeout) => {
                const end = Date.now() + timeout;
                while (Date.now() < end) {
                    for (const name of await caches.keys()) {
                        const cache = await caches.open(name);
                        // under its version's URL, /static/v/<version>/js/later/drafts.js (sync/shell.py)
                        const keys = await cache.keys();
                        if (keys.some((request) => request.url.endsWith('/js/later/drafts.js'))) return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                throw new Error('the later modules were never cached');
            }""",
            SLOW,
        )

    return wait
