"""The desk reads the item's history in words: who did what and what the item became, with the registry's labels;
a complaint's approval is its verification."""
from __future__ import annotations


def test_the_history_says_in_words_what_happened(member, moderator, berita, send_item):
    item_id = send_item(member, berita())
    assert moderator.decide(item_id, "revisi", "Sebutkan nama dusun").status_code == 302

    page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    history = page[page.index("<h2>Riwayat</h2>"):]
    assert "Dikirim; sekarang menunggu moderasi" in history
    assert "Diminta revisi; sekarang perlu revisi: “Sebutkan nama dusun”" in history
    assert "perlu_revisi" not in history and "→" not in history


def test_a_verified_complaint_reads_as_verified_on_the_desk(member, moderator, aduan, send_item):
    item_id = send_item(member, aduan())
    assert moderator.decide(item_id, "setujui").status_code == 302

    page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    assert "Status: <strong>Diverifikasi</strong>" in page
    assert ": Diverifikasi</li>" in " ".join(page.split()).replace(" </li>", "</li>")
    assert "Disetujui" not in page[page.index("<h2>Riwayat</h2>"):]
