""""Kiriman saya" after months of use: newest first, a page at a time with "Muat lagi", old verdicts folded away, a
filter by state and a search box over the phone's own items. Real Chromium at 360×640, items put into IndexedDB as
months of use leave them (tests/browser/phone_items.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import make_jpeg

from .phone_items import seed_items

pytestmark = pytest.mark.browser


def test_a_long_history_is_listed_a_page_at_a_time_and_can_be_searched_and_filtered(small_phone, live_server,
                                                                                     later_modules_cached):
    context, page = small_phone("anggota", live_server.url)
    later_modules_cached(page)
    context.set_offline(True)  # the seeded items are the phone's only; nothing of them is sent in this test
    seed_items(page, 45, make_jpeg(64, 48), unsent=2, old=3, tracked=10)
    page.reload()
    mine = page.locator("#mine > li")
    expect(mine).to_have_count(20)
    expect(mine.first).to_contain_text("Berita nomor 0")  # the newest
    expect(mine.nth(19)).to_contain_text("Berita nomor 19")
    expect(page.locator("#pending")).to_contain_text("2 belum terkirim")

    more = page.get_by_role("button", name="Muat lagi")
    more.click()
    expect(mine).to_have_count(40)
    more.click()
    expect(mine).to_have_count(42)
    expect(more).to_be_hidden()
    old = page.get_by_role("button", name="Tampilkan 3 kiriman lama (lebih dari 30 hari)")
    old.click()
    expect(mine).to_have_count(45)

    page.select_option("#saring", "perlu_revisi")
    expect(page.locator("#found")).to_have_text("10 kiriman cocok")
    for state in mine.locator("[data-state]").all():
        expect(state).to_have_attribute("data-state", "perlu_revisi")
    page.select_option("#saring", "belum")
    expect(mine).to_have_count(2)
    expect(mine.first.locator("[data-state]")).to_have_attribute("data-state", "tersimpan")

    page.select_option("#saring", "")
    page.fill("#cari", "nomor 37")
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text("Berita nomor 37")
    page.fill("#cari", "abcd1234")
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text("Aduan nomor 10")
    page.fill("#cari", "tidak ada yang begini")
    expect(mine).to_have_count(0)
    expect(page.locator("#found")).to_have_text("0 kiriman cocok")
