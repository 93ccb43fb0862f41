"""A KIM's public profile, /kim/<id>: who the KIM is (SK, KIM.ID, pengurus by name and jabatan, contact), whether the
Dinas verified it, and its approved items — nothing pending, no complaint, no account name. Linked from the desa's
page and from each item's page."""
from __future__ import annotations

import pytest

from kim_app.accounts.services import create_user, find_user
from kim_app.extensions import db
from kim_app.wilayah.models import KimGroup, Pengurus
from tests.helpers import PASSWORD, item_id, make_jpeg, photo_declaration


@pytest.fixture
def kabuna_id(app, people) -> int:
    with app.app_context():
        return find_user("anggota").kim_id


def page(app, path: str):
    response = app.test_client().get(path)
    return response, response.get_data(as_text=True)


def test_the_profile_shows_the_registry_entry_and_the_verified_badge(app, kabuna_id):
    response, html = page(app, f"/kim/{kabuna_id}")
    assert response.status_code == 200
    for shown in ("KIM Kabuna", "Desa Kabuna", "Kecamatan Kakuluk Mesak", "Kabupaten Belu",
                  "140/12/SK/DS-KBN/2021, 15 Maret 2021", "KIM-5304-0012", "0812 3700 1234",
                  "✔ Profil terverifikasi Dinas Kominfo", "Ketua: Agustinus Mali", "Sekretaris: Yohanes Bria",
                  "Bidang Liputan: Fransiskus Bere", "meliput kegiatan desa"):
        assert shown in html, shown


def test_pengurus_are_named_without_their_accounts(app, kabuna_id):
    with app.app_context():
        linked = create_user("akun.rahasia", PASSWORD, "anggota", "Bendahara Baru", kim_id=kabuna_id)
        db.session.add(Pengurus(kim_id=kabuna_id, jabatan="bendahara", nama="Bendahara Baru", user_id=linked.id,
                                urutan=9))
        db.session.commit()
    _, html = page(app, f"/kim/{kabuna_id}")
    assert "Bendahara Baru" in html
    assert "akun.rahasia" not in html and "tertaut" not in html


def test_an_unverified_profile_says_so(app, people):
    with app.app_context():
        maudemu = db.session.get(KimGroup, find_user("anggota2").kim_id)
        maudemu_id = maudemu.id
    _, html = page(app, f"/kim/{maudemu_id}")
    assert "KIM Maudemu" in html and "belum diverifikasi" in html and "terverifikasi Dinas" not in html


def test_only_the_kims_own_approved_public_items_are_listed(app, member, moderator, berita, aduan, send_item,
                                                            member_in, kabuna_id):
    approved = send_item(member, berita(judul="Panen jagung di Kabuna"))
    moderator.decide(approved, "setujui")
    send_item(member, berita(judul="Masih menunggu moderasi"))
    rejected = send_item(member, berita(judul="Berita yang ditolak"))
    moderator.decide(rejected, "tolak", "Duplikat dari kiriman lain")
    complaint = send_item(member, aduan(uraian="Jalan rusak parah di dusun"))
    moderator.decide(complaint, "setujui")
    other = member_in("53.04.05.2001")
    elsewhere = send_item(other, other.berita(judul="Berita KIM lain"))
    moderator.decide(elsewhere, "setujui")

    _, html = page(app, f"/kim/{kabuna_id}")
    assert "Panen jagung di Kabuna" in html and f'href="/berita/{approved}"' in html
    for hidden in ("Masih menunggu moderasi", "Berita yang ditolak", "Jalan rusak parah", "Berita KIM lain"):
        assert hidden not in html, hidden


@pytest.mark.parametrize("path", ["/kim/999999", "/kim/abc", "/kim/99999999999999999999", "/kim/-1", "/kim/"])
def test_an_unknown_kim_is_not_found(app, path):
    assert app.test_client().get(path).status_code == 404


def test_the_profile_is_cacheable_like_the_portals_other_pages(app, kabuna_id, make_person, make_ketua):
    response, _ = page(app, f"/kim/{kabuna_id}")
    assert "private" not in response.headers.get("Cache-Control", "")
    assert "Set-Cookie" not in response.headers
    ketua_page = make_person(make_ketua()).get("/kim/profil")
    assert "no-store" in ketua_page.headers["Cache-Control"]


def test_the_desa_page_and_each_items_page_link_to_the_profile(app, member, moderator, berita, send_item,
                                                               kabuna_id):
    _, desa = page(app, "/desa/53.04.05.2006")
    assert f'href="/kim/{kabuna_id}">KIM Kabuna</a>' in desa
    item_id = send_item(member, berita(judul="Panen"))
    moderator.decide(item_id, "setujui")
    _, item = page(app, f"/berita/{item_id}")
    assert f'oleh <a href="/kim/{kabuna_id}">KIM Kabuna</a>' in item


def test_what_the_ketua_typed_is_shown_as_text_never_run(app, make_person, make_ketua, kabuna_id):
    ketua = make_person(make_ketua())
    attack = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    saved = ketua.client.post("/kim/profil", headers={"X-CSRFToken": ketua.csrf}, data={
        "sk_nomor": attack[:100], "sk_tanggal": "2021-03-15", "kontak": attack, "deskripsi": attack,
        "pengurus-0-jabatan": "bidang", "pengurus-0-nama": attack, "pengurus-0-bidang_nama": attack,
    })
    assert saved.status_code == 302
    pages = ((app.test_client(), f"/kim/{kabuna_id}"), (ketua.client, "/kim/profil"),
             (make_person("moderator").client, f"/moderasi/kim/{kabuna_id}"))
    for client, path in pages:
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def test_an_approved_kegiatan_is_on_the_profile_with_its_photo_and_a_pending_one_is_not(
        app, kabuna_id, member, moderator, kegiatan, upload):
    data = make_jpeg(320, 240)
    shown = kegiatan(keterangan="Sosialisasi KIM di balai desa", kategori="sosialisasi", peserta="45",
                     photos=[photo_declaration(data)])
    assert member.send(shown).status_code == 201
    assert upload(member, shown["photos"][0]["id"], data).status_code == 200
    moderator.decide(item_id(app, shown), "setujui")
    assert member.send(kegiatan(keterangan="Rapat pengurus masih menunggu")).status_code == 201

    _, html = page(app, f"/kim/{kabuna_id}")
    assert "Sosialisasi KIM di balai desa" in html and "45 peserta" in html
    assert "Rapat pengurus masih menunggu" not in html
    thumb = app.test_client().get(f"/media/{shown['photos'][0]['id']}/thumb.jpg")
    assert thumb.status_code == 200 and "public" in thumb.headers["Cache-Control"]
    # A kegiatan is not news: it stays off the portal's lists.
    assert "Sosialisasi KIM di balai desa" not in app.test_client().get("/").get_data(as_text=True)


def test_the_profile_shows_the_kims_dissemination_record(app, kabuna_id, member, diseminasi, published_pengumuman):
    assert member.send(diseminasi(kategori="pertemuan_warga", jangkauan="60")).status_code == 201
    assert member.send(diseminasi(kategori="grup_whatsapp", jangkauan="140")).status_code == 201
    _, html = page(app, f"/kim/{kabuna_id}")
    record = html.split('id="penyebaran"')[1]
    assert "melaporkan 2 kali menyebarkan pengumuman Dinas Kominfo, menjangkau kira-kira 200 orang" in record
    assert "Vaksinasi ternak gratis" in record and f'href="/pengumuman/{published_pengumuman}"' in record
    assert "Pertemuan warga" in record and "Grup WhatsApp" in record
