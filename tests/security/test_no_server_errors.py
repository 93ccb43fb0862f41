"""No input produces a server error: property-based tests over every route of the app (taken from its url_map), for
every role, with hostile path segments, query strings, form fields and JSON bodies (tests/security/hostile.py).

The suite runs them derandomized (a fixed seed: the same examples every run) and bounded (EXAMPLES per route); the
long run is `benchmarks/hostile_input.py`, its last result in docs/benchmarks.md.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.security import hostile

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "12"))
ROLES = ("anonim", "anggota", "ketua", "moderator", "admin")
# Ends the session every later example relies on; its own behaviour is tested in tests/accounts/test_login.py.
SKIPPED = {"static", "accounts.logout"}


def bounded(examples: int = EXAMPLES):
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def routes(app, method: str) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if method in rule.methods and rule.endpoint not in SKIPPED})


def no_server_error(response, what: str) -> None:
    try:
        body = response.get_data(as_text=True)
    finally:
        response.close()  # a file sent whole (the manifest) is closed by the response, as a server would
    assert response.status_code < 500, f"{what} → {response.status_code}: {body[:300]}"


def test_every_page_and_api_read_survives_hostile_paths_and_query_strings(app, everyone):
    rules = routes(app, "GET")
    assert {"/", "/berita/<int:item_id>", "/moderasi", "/moderasi/dasbor", "/api/v1/items", "/aduan/<kode>"} <= set(
        rules
    )
    for rule in rules:
        @given(path=hostile.paths_for(rule), query=st.one_of(st.just(""), hostile.query_strings()))
        @bounded()
        def survives(path, query):
            url = f"{path}?{query}" if query else path
            for role in ROLES:
                no_server_error(everyone[role].get(url), f"GET {url} as {role}")

        survives()


def test_every_form_survives_hostile_fields(app, everyone):
    rules = [rule for rule in routes(app, "POST") if not rule.startswith("/api/")]
    assert {"/moderasi/massal", "/moderasi/item/<int:item_id>", "/admin/pengguna", "/kim/anggota"} <= set(rules)
    for rule in rules:
        @given(path=hostile.paths_for(rule), fields=hostile.forms())
        @bounded()
        def survives(path, fields):
            for role in ROLES:
                person = everyone[role]
                data = MultiDict([*fields, ("csrf_token", person.csrf)])
                no_server_error(person.client.post(path, data=data), f"POST {path} {fields!r} as {role}")

        survives()


VALID_BODIES = {
    "/api/v1/items": lambda make: make(),
    "/api/v1/items/{uuid}/revisions": lambda make: {
        "revision": 2, "author_id": make()["author_id"], "captured_at": "2026-11-28T01:00:00Z",
        "kategori": "pertanian", "judul": "Judul", "isi": "Isi",
    },
    "/api/v1/push/subscriptions": lambda make: {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": {"p256dh": "x", "auth": "y"},
    },
}


def test_every_json_operation_survives_hostile_bodies(app, everyone, berita):
    item_uuid = berita()["uuid"]
    everyone["anggota"].send({**berita(), "uuid": item_uuid})
    for template, make_valid in VALID_BODIES.items():
        send_hostile_bodies(everyone["anggota"], template.format(uuid=item_uuid), make_valid(berita))


def send_hostile_bodies(member, path: str, valid: dict) -> None:
    @given(body=hostile.hostile_bodies(valid))
    @bounded(3 * EXAMPLES)
    def survives(body):
        response = member.client.post(path, data=body, content_type="application/json",
                                      headers={"X-CSRFToken": member.csrf})
        no_server_error(response, f"POST {path} {body[:200]!r}")
        if response.status_code >= 400:
            assert response.content_type == "application/problem+json"

    survives()


@pytest.mark.parametrize("role", ROLES)
def test_photo_upload_header_survives_hostile_offsets(everyone, role):
    person = everyone[role]

    @given(offset=hostile.url_values(), photo=st.sampled_from(["00000000-0000-0000-0000-000000000000", "x"]))
    @bounded()
    def survives(offset, photo):
        response = person.client.put(f"/api/v1/photos/{photo}/content", data=b"abc",
                                     headers={"X-CSRFToken": person.csrf or "", "Upload-Offset": offset,
                                              "Content-Type": "application/octet-stream"})
        no_server_error(response, f"PUT offset {offset!r}")

    survives()


# Request headers a client controls, and values no browser sends: NUL, bytes that are no UTF-8, sizes past any field,
# numbers past any column, malformed ranges, dates and validators.
HEADER_NAMES = [
    "Accept-Encoding", "If-None-Match", "If-Modified-Since", "If-Match", "If-Range", "Range", "Accept-Language",
    "Accept", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Origin", "Referer", "Content-Type",
    "X-CSRFToken", "Authorization", "User-Agent", "Upload-Offset", "Cookie",
]
HEADER_VALUES = [
    "\x00", "a\x00b", "\xff\xfe\xc3", "x" * 9000, "*", 'W/"', '"', "bytes=0-", "bytes=99999999999999999999-",
    "bytes=5-1", "gzip;q=NaN, br;q=-1", "Mon, 99 Foo 9999 99:99:99 GMT", "-1", "9" * 40, "Basic \x00",
    "application/json; charset=\x00", "multipart/form-data; boundary=", "session=\x00; remember_token=1|\x00",
]
SAMPLE_PATHS = [
    "/", "/app", "/api/v1/me", "/api/v1/items?since=x", "/moderasi", "/kabupaten/53.04", "/sw.js", "/healthz",
    "/cari?q=desa", "/masuk", "/pengumuman", "/berita/1", "/static/css/app.css", "/feed.atom",
]


@pytest.mark.parametrize("role", ROLES)
def test_hostile_request_headers_and_cookies_are_no_server_error(everyone, role):
    person = everyone[role]

    @given(path=st.sampled_from(SAMPLE_PATHS), header=st.sampled_from(HEADER_NAMES),
           value=st.sampled_from(HEADER_VALUES), write=st.booleans())
    @bounded(6 * EXAMPLES)
    def survives(path, header, value, write):
        if write:
            response = person.client.post("/api/v1/items", data=b"{}", headers={
                "Content-Type": "application/json", "X-CSRFToken": person.csrf or "", header: value})
        else:
            response = person.client.get(path, headers={header: value})
        no_server_error(response, f"{'POST /api/v1/items' if write else 'GET ' + path} with {header}: {value[:40]!r}")

    survives()
