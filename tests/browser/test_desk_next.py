"""The desk on a 360 px phone: after a verdict the moderator lands on the next item of their queue, with the way
back to the list; the reasons to reject are whole sentences to tap, not a cut drop-down."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_verdict_leads_to_the_next_item_with_a_way_back(small_phone, live_server, make_person, berita, send_item):
    member = make_person("anggota")
    first = send_item(member, berita(judul="Berita pertama di antrean"))
    send_item(member, berita(judul="Berita kedua di antrean"))

    context, page = small_phone("moderator", live_server.url, "/moderasi")
    page.goto(f"{live_server.url}/moderasi/item/{first}")
    reason = page.get_by_role("radio", name="Foto tidak jelas")
    box = page.locator("label", has=reason).bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360
    reason.check()
    page.get_by_role("button", name="Tolak", exact=True).click()

    expect(page.get_by_text("Item ditolak; alasan dikirim ke anggota.")).to_be_visible()
    expect(page.get_by_role("heading", name="Berita kedua di antrean")).to_be_visible()
    page.get_by_role("link", name="Kembali ke antrean").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Antrean")
