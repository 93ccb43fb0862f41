"""A forgotten password: a ketua resets a member of their own group, the admin anyone; the temporary password is
shown once, signs in once more and then must be replaced; the account's sessions end; resets are braked and recorded
on the admin's account page."""
import re

import pytest
from sqlalchemy import select

from kim_app.accounts.models import AccountEvent
from kim_app.accounts.services import TEMPORARY_WORDS, find_user, temporary_password
from kim_app.config import Config
from kim_app.extensions import db, limiter
from tests.helpers import PASSWORD

NEW_PASSWORD = "kabuna-baru-2026"


def temporary_from(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.search(r'id="kata-sandi-sementara">([^<]+)<', response.get_data(as_text=True)).group(1)


def sign_in(client, username: str, password: str):
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/masuk", data={"username": username, "password": password, "csrf_token": token})


def reset(person, user_id: int, typed: str = "", page: str | None = None):
    """Press "Reset kata sandi" as the ketua (members page) or the admin (the account's page) does."""
    if page is None:
        page = "/kim/anggota" if person.me.get("role") == "anggota" else f"/admin/pengguna/{user_id}"
    action = f"/kim/anggota/{user_id}/kata-sandi" if page == "/kim/anggota" else f"/admin/pengguna/{user_id}/kata-sandi"
    return person.client.post(action, data={"csrf_token": person.form_token(page), "password": typed})


def choose(person, new: str, repeat: str | None = None):
    token = person.form_token("/akun/sandi-baru")
    return person.client.post("/akun/sandi-baru", data={"csrf_token": token, "new": new,
                                                        "repeat": new if repeat is None else repeat})


def events(app, username: str) -> list[tuple[str, str | None]]:
    with app.app_context():
        account = find_user(username)
        rows = db.session.scalars(select(AccountEvent).where(AccountEvent.account_id == account.id)
                                  .order_by(AccountEvent.id)).all()
        found = [(row.action, row.actor.username if row.actor else None) for row in rows]
        db.session.remove()
    return found


@pytest.fixture
def ketua(make_person, make_ketua):
    return make_person(make_ketua())


def test_temporary_passwords_can_be_read_aloud():
    for _ in range(200):
        password = temporary_password()
        assert len(password) >= 10
        words, digits = re.fullmatch(r"([a-z]+)(\d{4})", password).groups()
        assert any(words.startswith(word) and words[len(word):] in TEMPORARY_WORDS for word in TEMPORARY_WORDS)
    assert len({temporary_password() for _ in range(50)}) > 45


def test_ketua_resets_a_member_who_is_signed_out_everywhere(app, ketua, member, people):
    assert member.get("/api/v1/me").status_code == 200
    response = reset(ketua, people.anggota)
    temporary = temporary_from(response)
    assert "hanya ditampilkan sekali" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"].startswith("private, no-store")
    # The member's phone is signed out; the old password no longer works, the temporary one does.
    assert member.get("/api/v1/me").status_code == 401
    assert sign_in(member.client, "anggota", PASSWORD).status_code == 200
    assert events(app, "anggota") == [("reset_sandi", "ketua")]
    # Shown once: the members page afterwards does not carry it.
    assert temporary not in ketua.get("/kim/anggota").get_data(as_text=True)


def test_the_temporary_password_leads_only_to_choosing_a_new_one(app, ketua, make_person, people, berita):
    temporary = temporary_from(reset(ketua, people.anggota))
    phone = make_person()
    signed_in = sign_in(phone.client, "anggota", temporary)
    assert signed_in.headers["Location"].startswith("/akun/sandi-baru")

    # Pages lead there; the API says so in a problem document the phone recognises, and nothing is stored.
    assert phone.get("/akun/kata-sandi").headers["Location"].startswith("/akun/sandi-baru")
    me = phone.get("/api/v1/me")
    assert me.status_code == 403
    assert me.json["type"] == "urn:kim:problem:password-change-required"
    assert "kata sandi baru" in me.json["detail"].lower()
    phone.csrf = me.json["csrf_token"]
    sent = phone.send(berita())
    assert sent.status_code == 403 and sent.json["type"] == "urn:kim:problem:password-change-required"
    assert phone.get("/api/v1/items").status_code == 403
    page = phone.get("/akun/sandi-baru").get_data(as_text=True)
    assert "Buat kata sandi baru" in page and "Aplikasi anggota" not in page  # no menu to pages that are closed

    # Not the temporary one again, not a mismatch, not too short: said in Indonesian, nothing changes.
    for new, repeat, message in ((temporary, temporary, "berbeda dari kata sandi sementara"),
                                 (NEW_PASSWORD, "lain-sekali-123", "tidak sama"),
                                 ("pendek", "pendek", "paling sedikit 8")):
        refused = choose(phone, new, repeat)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert phone.get("/api/v1/me").status_code == 403

    chosen = choose(phone, NEW_PASSWORD)
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/app"
    me = phone.get("/api/v1/me")
    assert me.status_code == 200
    phone.csrf = me.json["csrf_token"]
    assert phone.send(berita()).status_code == 201
    # The temporary password worked once; now only the new one does.
    assert sign_in(make_person().client, "anggota", temporary).status_code == 200
    make_person().login("anggota", NEW_PASSWORD)
    assert events(app, "anggota") == [("reset_sandi", "ketua"), ("sandi_baru", "anggota")]


def test_choosing_a_new_password_ends_the_other_sessions_of_the_account(app, ketua, make_person, people):
    temporary = temporary_from(reset(ketua, people.anggota))
    laptop = make_person().login("anggota", temporary)
    phone = make_person().login("anggota", temporary)
    assert choose(phone, NEW_PASSWORD).status_code == 302
    assert phone.get("/api/v1/me").status_code == 200
    assert laptop.get("/api/v1/me").status_code == 401


def test_ketua_may_type_the_temporary_password(app, ketua, make_person, people):
    assert temporary_from(reset(ketua, people.anggota, typed="sapi-merah-77")) == "sapi-merah-77"
    make_person().login("anggota", "sapi-merah-77")
    short = reset(ketua, people.anggota, typed="pendek")
    assert short.status_code == 302
    assert "paling sedikit 8" in ketua.get("/kim/anggota").get_data(as_text=True)


def test_ketua_resets_only_plain_members_of_their_own_group(app, ketua, make_ketua, people):
    other_group = reset(ketua, people.anggota_lain)
    missing = reset(ketua, 999999)
    assert other_group.status_code == missing.status_code == 404
    for user_id in (people.moderator, people.admin):
        assert reset(ketua, user_id).status_code == 404
    make_ketua("ketua2")
    with app.app_context():
        second_ketua = find_user("ketua2").id
        own = find_user("ketua").id
    refused = reset(ketua, second_ketua)
    assert refused.status_code == 302
    assert "hanya dapat direset oleh admin" in ketua.get("/kim/anggota").get_data(as_text=True)
    assert reset(ketua, own).status_code == 404  # not among the members a ketua manages
    for username in ("anggota2", "moderator", "admin", "ketua2", "ketua"):
        assert events(app, username) == []


def test_admin_resets_any_account_but_their_own(app, make_person, people):
    admin = make_person("admin")
    temporary = temporary_from(reset(admin, people.moderator))
    assert make_person().login("moderator", temporary).get("/moderasi").headers["Location"].startswith(
        "/akun/sandi-baru")
    assert reset(admin, people.admin).status_code == 302
    assert "diganti di halaman Ganti kata sandi" in admin.get(f"/admin/pengguna/{people.admin}").get_data(
        as_text=True)
    assert events(app, "admin") == []
    assert events(app, "moderator") == [("reset_sandi", "admin")]


def test_the_admin_sees_who_reset_whose_password_and_when(app, ketua, make_person, people):
    reset(ketua, people.anggota)
    admin = make_person("admin")
    page = admin.get(f"/admin/pengguna/{people.anggota}").get_data(as_text=True)
    assert "Kata sandi direset" in page
    assert "Ketua Kabuna (ketua)" in page
    assert "WITA" in page and "kata sandi sementara" in page
    assert f"/admin/pengguna/{people.anggota}" in admin.get("/admin").get_data(as_text=True)


@pytest.fixture
def reset_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT", Config.PASSWORD_RESET_RATE_LIMIT)
    limiter.reset()
    yield
    limiter.reset()


def test_resets_are_braked_per_account_doing_them(app, ketua, make_person, people, reset_limited):
    limit = int(Config.PASSWORD_RESET_RATE_LIMIT.split()[0])
    for _ in range(limit):
        assert reset(ketua, people.anggota).status_code == 200
    blocked = reset(ketua, people.anggota)
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.get_data(as_text=True)
    assert len(events(app, "anggota")) == limit
    # The admin's own count is another.
    assert reset(make_person("admin"), people.anggota).status_code == 200
