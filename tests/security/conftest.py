"""Fixtures of the hostile-input tests: one person per role, signed in, and a few items so that ids 1 and 2 exist."""
from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import PASSWORD


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
