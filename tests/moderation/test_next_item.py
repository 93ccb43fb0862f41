"""After a verdict the moderator lands on the next item of their queue, with the way back to the list; when the
queue is empty, on the list."""
from __future__ import annotations


def test_a_verdict_leads_to_the_next_item_then_back_to_the_list_when_none_is_left(member, moderator, berita,
                                                                                   send_item):
    first = send_item(member, berita(judul="Yang pertama"))
    second = send_item(member, berita(judul="Yang kedua"))

    answer = moderator.decide(first, "setujui")
    assert answer.headers["Location"].endswith(f"/moderasi/item/{second}")
    page = moderator.get(f"/moderasi/item/{second}").get_data(as_text=True)
    assert "Item disetujui." in page and "Ini item berikutnya di antrean Anda." in page
    assert "Kembali ke antrean" in page and "Dipegang Maria Luruk" in page  # leased to them, as "Ambil berikutnya" does

    answer = moderator.decide(second, "revisi", "Sebutkan tanggalnya")
    assert answer.headers["Location"].endswith("/moderasi")
    assert "Antrean Anda sudah habis." in moderator.get("/moderasi").get_data(as_text=True)


def test_the_next_item_is_one_nobody_else_holds(member, moderator, make_person, berita, send_item):
    first = send_item(member, berita(judul="Yang pertama"))
    held = send_item(member, berita(judul="Dipegang orang lain"))
    third = send_item(member, berita(judul="Yang ketiga"))
    other = make_person("admin")
    assert other.client.post("/moderasi/ambil", data={"csrf_token": other.form_token("/moderasi")}).headers[
        "Location"].endswith(f"/moderasi/item/{first}")
    assert other.client.post("/moderasi/ambil", data={"csrf_token": other.form_token("/moderasi")}).headers[
        "Location"].endswith(f"/moderasi/item/{held}")

    assert moderator.decide(first, "setujui").headers["Location"].endswith(f"/moderasi/item/{third}")
