"""A KIM's activity and a dissemination report on the phone: the kegiatan form is in the app's list, captured with no
signal, sent by itself when the network returns, approved at the desk, and the phone shows Disetujui; the diseminasi
form is hidden until the app opens it for a pengumuman (later/lapor.js, openDiseminasi), saved offline, and arrives as
Tercatat. Every wait is on a condition, never on a clock."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.phone import SLOW_MS, approve_as_moderator, item_state, open_member_app

pytestmark = pytest.mark.browser

OPEN_DISEMINASI = """async ([id, judul]) => {
    // The later module under the shell's version, as the app itself imports it (sync/shell.py, _shell_url).
    const base = document.querySelector('link[href$="/js/db.js"]').href.replace(/db\\.js$/, '');
    const { openDiseminasi } = await import(`${base}later/lapor.js`);
    openDiseminasi(id, judul);
}"""


def test_kegiatan_captured_offline_is_sent_approved_and_shown_approved(browser, live_server):
    uraian = "Pelatihan menulis berita untuk pengurus KIM"
    context, page = open_member_app(browser, live_server.url)
    context.set_offline(True)
    page.reload()

    page.locator("summary", has_text="Catat kegiatan KIM").click()
    expect(page.locator("#kegiatan-tanggal")).to_have_attribute("type", "date")
    expect(page.locator("#kegiatan-peserta")).to_have_attribute("inputmode", "numeric")
    page.select_option("#kegiatan-kategori", "pelatihan")
    page.fill("#kegiatan-keterangan", uraian)
    # Left empty, the date is asked for in words, and nothing is saved.
    page.get_by_role("button", name="Simpan kegiatan").click()
    expect(page.locator("#kegiatan-tanggal-galat")).to_have_text("Tanggal kegiatan wajib diisi.")
    page.fill("#kegiatan-tanggal", "2026-11-27")
    page.fill("#kegiatan-peserta", "24")
    page.get_by_role("button", name="Simpan kegiatan").click()
    expect(page.locator("form[data-kind=kegiatan] [data-saved]")).to_have_text("Tersimpan di HP")
    expect(item_state(page, uraian)).to_have_attribute("data-state", "tersimpan")
    expect(page.locator("#mine li[data-uuid]", has_text=uraian)).to_contain_text("Kegiatan KIM")

    context.set_offline(False)
    expect(item_state(page, uraian)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)

    approve_as_moderator(browser, live_server.url, uraian, must_see="Jumlah peserta")
    page.get_by_role("button", name="Kirim sekarang").click()
    expect(item_state(page, uraian)).to_have_attribute("data-state", "disetujui", timeout=SLOW_MS)
    expect(item_state(page, uraian)).to_have_text("Disetujui")
    context.close()


def test_diseminasi_opened_for_a_pengumuman_is_saved_offline_and_arrives_recorded(browser, live_server,
                                                                                   later_modules_cached,
                                                                                   published_pengumuman):
    catatan = "Dibacakan di pertemuan warga RT 04"
    context, page = open_member_app(browser, live_server.url)
    later_modules_cached(page)
    box = page.locator("#lapor-diseminasi")
    expect(box).to_be_hidden()
    expect(page.locator("#capture > details > summary", has_text="Sudah disebarkan")).to_be_hidden()

    context.set_offline(True)
    page.reload()
    page.evaluate(OPEN_DISEMINASI, [published_pengumuman, "Jadwal vaksinasi ternak"])
    expect(box).to_be_visible()
    expect(box.locator("[data-judul]")).to_have_text("Jadwal vaksinasi ternak")
    expect(page.locator("#diseminasi-pengumuman")).to_have_value(str(published_pengumuman))
    page.select_option("#diseminasi-kategori", "pertemuan_warga")
    page.fill("#diseminasi-jangkauan", "60")
    page.fill("#diseminasi-keterangan", catatan)
    page.get_by_role("button", name="Simpan laporan").click()
    expect(box.locator("[data-saved]")).to_have_text("Tersimpan di HP")
    expect(item_state(page, catatan)).to_have_attribute("data-state", "tersimpan")
    expect(page.locator("#mine li[data-uuid]", has_text=catatan)).to_contain_text("Laporan penyebaran")

    context.set_offline(False)
    expect(item_state(page, catatan)).to_have_attribute("data-state", "tercatat", timeout=SLOW_MS)
    expect(item_state(page, catatan)).to_have_text("Tercatat")
    context.close()
