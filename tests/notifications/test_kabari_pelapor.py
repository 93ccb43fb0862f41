""""Kabari pelapor": the member (on the phone, from the item API) and the moderator of the complaint's kabupaten (on
the desk's item page) get a WhatsApp link — and an SMS one — to the number the complainant left, with a prepared
message: the complaint's status in words, its tracking code and the public tracking page. Never the complaint's text,
a name, or anyone else's data; nobody who may not see the complainant's number gets the link."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kim_app.items.pelapor import normalize_phone

NOMOR = "6281234567890"


@pytest.mark.parametrize("written, normalized", [
    ("0812 3456 7890", NOMOR),
    ("0812-3456-7890", NOMOR),
    ("+62 812 3456 7890", NOMOR),
    ("+62-812-3456-7890", NOMOR),
    ("6281234567890", NOMOR),
    ("62 812 3456 7890", NOMOR),
    ("812 3456 7890", NOMOR),
    ("(0380) 821 234", "62380821234"),
    ("+1 555 123 4567", "15551234567"),
])
def test_numbers_as_people_write_them_become_62(written, normalized):
    assert normalize_phone(written) == normalized


@pytest.mark.parametrize("written", [None, "", "   ", "123", "0812", "nomor saya", "7123 4567 89", "+62 812 abc",
                                     "0812 3456 7890 1234 5"])
def test_what_cannot_be_a_number_is_none(written):
    assert normalize_phone(written) is None


def kabari_of(member, body) -> dict | None:
    return member.get(f"/api/v1/items/{body['uuid']}").json["kabari_pelapor"]


def text_of(link: str) -> str:
    parts = urlsplit(link)
    return parse_qs(parts.query)["text" if parts.scheme == "https" else "body"][0]


def test_the_members_link_says_status_code_and_tracking_page_and_nothing_of_the_complaint(member, send_item, aduan):
    body = aduan(uraian="Pipa air bocor di depan rumah Bapak Yosef", lokasi="Dusun Rahasia",
                 pelapor_nama="Agustinus Seran", pelapor_telepon="0812-3456-7890")
    send_item(member, body)
    code = member.get(f"/api/v1/items/{body['uuid']}").json["tracking_code"]
    kabari = kabari_of(member, body)

    assert kabari["whatsapp"].startswith(f"https://wa.me/{NOMOR}?text=")
    assert kabari["sms"].startswith(f"sms:+{NOMOR}?body=")
    assert kabari["alasan"] is None
    expected = (f"Halo, ini petugas KIM. Aduan Anda dengan kode {code} sekarang berstatus: "
                f"Diterima, menunggu verifikasi. Ikuti perkembangannya di http://localhost/aduan/{code}")
    assert text_of(kabari["whatsapp"]) == text_of(kabari["sms"]) == kabari["pesan"] == expected
    for private in ("Pipa air", "Yosef", "Dusun Rahasia", "Agustinus", "Seran", "Yohanes", "anggota"):
        assert private not in unquote(kabari["whatsapp"]) and private not in unquote(kabari["sms"])


def test_the_tracking_link_is_built_on_public_url(app, member, send_item, aduan, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://kim.nttprov.go.id/")
    body = aduan()
    send_item(member, body)
    code = member.get(f"/api/v1/items/{body['uuid']}").json["tracking_code"]
    assert kabari_of(member, body)["pesan"].endswith(f" https://kim.nttprov.go.id/aduan/{code}")


def test_the_message_follows_the_complaints_status(member, moderator, send_item, aduan):
    body = aduan()
    item_id = send_item(member, body)
    assert moderator.decide(item_id, "setujui").status_code == 302
    assert "sekarang berstatus: Diverifikasi." in kabari_of(member, body)["pesan"]


@pytest.mark.parametrize("telepon, alasan", [(None, "Pelapor tidak meninggalkan nomor"),
                                              ("+62 1234", "Nomor pelapor tidak bisa dipakai")])
def test_without_a_usable_number_the_button_says_so(member, moderator, send_item, aduan, telepon, alasan):
    body = aduan(pelapor_telepon=telepon)
    item_id = send_item(member, body)
    kabari = kabari_of(member, body)
    assert (kabari["whatsapp"], kabari["sms"], kabari["alasan"]) == (None, None, alasan)
    page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    assert f"<button type=\"button\" disabled>{alasan}</button>" in page
    assert "wa.me" not in page and "sms:" not in page


def test_other_kinds_and_unsent_complaints_have_no_link(member, berita):
    body = berita()
    member.send(body)
    assert kabari_of(member, body) is None


def test_the_desk_of_the_complaints_kabupaten_offers_whatsapp_and_sms(member, moderator, send_item, aduan):
    body = aduan(uraian="Lampu jalan mati sejak Natal")
    item_id = send_item(member, body)
    page = moderator.get(f"/moderasi/item/{item_id}").get_data(as_text=True)
    whatsapp = html.unescape(re.search(r'<a class="button" href="([^"]+)"[^>]*>Kabari pelapor</a>', page).group(1))
    sms = html.unescape(re.search(r'<a href="(sms:[^"]+)">atau lewat SMS</a>', page).group(1))
    assert whatsapp.startswith(f"https://wa.me/{NOMOR}?text=") and sms.startswith(f"sms:+{NOMOR}?body=")
    assert "Lampu jalan" not in unquote(whatsapp) and "Agustinus" not in unquote(whatsapp)


def test_only_who_may_see_the_complainants_number_gets_the_link(app, member, make_person, send_item, aduan):
    body = aduan()
    item_id = send_item(member, body)
    code = member.get(f"/api/v1/items/{body['uuid']}").json["tracking_code"]

    other_member = make_person("anggota2")
    assert other_member.get(f"/api/v1/items/{body['uuid']}").status_code == 404
    assert other_member.get("/api/v1/items").json["items"] == []
    other_kabupaten = make_person("moderator.kupang")
    refused = other_kabupaten.get(f"/moderasi/item/{item_id}")
    assert refused.status_code == 404 and "wa.me" not in refused.get_data(as_text=True)
    public = app.test_client().get(f"/aduan/{code}").get_data(as_text=True)
    assert "wa.me" not in public and "sms:" not in public and "3456" not in public
    admin = make_person("admin")
    assert f"https://wa.me/{NOMOR}" in admin.get(f"/moderasi/item/{item_id}").get_data(as_text=True)


def test_openapi_describes_the_link(app):
    spec = app.test_client().get("/api/openapi.json").json
    item = spec["components"]["schemas"]["Item"]["properties"]["kabari_pelapor"]
    assert "Kabari" in str(item)
    assert {"pesan", "whatsapp", "sms", "alasan"} <= set(spec["components"]["schemas"]["Kabari"]["properties"])
