"""The phone's side of revocable sessions and of the desa scope, in real Chromium: "Keluar dari semua perangkat"
signs the phone out everywhere and leaves the outbox as it was; a session ended from elsewhere (the admin) stops
sending until the member signs in again; a member of a kecamatan-level KIM chooses the desa among those allowed."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.accounts.services import create_user, find_user
from kim_app.extensions import db
from kim_app.items.models import Item
from kim_app.wilayah.services import ensure_kim_group
from tests.browser.phone import SLOW_MS
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_keluar_dari_semua_perangkat_keeps_the_outbox(phone, authors, make_person):
    other_device = make_person("anggota")
    context, page = phone.open("anggota")

    # Sending fails (alone or in a batch) until the member has signed out everywhere.
    context.route("**/api/v1/items**", lambda route: route.fulfill(status=503) if route.request.method == "POST"
                  else route.continue_())
    phone.capture_berita(page, "Berita sebelum keluar semua")
    expect(phone.item_state(page, "Berita sebelum keluar semua")).to_have_attribute("data-state", "tersimpan")

    page.get_by_role("button", name="Keluar dari semua perangkat").click()
    page.wait_for_url("**/masuk**")
    context.unroute("**/api/v1/items**")
    assert other_device.get("/api/v1/me").status_code == 401  # the laptop at the Dinas is signed out too

    phone.sign_in(page, "anggota")
    expect(phone.item_state(page, "Berita sebelum keluar semua")).to_have_attribute("data-state", "menunggu",
                                                                               timeout=SLOW_MS)
    assert authors() == {"Berita sebelum keluar semua": "anggota"}
    context.close()


def test_a_session_ended_by_the_admin_stops_sending_and_keeps_the_item(app, phone, authors, page_form_as_admin):
    context, page = phone.open("anggota")

    page_form_as_admin(find_id(app, "anggota"))
    phone.capture_berita(page, "Berita setelah sesi diakhiri")
    expect(page.locator("#login-needed")).to_be_visible(timeout=SLOW_MS)
    expect(phone.item_state(page, "Berita setelah sesi diakhiri")).to_have_attribute("data-state", "tersimpan")
    assert authors() == {}

    page.locator("#login-needed").get_by_role("link", name="Masuk").click()
    page.fill("#username", "anggota")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/app")
    expect(phone.item_state(page, "Berita setelah sesi diakhiri")).to_have_attribute("data-state", "menunggu",
                                                                                timeout=SLOW_MS)
    context.close()


def test_a_kecamatan_kim_member_chooses_the_desa_and_a_desa_member_does_not(app, phone):
    with app.app_context():
        group = ensure_kim_group("KIM Kecamatan Kakuluk Mesak", "53.04.05.2001", "kecamatan")
        create_user("anggota.kec", PASSWORD, "anggota", "Anggota Kecamatan", kim_id=group.id)
        db.session.commit()
        db.session.remove()
    context, page = phone.open("anggota.kec")
    choice = page.locator("#berita-desa")
    expect(choice).to_be_visible(timeout=SLOW_MS)
    expect(choice).to_have_value("53.04.05.2001")
    assert "Kabuna" in choice.locator("option").all_text_contents()
    choice.select_option(label="Kabuna")
    phone.capture_berita(page, "Berita dari Kabuna oleh KIM kecamatan")
    expect(phone.item_state(page, "Berita dari Kabuna oleh KIM kecamatan")).to_have_attribute("data-state", "menunggu",
                                                                                         timeout=SLOW_MS)
    with app.app_context():
        desa = db.session.scalar(select(Item.desa_kode).where(Item.judul == "Berita dari Kabuna oleh KIM kecamatan"))
        db.session.remove()
    assert desa == "53.04.05.2006"
    context.close()

    context, page = phone.open("anggota")
    expect(page.locator("form[data-kind=berita] [data-desa]")).to_have_text("Kabuna", timeout=SLOW_MS)
    expect(page.locator("#berita-desa")).to_be_hidden()
    context.close()


def find_id(app, username: str) -> int:
    with app.app_context():
        found = find_user(username).id
        db.session.remove()
    return found


@pytest.fixture
def page_form_as_admin(make_person):
    import re

    admin = make_person("admin")

    def end_sessions(user_id: int) -> None:
        html = admin.get("/admin").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        assert admin.client.post(f"/admin/pengguna/{user_id}/sesi", data={"csrf_token": token}).status_code == 302

    return end_sessions
