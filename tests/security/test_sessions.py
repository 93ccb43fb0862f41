"""Finding 1: sessions end on the server. A cookie copied off a phone (a shared family phone, a phone lent out) is
worth nothing once its session ended — at sign-out, "keluar dari semua perangkat", deactivation, a password change
or the admin's "akhiri semua sesi" — on /api/v1/me and on item create alike, and on every app instance."""
from __future__ import annotations

from flask_login.utils import encode_cookie
from sqlalchemy import func, select

from kim_app import create_app
from kim_app.extensions import db
from kim_app.items.models import Item
from tests.security.conftest import CopiedCookie


def item_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Item))
        db.session.remove()
    return count


def assert_locked_out(app, device, berita) -> None:
    """/api/v1/me says 401 and a create stores nothing. A copied cookie replayed gets 401 on the create too; the
    device itself, whose cookie the 401 already cleared, meets the CSRF check first (400) — refused either way."""
    assert device.get("/api/v1/me").status_code == 401
    before = item_count(app)
    response = device.send(berita())
    if isinstance(device, CopiedCookie):
        assert response.status_code == 401
        assert response.json["type"] == "urn:kim:problem:unauthenticated"
    else:
        assert response.status_code in (400, 401)
    assert item_count(app) == before


def test_copied_cookie_is_refused_after_logout(app, member, copy_of, berita):
    thief = copy_of(member)
    assert thief.get("/api/v1/me").status_code == 200  # the copy works while the session lasts
    answer = member.client.post("/keluar", headers={"X-CSRFToken": member.csrf, "Accept": "application/json"})
    assert answer.status_code == 200
    assert_locked_out(app, thief, berita)


def test_copied_cookie_is_refused_after_logout_from_the_page(app, moderator, copy_of, page_form):
    thief = copy_of(moderator)
    assert page_form(moderator, "/moderasi", "/keluar").status_code == 302
    assert thief.get("/moderasi").status_code == 302  # sent to sign in
    assert thief.get("/api/v1/me").status_code == 401


def test_logout_on_one_phone_leaves_the_others_signed_in(member, make_person, copy_of):
    other_phone = make_person("anggota")
    member.client.post("/keluar", headers={"X-CSRFToken": member.csrf, "Accept": "application/json"})
    assert other_phone.get("/api/v1/me").status_code == 200


def test_keluar_dari_semua_perangkat_ends_every_session_of_the_account(app, member, make_person, copy_of, berita):
    other_phone = make_person("anggota")
    someone_else = make_person("anggota2")
    thief = copy_of(member)
    answer = member.client.delete("/api/v1/me/sessions", headers={"X-CSRFToken": member.csrf})
    assert answer.status_code == 200 and answer.json == {"ended": 2}
    for device in (member, other_phone, thief):
        assert_locked_out(app, device, berita)
    assert someone_else.get("/api/v1/me").status_code == 200
    # Signing in again works as always.
    assert make_person("anggota").get("/api/v1/me").status_code == 200


def test_keluar_dari_semua_perangkat_from_the_account_page(moderator, make_person, copy_of, page_form):
    laptop = make_person("moderator")
    thief = copy_of(moderator)
    response = page_form(moderator, "/akun/kata-sandi", "/keluar/semua")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    for device in (moderator, laptop, thief):
        assert device.get("/api/v1/me").status_code == 401


def test_ending_all_sessions_needs_a_session_and_a_csrf_token(member, app):
    from tests.helpers import Person

    assert Person(app.test_client()).client.delete("/api/v1/me/sessions").status_code in (400, 401)
    assert member.client.delete("/api/v1/me/sessions").status_code == 400  # no X-CSRFToken
    assert member.get("/api/v1/me").status_code == 200


def test_copied_cookie_stays_dead_after_deactivation_and_reactivation(app, member, make_person, copy_of, page_form,
                                                                       people, berita):
    thief = copy_of(member)
    admin = make_person("admin")
    assert page_form(admin, "/admin", f"/admin/pengguna/{people.anggota}/status", {"aktif": "0"}).status_code == 302
    assert_locked_out(app, thief, berita)
    assert page_form(admin, "/admin", f"/admin/pengguna/{people.anggota}/status", {"aktif": "1"}).status_code == 302
    # Reactivated, the account signs in afresh; the sessions that were open before stay ended.
    assert_locked_out(app, thief, berita)
    assert_locked_out(app, member, berita)
    assert make_person("anggota").get("/api/v1/me").status_code == 200


def test_ketua_deactivating_a_member_ends_their_sessions(app, make_person, make_ketua, copy_of, page_form, people,
                                                         berita):
    ketua = make_person(make_ketua())
    member = make_person("anggota")
    thief = copy_of(member)
    response = page_form(ketua, "/kim/anggota", f"/kim/anggota/{people.anggota}/status", {"aktif": "0"})
    assert response.status_code == 302
    assert_locked_out(app, thief, berita)
    response = page_form(ketua, "/kim/anggota", f"/kim/anggota/{people.anggota}/status", {"aktif": "1"})
    assert response.status_code == 302
    assert_locked_out(app, thief, berita)  # reactivated: the old sessions stay ended


def test_password_change_ends_the_other_sessions_and_keeps_this_device(app, member, make_person, copy_of, page_form,
                                                                       berita):
    other_phone = make_person("anggota")
    thief = copy_of(member)
    response = page_form(member, "/akun/kata-sandi", "/akun/kata-sandi",
                         {"current": "demo12345", "new": "sandi-baru-123", "repeat": "sandi-baru-123"})
    assert response.status_code == 302
    assert_locked_out(app, thief, berita)
    assert_locked_out(app, other_phone, berita)
    me = member.get("/api/v1/me")
    assert me.status_code == 200
    member.csrf = me.json["csrf_token"]
    assert member.send(berita()).status_code == 201
    assert make_person().client.post("/masuk").status_code in (200, 400)  # the form is still there
    signed_in = make_person()
    signed_in.login("anggota", "sandi-baru-123")
    assert signed_in.get("/api/v1/me").status_code == 200


def test_password_change_with_a_wrong_current_password_changes_nothing(member, make_person, page_form):
    other_phone = make_person("anggota")
    response = page_form(member, "/akun/kata-sandi", "/akun/kata-sandi",
                         {"current": "salah-sekali", "new": "sandi-baru-123", "repeat": "sandi-baru-123"})
    assert response.status_code == 422
    assert "Kata sandi sekarang salah." in response.get_data(as_text=True)
    assert other_phone.get("/api/v1/me").status_code == 200
    make_person("anggota")  # the old password still signs in


def test_operator_set_password_ends_the_sessions(app, member, copy_of, berita):
    thief = copy_of(member)
    result = app.test_cli_runner().invoke(args=["kim", "set-password", "anggota", "--password", "sandi-operator-1"])
    assert result.exit_code == 0, result.output
    assert_locked_out(app, thief, berita)


def test_admin_ends_all_sessions_of_an_account(app, member, make_person, copy_of, page_form, people, berita):
    other_phone = make_person("anggota")
    thief = copy_of(member)
    admin = make_person("admin")
    page = admin.get("/admin").get_data(as_text=True)
    assert "Akhiri semua sesi akun ini" in page
    response = page_form(admin, "/admin", f"/admin/pengguna/{people.anggota}/sesi")
    assert response.status_code == 302
    for device in (member, other_phone, thief):
        assert_locked_out(app, device, berita)
    assert admin.get("/api/v1/me").status_code == 200
    assert make_person("anggota").get("/api/v1/me").status_code == 200  # the account stays active


def test_a_remember_cookie_does_not_resurrect_an_ended_session(app, member, people, berita):
    from tests.helpers import Person

    with app.test_request_context():
        forged = encode_cookie(str(people.anggota))
    member.client.post("/keluar", headers={"X-CSRFToken": member.csrf, "Accept": "application/json"})
    stranger = Person(app.test_client())
    stranger.client.set_cookie("remember_token", forged)
    assert stranger.get("/api/v1/me").status_code == 401
    member.client.set_cookie("remember_token", forged)
    assert member.get("/api/v1/me").status_code == 401


def test_a_session_ended_on_one_app_instance_is_ended_on_another(app, member, copy_of, berita):
    # A second app on the same database and secret, as a second server behind the load balancer.
    other_server = create_app({"KIM_ENV": "test", "SERVER_NAME": None})
    thief = copy_of(member, on_app=other_server)
    assert thief.get("/api/v1/me").status_code == 200
    member.client.post("/keluar", headers={"X-CSRFToken": member.csrf, "Accept": "application/json"})
    assert thief.get("/api/v1/me").status_code == 401
    with other_server.app_context():
        db.session.remove()
        db.engine.dispose()

