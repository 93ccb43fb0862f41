"""The member app on a phone with no signal: capture offline, survive reloads, send by itself when the network
returns, and bring the moderator's verdict back. Drives the real app in Chromium (fixtures in tests/conftest.py).

Every wait is on a condition (Playwright's expect, or a promise inside the page), never on a clock.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.phone import (
    PHONE,
    SLOW_MS,
    approve_as_moderator,
    item_state,
    open_member_app,
    public_home_text,
    sign_in,
    wait_until_controlled,
)

pytestmark = pytest.mark.browser

# Long enough for a service worker install and a sync on a slow CI machine.
def test_berita_captured_offline_is_sent_by_itself_and_its_approval_comes_back(browser, live_server):
    judul = "Jembatan darurat Kabuna selesai dibangun"
    context, page = open_member_app(browser, live_server.url)

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("button", name="Simpan berita")).to_be_visible()

    page.select_option("#berita-kategori", "pemerintahan")
    page.fill("#berita-judul", judul)
    page.fill("#berita-isi", "Warga bergotong royong membangun jembatan bambu di atas kali kecil.")
    page.get_by_role("button", name="Simpan berita").click()
    expect(page.locator("form[data-kind=berita] [data-saved]")).to_have_text("Tersimpan di HP")
    expect(page.locator("#pending")).to_have_text("1 belum terkirim")

    page.reload()
    expect(item_state(page, judul)).to_have_attribute("data-state", "tersimpan")
    expect(item_state(page, judul)).to_have_text("Tersimpan di HP")

    # Nothing is clicked: the network coming back is enough.
    context.set_offline(False)
    expect(item_state(page, judul)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    expect(item_state(page, judul)).to_have_text("Terkirim (menunggu moderasi)")
    expect(page.locator("#pending")).to_have_text("0 belum terkirim")

    approve_as_moderator(browser, live_server.url, judul)
    assert judul in public_home_text(browser, live_server.url)

    page.get_by_role("button", name="Kirim sekarang").click()
    expect(item_state(page, judul)).to_have_attribute("data-state", "disetujui", timeout=SLOW_MS)
    expect(item_state(page, judul)).to_have_text("Disetujui")
    context.close()


def test_aduan_captured_offline_is_sent_and_its_pelapor_never_appears_in_public(browser, live_server):
    uraian = "Pipa air bersih di Dusun Tiga bocor sejak minggu lalu"
    pelapor = "Agustinus Seran Tefa"
    context, page = open_member_app(browser, live_server.url)

    context.set_offline(True)
    page.reload()
    page.locator("summary", has_text="Catat aduan warga").click()
    page.select_option("#aduan-kategori", "air")
    page.fill("#aduan-uraian", uraian)
    page.fill("#aduan-lokasi", "Dusun Tiga, dekat kapela")
    page.fill("#aduan-pelapor_nama", pelapor)
    page.fill("#aduan-pelapor_telepon", "0812 3456 7890")
    page.get_by_role("button", name="Simpan aduan").click()
    expect(item_state(page, uraian)).to_have_attribute("data-state", "tersimpan")

    context.set_offline(False)
    expect(item_state(page, uraian)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    # The member can give the citizen the complaint's tracking code as soon as the server has it.
    code_line = page.locator("#mine li[data-uuid]", has_text=uraian).get_by_text("Kode pelacakan aduan")
    expect(code_line).to_contain_text("Diterima, menunggu verifikasi")
    code = code_line.inner_text().split(": ", 1)[1].split(" ")[0]

    # The moderator sees who complained (so the name really reached the server) and accepts the complaint.
    approve_as_moderator(browser, live_server.url, uraian, must_see=pelapor)

    home = public_home_text(browser, live_server.url)
    assert pelapor not in home
    assert uraian not in home

    # The verdict reaches the phone with the complaint's new status; the public status page knows the same code.
    page.get_by_role("button", name="Kirim sekarang").click()
    expect(code_line).to_contain_text(f"{code} · Diverifikasi", timeout=SLOW_MS)
    status_page = context.new_page()
    status_page.goto(f"{live_server.url}/aduan/{code}")
    expect(status_page.locator("main")).to_contain_text("Diverifikasi")
    expect(status_page.locator("main")).not_to_contain_text(pelapor)
    context.close()


def test_item_refused_as_conflict_keeps_its_own_content_when_the_server_copy_is_pulled(browser, live_server):
    judul = "Isi yang hanya ada di HP ini"
    context, page = open_member_app(browser, live_server.url)
    conflict = {"type": "urn:kim:problem:conflict", "status": 409,
                "title": "Item dengan UUID ini sudah ada dengan isi berbeda", "detail": "Isinya berbeda."}

    refused = []

    def server_copies():
        return [{"uuid": u, "kind": "berita", "status": "menunggu", "revision": 1, "judul": "Versi server",
                 "isi": "Lain", "kategori": "sosial", "captured_at": "2026-11-28T01:00:00Z"} for u in refused]

    def items(route):
        # The server holds this UUID with other content: it refuses the phone's copy and hands back its own.
        if route.request.method == "POST":
            sent = route.request.post_data_json["items"]
            refused.extend(item["uuid"] for item in sent)
            route.fulfill(json={"results": [{"uuid": item["uuid"], "status": 409, "problem": conflict}
                                            for item in sent],
                                "changes": server_copies(), "cursor": "2026-11-28T01:00:00.000000Z"})
            return
        route.fulfill(json={"items": server_copies(), "cursor": "2026-11-28T01:00:00.000000Z"})

    context.route("**/api/v1/items*", items)
    context.route("**/api/v1/items/batch", items)
    page.select_option("#berita-kategori", "sosial")
    page.fill("#berita-judul", judul)
    page.fill("#berita-isi", "Ditulis di HP.")
    page.get_by_role("button", name="Simpan berita").click()

    mine = page.locator("#mine li[data-uuid]")
    expect(mine.locator(".note")).to_contain_text("Server menyimpan versi lain", timeout=SLOW_MS)
    expect(mine.locator("[data-state]")).to_have_attribute("data-state", "gagal")
    expect(mine.locator(".item-title")).to_have_text(judul)
    context.close()


def test_an_install_cut_by_a_bad_connection_is_tried_again_until_the_app_opens_offline(browser, live_server):
    # The village network drops every download of one shell file for a while: the first install fails, and the
    # app must keep trying on its own, or it would not open the next time there is no signal.
    context = browser.new_context(**PHONE)
    tries = {"cut": 0, "through": 0}

    def flaky(route):
        # The worker's precache of this icon is cut (the page's own request goes through); three cuts defeat the
        # install's own retries once.
        if route.request.service_worker and tries["cut"] < 3:
            tries["cut"] += 1
            route.abort("connectionreset")
        else:
            tries["through"] += bool(route.request.service_worker)
            route.continue_()

    context.route("**/static/icons/icon-192.png", flaky)
    page = context.new_page()
    sign_in(page, live_server.url, "anggota")
    wait_until_controlled(page)
    assert tries == {"cut": 3, "through": 1}

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("button", name="Simpan berita")).to_be_visible()
    context.close()
