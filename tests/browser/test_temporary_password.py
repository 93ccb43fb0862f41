"""A member signed in with the temporary password their ketua read out: the app says a new password is needed (not
"offline", not silence), keeps what the member captures meanwhile, and sends it once the new password is chosen.
Real Chromium against the real app (tests/conftest.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kim_app.accounts.services import find_user, reset_password
from kim_app.extensions import db
from kim_app.items.models import Item
from tests.browser.phone import PHONE, SLOW_MS, capture_berita, item_state, sign_in, wait_until_controlled

pytestmark = pytest.mark.browser

TEMPORARY = "jagungpasir4821"


def sent_titles(app) -> list[str]:
    with app.app_context():
        titles = list(db.session.scalars(select(Item.judul)))
        db.session.remove()
    return titles


def test_the_phone_asks_for_a_new_password_and_keeps_its_outbox(app, browser, live_server, make_ketua):
    make_ketua()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "anggota")
    wait_until_controlled(page)

    with app.app_context():
        reset_password(find_user("ketua"), find_user("anggota").id, TEMPORARY)
        db.session.commit()
        db.session.remove()
    # The reset signed the phone out: what the member captures now waits for them.
    capture_berita(page, "Berita sebelum sandi baru")
    expect(page.locator("#login-needed")).to_be_visible(timeout=SLOW_MS)
    page.locator("#login-needed").get_by_role("link", name="Masuk").click()
    page.fill("#username", "anggota")
    page.fill("#password", TEMPORARY)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/akun/sandi-baru**")

    # The member goes back to the app instead: it tells them what to do, and the outbox keeps waiting.
    page.goto(f"{live_server.url}/app")
    banner = page.locator("#password-needed")
    expect(banner).to_be_visible(timeout=SLOW_MS)
    expect(page.locator("#login-needed")).to_be_hidden()
    expect(item_state(page, "Berita sebelum sandi baru")).to_have_attribute("data-state", "tersimpan")
    page.get_by_role("button", name="Kirim sekarang").click()
    expect(banner).to_be_visible(timeout=SLOW_MS)
    expect(item_state(page, "Berita sebelum sandi baru")).to_have_attribute("data-state", "tersimpan")
    assert sent_titles(app) == []

    banner.get_by_role("link", name="Buat kata sandi baru").click()
    page.wait_for_url("**/akun/sandi-baru**")
    page.fill("#new", "sandi-pilihan-sendiri")
    page.fill("#repeat", "sandi-pilihan-sendiri")
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    page.wait_for_url("**/app")
    expect(item_state(page, "Berita sebelum sandi baru")).to_have_attribute("data-state", "menunggu",
                                                                             timeout=SLOW_MS)
    expect(page.locator("#password-needed")).to_be_hidden()
    assert sent_titles(app) == ["Berita sebelum sandi baru"]
    context.close()
