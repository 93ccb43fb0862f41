"""What a new member meets in the first minutes, on a 360×640 phone: a visitor sees what the app is and the way in;
a member lands on the capture; folding sections say they fold; words are plain (a complaint is "Diverifikasi", the
history has no codes); and "Cara memakai KIM" opens with no signal."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.phone import SLOW_MS as SLOW

pytestmark = pytest.mark.browser



def fold_tab(page, title: str) -> str:
    """The "Buka"/"Tutup" tab drawn on a folding section's title."""
    return page.locator("summary", has_text=title).evaluate("node => getComputedStyle(node, '::after').content")


def test_a_signed_out_visitor_sees_what_the_app_is_and_how_to_get_in(small_phone, live_server):
    context, page = small_phone()
    page.goto(f"{live_server.url}/app")
    intro = page.locator("#intro")
    expect(intro).to_be_visible(timeout=SLOW)
    expect(intro).to_contain_text("berita desa, aduan warga dan cerita foto")
    expect(intro.get_by_role("link", name="Masuk")).to_be_visible()
    expect(intro.get_by_role("link", name="Cara memakai KIM")).to_be_visible()
    for hidden in ("Kirim sekarang", "Simpan berita"):
        expect(page.get_by_role("button", name=hidden)).to_be_hidden()
    expect(page.get_by_text("Kiriman saya")).to_be_hidden()


def test_after_sign_in_the_first_screen_is_the_capture_and_sections_show_they_fold(small_phone, live_server):
    context, page = small_phone("anggota", live_server.url)
    judul = page.locator("#berita-judul").bounding_box()
    assert judul["y"] + judul["height"] <= 640, "the berita form is not on the first screen"
    assert page.locator("#akun-judul").bounding_box()["y"] > judul["y"]

    assert fold_tab(page, "Tulis berita") == '"Tutup ▴"'
    assert fold_tab(page, "Catat aduan warga") == '"Buka ▾"'
    page.locator("summary", has_text="Catat aduan warga").click()
    expect(page.locator("#aduan-uraian")).to_be_visible()
    assert fold_tab(page, "Catat aduan warga") == '"Tutup ▴"'

    storage = page.locator("#storage")
    expect(storage).to_contain_text("kiriman", timeout=SLOW)
    assert "Penyimpanan permanen" not in storage.inner_text()
    assert "browser" not in storage.inner_text().replace("menu browser", "")


def test_a_verified_complaint_reads_as_verified_and_its_history_in_words(small_phone, live_server, make_person,
                                                                        aduan, send_item):
    member = make_person("anggota")
    item_id = send_item(member, aduan(uraian="Lampu jalan di Dusun Satu padam"))
    assert make_person("moderator").decide(item_id, "setujui").status_code == 302

    context, page = small_phone("anggota", live_server.url)
    item = page.locator("#mine li[data-uuid]", has_text="Lampu jalan di Dusun Satu padam")
    expect(item.locator("[data-state]")).to_have_text("Diverifikasi", timeout=SLOW)
    item.locator("summary", has_text="Riwayat").click()
    history = item.locator(".history ol")
    expect(history).to_contain_text("Dikirim")
    expect(history).to_contain_text("Diverifikasi")
    assert "disetujui" not in item.inner_text().lower()
    assert "_" not in history.inner_text()


def test_the_help_page_opens_with_no_signal(small_phone, live_server, later_modules_cached):
    context, page = small_phone("anggota", live_server.url)
    later_modules_cached(page)
    context.set_offline(True)
    page.get_by_role("link", name="Cara memakai KIM").click()
    expect(page.get_by_role("heading", name="Cara memakai KIM")).to_be_visible()
    expect(page.get_by_text("Draf tersimpan")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
