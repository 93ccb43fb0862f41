"""Fixtures of the daily-use browser tests: a 360×640 phone (the smallest screen we design for) with the member
signed in and the service worker in control, and a way to wait on it without a clock."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

SMALL_PHONE = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Makassar",
}
SLOW = 30_000


def _sign_in(page, base_url: str, username: str, next_path: str = "/app") -> None:
    page.goto(f"{base_url}/masuk?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", "demo12345")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"**{next_path}")


def _controlled(page) -> None:
    # evaluate(), not wait_for_function: the app's CSP refuses the string predicate the latter runs.
    page.evaluate(
        """timeout => new Promise((resolve, reject) => {
            if (navigator.serviceWorker.controller) return resolve();
            navigator.serviceWorker.addEventListener('controllerchange', () => resolve());
            setTimeout(() => reject(new Error('the service worker never took control')), timeout);
        })""",
        SLOW,
    )


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
            _sign_in(page, base_url, username, path)
            if path == "/app":
                _controlled(page)
                expect(page.locator("#who")).to_contain_text("Masuk sebagai", timeout=SLOW)
        return context, page

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in():
    return _sign_in


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
                        if (await cache.match('/static/js/later/drafts.js')) return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                throw new Error('the later modules were never cached');
            }""",
            SLOW,
        )

    return wait
