"""A half-written form survives: what the member types is kept as a draft on the phone, put back when the app opens
again (also with no signal), never shown to another account on a shared phone, and can be thrown away.
Real Chromium at 360×640 against the real app (fixtures in tests/conftest.py and tests/browser/conftest.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.phone import SLOW_MS as SLOW

pytestmark = pytest.mark.browser



def type_berita(page, judul: str) -> None:
    page.select_option("#berita-kategori", "sosial")
    page.fill("#berita-judul", judul)
    page.fill("#berita-isi", "Baru setengah ditulis")
    expect(page.locator("form[data-kind=berita] [data-draft]")).to_contain_text("Draf tersimpan", timeout=SLOW)


def test_a_half_written_berita_comes_back_after_the_tab_is_killed_even_offline(small_phone, live_server,
                                                                               later_modules_cached):
    context, page = small_phone("anggota", live_server.url)
    later_modules_cached(page)
    type_berita(page, "Rapat desa soal air bersih")

    context.set_offline(True)
    page.reload()
    expect(page.locator("#berita-judul")).to_have_value("Rapat desa soal air bersih", timeout=SLOW)
    expect(page.locator("#berita-isi")).to_have_value("Baru setengah ditulis")
    expect(page.locator("#berita-kategori")).to_have_value("sosial")
    expect(page.locator("form[data-kind=berita] [data-draft]")).to_contain_text("Draf dipulihkan")
    # A draft is not an outbox item.
    expect(page.locator("#pending")).to_have_text("0 belum terkirim")


def test_saving_ends_the_draft_and_discarding_throws_it_away(small_phone, live_server, later_modules_cached):
    context, page = small_phone("anggota", live_server.url)
    later_modules_cached(page)
    page.on("dialog", lambda dialog: dialog.accept())
    type_berita(page, "Draf yang dibuang")
    page.locator("form[data-kind=berita]").get_by_role("button", name="Buang draf").click()
    expect(page.locator("#berita-judul")).to_have_value("")
    page.reload()
    expect(page.locator("#who")).to_contain_text("Masuk sebagai")
    expect(page.locator("#berita-judul")).to_have_value("")

    context.set_offline(True)
    type_berita(page, "Draf yang disimpan")
    page.get_by_role("button", name="Simpan berita").click()
    expect(page.locator("form[data-kind=berita] [data-saved]")).to_have_text("Tersimpan di HP")
    page.reload()
    expect(page.locator("#mine li", has_text="Draf yang disimpan")).to_be_visible()
    expect(page.locator("#berita-judul")).to_have_value("")
    expect(page.locator("form[data-kind=berita] [data-draft]")).to_be_hidden()


def test_a_draft_is_never_shown_to_another_account_on_a_shared_phone(small_phone, live_server, sign_in,
                                                                     later_modules_cached):
    context, page = small_phone("anggota", live_server.url)
    later_modules_cached(page)
    page.on("dialog", lambda dialog: dialog.accept())
    type_berita(page, "Aduan rahasia tetangga")

    page.get_by_role("button", name="Keluar", exact=True).click()
    page.wait_for_url("**/masuk**")
    sign_in(page, live_server.url, "anggota2")
    expect(page.locator("#who")).to_contain_text("Fransiska", timeout=SLOW)
    expect(page.locator("#berita-judul")).to_have_value("")
    expect(page.get_by_text("Aduan rahasia tetangga")).to_have_count(0)

    page.get_by_role("button", name="Keluar", exact=True).click()
    page.wait_for_url("**/masuk**")
    sign_in(page, live_server.url, "anggota")
    expect(page.locator("#berita-judul")).to_have_value("Aduan rahasia tetangga", timeout=SLOW)


def test_the_revision_form_keeps_its_draft_and_reopens_on_the_item(small_phone, live_server, make_person, berita,
                                                                   send_item, later_modules_cached):
    member = make_person("anggota")
    item_id = send_item(member, berita(judul="Judul yang perlu diperbaiki"))
    assert make_person("moderator").decide(item_id, "revisi", "Tambahkan nama dusun").status_code == 302

    context, page = small_phone("anggota", live_server.url)
    later_modules_cached(page)
    item = page.locator("#mine li[data-uuid]", has_text="Judul yang perlu diperbaiki")
    item.get_by_role("button", name="Perbaiki").click(timeout=SLOW)
    page.fill("#berita-judul", "Judul diperbaiki: Dusun Dua")
    expect(page.locator("form[data-kind=berita] [data-draft]")).to_contain_text("Draf tersimpan", timeout=SLOW)

    page.reload()
    form = page.locator("form[data-kind=berita]")
    expect(page.locator("#berita-judul")).to_have_value("Judul diperbaiki: Dusun Dua", timeout=SLOW)
    expect(form.get_by_role("button", name="Simpan perbaikan")).to_be_visible()
    form.get_by_role("button", name="Simpan perbaikan").click()
    expect(form.locator("[data-saved]")).to_have_text("Perbaikan tersimpan di HP")
