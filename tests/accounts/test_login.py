"""Signing in: one message for every failure (no account enumeration), safe redirects, and a brake on guessing."""
import re

import pytest

from kim_app.config import Config
from kim_app.extensions import limiter


def login_form(client):
    page = client.get("/masuk").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def attempt(client, username, password, **extra):
    return client.post(
        "/masuk", data={"username": username, "password": password, "csrf_token": login_form(client), **extra}
    )


def test_member_lands_in_the_app_and_moderator_at_the_desk(app):
    assert attempt(app.test_client(), "anggota", "demo12345").headers["Location"] == "/app"
    assert attempt(app.test_client(), "moderator", "demo12345").headers["Location"] == "/moderasi"


def test_unknown_account_and_wrong_password_look_the_same(app):
    wrong_password = attempt(app.test_client(), "anggota", "salah-sekali")
    unknown = attempt(app.test_client(), "tidak-ada", "salah-sekali")
    assert wrong_password.status_code == unknown.status_code == 200
    for response in (wrong_password, unknown):
        assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://contoh.example/", "//contoh.example/", "javascript:alert(1)"])
def test_login_never_redirects_off_site(app, target):
    response = attempt(app.test_client(), "anggota", "demo12345", next=target)
    assert response.headers["Location"] == "/app"


def test_login_returns_to_the_page_asked_for(app):
    response = attempt(app.test_client(), "moderator", "demo12345", next="/moderasi/item/1")
    assert response.headers["Location"] == "/moderasi/item/1"


@pytest.fixture
def rate_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_ACCOUNT", Config.LOGIN_RATE_LIMIT_ACCOUNT)
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_ADDRESS", Config.LOGIN_RATE_LIMIT_ADDRESS)
    limiter.reset()
    yield
    limiter.reset()


def test_repeated_failures_on_one_account_are_slowed_down_in_indonesian(app, rate_limited):
    client = app.test_client()
    for _ in range(5):
        assert attempt(client, "anggota", "tebakan-salah").status_code == 200
    blocked = attempt(client, "anggota", "demo12345")
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.get_data(as_text=True)
    # Another member behind the same address is not locked out by it.
    assert attempt(app.test_client(), "moderator", "demo12345").status_code == 302


def test_successful_logins_do_not_use_up_the_limit(app, rate_limited):
    for _ in range(8):
        assert attempt(app.test_client(), "anggota", "demo12345").status_code == 302


def age_session(client, **seconds_ago):
    """Move the session's clocks back in time, as if the phone had been away that long."""
    import time

    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = int(time.time()) - ago


DAY = 86400


def test_member_stays_signed_in_through_a_week_without_signal(member):
    age_session(member.client, seen_at=7 * DAY, signed_in_at=7 * DAY)
    assert member.get("/api/v1/me").status_code == 200


def test_member_session_ends_after_two_idle_weeks_and_the_phone_is_told(member, berita):
    age_session(member.client, seen_at=15 * DAY)
    response = member.send(berita())
    assert response.status_code in (400, 401)  # the CSRF secret went with the session
    me = member.get("/api/v1/me")
    assert me.status_code == 401
    assert me.json["type"] == "urn:kim:problem:unauthenticated"


def test_member_session_has_an_absolute_end(member):
    age_session(member.client, seen_at=0, signed_in_at=31 * DAY)
    assert member.get("/api/v1/me").status_code == 401


def test_moderator_session_ends_after_a_night_away(moderator):
    age_session(moderator.client, seen_at=9 * 3600)
    response = moderator.get("/moderasi")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_activity_keeps_a_session_alive(moderator):
    age_session(moderator.client, seen_at=7 * 3600)
    assert moderator.get("/moderasi").status_code == 200
    age_session(moderator.client, signed_in_at=7 * 3600)  # seen_at was renewed by the request above
    assert moderator.get("/moderasi").status_code == 200


def test_the_session_cookie_travels_again_only_when_the_session_changed(member, berita):
    # On 2G every answer's bytes count: a signed-in phone's sends and pulls carry no new cookie...
    assert "Set-Cookie" not in member.send(berita()).headers
    assert "Set-Cookie" not in member.get("/api/v1/items").headers
    # ...until the "last seen" mark moves, which also pushes the cookie's expiry forward.
    age_session(member.client, seen_at=10 * 60)
    renewed = member.get("/api/v1/items").headers.get("Set-Cookie", "")
    assert renewed.startswith("session=") and "Expires=" in renewed
