"""Fixtures of the daily-use browser tests: a 360×640 phone (the smallest screen we design for) with the member
signed in and the service worker in control, and a way to wait on it without a clock."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.phone import PHONE, SLOW_MS, wait_until_controlled, wait_until_later_kept
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
                wait_until_later_kept(page)
        return context, page

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in():
    return sign_in_as


@pytest.fixture
def later_modules_cached():
    """Waits until the service worker has kept the files the app loads on demand (LATER_FILES): for a page opened
    without `small_phone`, or after a reload that may have brought a new worker."""
    return wait_until_later_kept
