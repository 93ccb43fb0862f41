"""The revision loop (docs/sync-protocol.md, "Revisions" and "History"): a moderator asks for a revision, the member
edits the item offline in the capture form, the new revision goes by itself when the network is back, the
moderator approves it, and the member sees the verdict and the item's history."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.phone import SLOW_MS, item_state, open_member_app, sign_in

pytestmark = pytest.mark.browser

JUDUL = "Panen padi sawah Kabuna"
CATATAN = "Sebutkan nama kelompok tani dan luas sawahnya."
ISI_BARU = "Kelompok Tani Harapan memanen 12 hektare sawah di Dusun Dua, lebih awal dari tahun lalu."


def moderator_page(browser, base_url: str):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base_url, "moderator", "/moderasi")
    page.get_by_role("link", name=JUDUL).click()
    return context, page


def test_revision_requested_edited_offline_sent_by_itself_and_approved(browser, live_server):
    context, page = open_member_app(browser, live_server.url)
    page.select_option("#berita-kategori", "pertanian")
    page.fill("#berita-judul", JUDUL)
    page.fill("#berita-isi", "Petani memanen padi.")
    page.get_by_role("button", name="Simpan berita").click()
    expect(item_state(page, JUDUL)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)

    # The moderator sends it back with a note.
    desk, desk_page = moderator_page(browser, live_server.url)
    desk_page.fill("#catatan", CATATAN)
    desk_page.get_by_role("button", name="Minta revisi").click()
    desk.close()

    # The member's app pulls the verdict when it starts.
    page.reload()
    item = page.locator("#mine li[data-uuid]", has_text=JUDUL)
    expect(item_state(page, JUDUL)).to_have_attribute("data-state", "perlu_revisi", timeout=SLOW_MS)
    expect(item_state(page, JUDUL)).to_have_text(f"Perlu revisi: {CATATAN}")

    # Offline: edit in the capture form, prefilled with what the server has.
    context.set_offline(True)
    item.get_by_role("button", name="Perbaiki").click()
    form = page.locator("form[data-kind=berita]")
    expect(form.locator("[data-editing]")).to_contain_text(CATATAN)
    expect(page.locator("#berita-judul")).to_have_value(JUDUL)
    expect(page.locator("#berita-isi")).to_have_value("Petani memanen padi.")
    expect(form.locator("[data-photos]")).to_be_hidden()
    page.fill("#berita-isi", ISI_BARU)
    form.get_by_role("button", name="Simpan perbaikan").click()
    expect(form.locator("[data-saved]")).to_have_text("Perbaikan tersimpan di HP")
    expect(item_state(page, JUDUL)).to_have_attribute("data-state", "tersimpan")
    expect(item).to_contain_text("revisi 2")

    # Kept on the phone across a reload with no network.
    page.reload()
    expect(item_state(page, JUDUL)).to_have_attribute("data-state", "tersimpan")
    expect(page.locator("#pending")).to_have_text("1 belum terkirim")

    # The network returns: sent without a click.
    revisions: list[int] = []
    context.on("response", lambda r: revisions.append(r.status) if r.url.endswith("/revisions") else None)
    context.set_offline(False)
    expect(item_state(page, JUDUL)).to_have_attribute("data-state", "menunggu", timeout=SLOW_MS)
    expect(page.locator("#pending")).to_have_text("0 belum terkirim")
    assert revisions == [201]

    # The moderator sees the new revision and approves it.
    desk, desk_page = moderator_page(browser, live_server.url)
    expect(desk_page.get_by_text(ISI_BARU).first).to_be_visible()
    desk_page.get_by_role("button", name="Setujui", exact=True).click()
    expect(desk_page.get_by_text("disetujui").first).to_be_visible()
    desk.close()

    # The member sees the verdict and the history: sent, sent back with the note, the revision, approved.
    page.reload()
    expect(item_state(page, JUDUL)).to_have_attribute("data-state", "disetujui", timeout=SLOW_MS)
    expect(item_state(page, JUDUL)).to_have_text("Disetujui")
    history = item.locator("details.history")
    history.locator("summary").click()
    lines = history.locator("li")
    expect(lines).to_have_count(4)
    expect(lines.nth(0)).to_contain_text("Dikirim")
    expect(lines.nth(1)).to_contain_text(f"Diminta revisi: {CATATAN}")
    expect(lines.nth(2)).to_contain_text("Perbaikan dikirim (revisi 2)")
    expect(lines.nth(3)).to_contain_text("Disetujui (revisi 2)")
    expect(lines.nth(0)).to_contain_text("WITA")
    context.close()
