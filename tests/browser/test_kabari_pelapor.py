""""Kabari pelapor" on the member's phone, in Chromium: a complaint the server has shows the button with the server's
WhatsApp link; the member's choice of SMS changes the link and is remembered across a reload; a complaint whose
complainant left no number says so instead of offering a link."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.phone import PHONE, SLOW_MS, sign_in

pytestmark = pytest.mark.browser


def capture_aduan(page, uraian: str, telepon: str) -> None:
    page.locator("summary", has_text="Catat aduan warga").click()
    page.select_option("#aduan-kategori", "air")
    page.fill("#aduan-uraian", uraian)
    page.fill("#aduan-lokasi", "Dusun Tiga")
    page.fill("#aduan-pelapor_telepon", telepon)
    page.get_by_role("button", name="Simpan aduan").click()
    item = page.locator("#mine li[data-uuid]", has_text=uraian)
    expect(item.locator("[data-state]")).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)


def test_the_member_tells_the_complainant_by_whatsapp_or_sms_as_they_prefer(app, browser, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "anggota")

    capture_aduan(page, "Pipa air bocor di Dusun Tiga", "0812 3456 7890")
    item = page.locator("#mine li[data-uuid]", has_text="Pipa air bocor")
    link = item.get_by_role("link", name="Kabari pelapor")
    code = item_code(item)
    message = quote(f"Halo, ini petugas KIM. Aduan Anda dengan kode {code} sekarang berstatus: Diterima, menunggu "
                    f"verifikasi. Ikuti perkembangannya di {app.config['PUBLIC_URL']}/aduan/{code}", safe="")
    expect(link).to_have_attribute("href", f"https://wa.me/6281234567890?text={message}")
    item.get_by_label("lewat SMS").check()
    expect(link).to_have_attribute("href", f"sms:+6281234567890?body={message}")
    page.reload()
    item = page.locator("#mine li[data-uuid]", has_text="Pipa air bocor")
    expect(item.get_by_label("lewat SMS")).to_be_checked()
    expect(item.get_by_role("link", name="Kabari pelapor")).to_have_attribute("href",
                                                                             re.compile(r"^sms:\+6281234567890\?"))

    capture_aduan(page, "Lampu jalan mati", "")
    anonymous = page.locator("#mine li[data-uuid]", has_text="Lampu jalan mati")
    expect(anonymous.get_by_role("button", name="Pelapor tidak meninggalkan nomor")).to_be_disabled()
    expect(anonymous.get_by_role("link", name="Kabari pelapor")).to_have_count(0)
    context.close()


def item_code(item) -> str:
    return item.get_by_text("Kode pelacakan aduan").inner_text().split(": ", 1)[1].split(" ")[0]
