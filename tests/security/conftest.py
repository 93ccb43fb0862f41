"""Fixtures of the hostile-input tests: one person per role, signed in, and a few items so that ids 1 and 2 exist."""
from __future__ import annotations

import re

import pytest


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
