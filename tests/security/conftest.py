"""Helpers of the security regression tests: a copy of a device's cookie, as someone who handled a shared phone
would have taken it."""
from __future__ import annotations

import re

import pytest

from tests.conftest import Person


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
