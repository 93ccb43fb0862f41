"""Fixtures of the security tests: a copy of a device's cookie, as someone who handled a shared phone would have
taken it; and for the hostile-input tests, one person per role, signed in, and a few items so that ids 1 and 2
exist."""
from __future__ import annotations

import re

import pytest
import requests

from tests.browser.phone import PHONE, capture_berita, sign_in, wait_until_controlled
from tests.helpers import PASSWORD, Person


class CopiedCookie(Person):
    """Someone replaying the cookies copied off a device (and its CSRF token): every request carries exactly the
    copied values again, whatever the server answered before — as a script with the stolen string would."""

    def __init__(self, client, cookies: dict[str, str], csrf: str | None):
        super().__init__(client)
        self.cookies = cookies
        self.csrf = csrf

    def _replay(self):
        for name, value in self.cookies.items():
            self.client.set_cookie(name, value)

    def get(self, path: str, **kwargs):
        self._replay()
        return super().get(path, **kwargs)

    def post_json(self, path: str, body, **kwargs):
        self._replay()
        return super().post_json(path, body, **kwargs)


@pytest.fixture
def copy_of(app):
    """A second client replaying exactly the cookies `person`'s client holds now (and its CSRF token)."""

    def copy(person: Person, on_app=None) -> CopiedCookie:
        cookies = {}
        for name in ("session", "remember_token"):
            cookie = person.client.get_cookie(name)
            if cookie is not None:
                cookies[name] = cookie.value
        return CopiedCookie((on_app or app).test_client(), cookies, person.csrf)

    return copy


@pytest.fixture
def page_form(app):
    """POST a page's form as a person does: with the CSRF token of the page it is on."""

    def post(person: Person, page: str, action: str, data: dict | None = None):
        html = person.get(page).get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
        return person.client.post(action, data={**(data or {}), "csrf_token": token})

    return post


@pytest.fixture
def publish(app, member, moderator):
    """Send a body as `sender` (the demo member by default) and approve it as the Belu moderator; returns the
    item's id."""
    import uuid

    from sqlalchemy import select

    from kim_app.extensions import db
    from kim_app.items.models import Item

    def send_and_approve(body: dict, sender: Person | None = None) -> int:
        (sender or member).send(body)
        with app.app_context():
            item_id = db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))
            db.session.remove()
        moderator.decide(item_id, "setujui")
        return item_id

    return send_and_approve


# --- The phone in Chromium (browser fixtures: tests/conftest.py) -----------------------------------------------------



class PhoneApp:
    """The member app on a phone: sign in, capture a berita, read an item's state. Waits on conditions only."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url

    def open(self, username: str):
        context = self.browser.new_context(**PHONE)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        self.sign_in(page, username)
        wait_until_controlled(page)
        return context, page

    def sign_in(self, page, username: str) -> None:
        sign_in(page, self.base_url, username)

    capture_berita = staticmethod(capture_berita)

    @staticmethod
    def item_state(page, title: str):
        return page.locator("#mine li[data-uuid]", has_text=title).locator("[data-state]")


@pytest.fixture
def phone(browser, live_server) -> PhoneApp:
    return PhoneApp(browser, live_server.url)


@pytest.fixture
def authors(app):
    """judul -> username of the account the server filed each item under."""
    from sqlalchemy import select

    from kim_app.accounts.models import User
    from kim_app.extensions import db
    from kim_app.items.models import Item

    def read() -> dict[str, str]:
        with app.app_context():
            rows = db.session.execute(select(Item.judul, User.username).join(User, Item.author_id == User.id))
            result = dict(rows.all())
            db.session.remove()
        return result

    return read


@pytest.fixture
def everyone(make_person, make_ketua, member, berita, aduan, send_item):
    """{role: Person}, with an anonymous visitor holding a CSRF token from the sign-in page; a berita (id 1) and an
    aduan (id 2) are in the queue."""
    send_item(member, berita())
    send_item(member, aduan())
    anonim = make_person()
    page = anonim.get("/masuk").get_data(as_text=True)
    anonim.csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return {
        "anonim": anonim,
        "anggota": member,
        "ketua": make_person(make_ketua()),
        "moderator": make_person("moderator"),
        "admin": make_person("admin"),
    }


@pytest.fixture
def http_as(live_server):
    """A requests session signed in through the login form of the live server, carrying X-CSRFToken like the phone."""
    opened = []

    def sign_in(username: str) -> requests.Session:
        http = requests.Session()
        opened.append(http)
        page = http.get(f"{live_server.url}/masuk", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        http.post(f"{live_server.url}/masuk", data={"username": username, "password": PASSWORD, "csrf_token": token},
                  allow_redirects=False, timeout=10)
        me = http.get(f"{live_server.url}/api/v1/me", timeout=10).json()
        http.headers["X-CSRFToken"] = me["csrf_token"]
        http.me = me
        return http

    yield sign_in
    for http in opened:
        http.close()
