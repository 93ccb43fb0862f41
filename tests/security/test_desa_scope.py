"""Finding 2: a member files items only into their own KIM's area — its desa, or any desa of its kecamatan for a KIM
formed at the kecamatan. Anything else is a 422 problem document with an Indonesian detail, and nothing is stored:
no item, no photo, nothing in another kabupaten's queue. The phone is told the choice (GET /api/v1/me)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, update

from kim_app.accounts.services import create_user
from kim_app.extensions import db
from kim_app.items.models import Item, Photo
from kim_app.wilayah.models import KimGroup
from kim_app.wilayah.services import ensure_kim_group
from tests.helpers import PASSWORD

KABUNA = "53.04.05.2006"  # the demo member's KIM's desa (Kec. Kakuluk Mesak, Kab. Belu)
MAUDEMU = "53.04.05.2001"  # same kecamatan
KUPANG = "53.71.01.1001"  # Kota Kupang: another kabupaten


def stored(app) -> tuple[int, int]:
    with app.app_context():
        counts = (db.session.scalar(select(func.count()).select_from(Item)),
                  db.session.scalar(select(func.count()).select_from(Photo)))
        db.session.remove()
    return counts


@pytest.mark.parametrize("desa_kode", [KUPANG, MAUDEMU, "53.01.04.2003"])
def test_member_cannot_file_into_a_desa_outside_their_kim(app, member, berita, aduan, desa_kode):
    before = stored(app)
    for body in (berita(desa_kode=desa_kode), aduan(desa_kode=desa_kode)):
        response = member.send(body)
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"
        problem = response.json
        assert problem["type"] == "urn:kim:problem:desa-outside-area"
        assert "di luar wilayah KIM Anda" in problem["detail"] and "Kabuna" in problem["detail"]
        assert problem["errors"]["desa_kode"]
    assert stored(app) == before


def test_refused_item_with_photos_declares_none(app, member, foto):
    body, _ = foto(b"\xff\xd8" + b"x" * 200)
    body["desa_kode"] = KUPANG
    before = stored(app)
    assert member.send(body).status_code == 422
    assert stored(app) == before


def test_nothing_reaches_another_kabupatens_queue(app, member, make_person, berita):
    assert member.send(berita(desa_kode="53.01.04.2003", judul="Salah alamat")).status_code == 422  # Kab. Kupang
    kupang = make_person("moderator.kupang").get("/moderasi").get_data(as_text=True)
    assert "Salah alamat" not in kupang


def test_own_desa_explicit_or_omitted_is_accepted(member, berita):
    assert member.send(berita(desa_kode=KABUNA)).status_code == 201
    assert member.send(berita()).status_code == 201


def test_me_tells_the_phone_the_one_desa_it_may_choose(member, moderator):
    assert member.me["desa_pilihan"] == [{"kode": KABUNA, "nama": "Kabuna"}]
    assert moderator.me["desa_pilihan"] == []


@pytest.fixture
def kecamatan_member(app, make_person):
    """A member of a KIM formed at the kecamatan of Kakuluk Mesak, seated in Maudemu."""
    with app.app_context():
        group = ensure_kim_group("KIM Kecamatan Kakuluk Mesak", MAUDEMU, "kecamatan")
        create_user("anggota.kec", PASSWORD, "anggota", "Anggota Kecamatan", kim_id=group.id)
        db.session.commit()
        db.session.remove()
    return make_person("anggota.kec")


def test_kecamatan_kim_chooses_among_the_desa_of_its_kecamatan(app, kecamatan_member):
    choices = kecamatan_member.me["desa_pilihan"]
    codes = [desa["kode"] for desa in choices]
    assert codes[0] == MAUDEMU and KABUNA in codes and len(codes) > 2
    assert all(code.startswith("53.04.05.") for code in codes)
    author = kecamatan_member.me["id"]
    from tests.helpers import berita_body

    assert kecamatan_member.send(berita_body(author_id=author, desa_kode=KABUNA)).status_code == 201
    refused = kecamatan_member.send(berita_body(author_id=author, desa_kode=KUPANG))
    assert refused.status_code == 422 and refused.json["type"] == "urn:kim:problem:desa-outside-area"


def test_a_revision_is_refused_when_the_items_desa_left_the_area(app, kecamatan_member, moderator):
    from tests.helpers import berita_body

    body = berita_body(author_id=kecamatan_member.me["id"], desa_kode=KABUNA)
    assert kecamatan_member.send(body).status_code == 201
    with app.app_context():
        item_id = db.session.scalar(select(Item.id).where(Item.client_uuid == uuid.UUID(body["uuid"])))
    moderator.decide(item_id, "revisi", "Tambahkan nama kelompok tani.")
    # The KIM is narrowed to its own desa: Kabuna is no longer in its area.
    with app.app_context():
        db.session.execute(update(KimGroup).where(KimGroup.nama == "KIM Kecamatan Kakuluk Mesak")
                           .values(cakupan="desa"))
        db.session.commit()
        db.session.remove()
    revision = {"author_id": body["author_id"], "captured_at": body["captured_at"], "kategori": body["kategori"],
                "judul": body["judul"], "isi": body["isi"] + " Kelompok tani Sehati.", "revision": 2}
    response = kecamatan_member.post_json(f"/api/v1/items/{body['uuid']}/revisions", revision)
    assert response.status_code == 422 and response.json["type"] == "urn:kim:problem:desa-outside-area"
    with app.app_context():
        assert db.session.get(Item, item_id).status == "perlu_revisi"
        db.session.remove()


def test_admin_registers_a_kecamatan_kim(app, make_person):
    import re

    admin = make_person("admin")
    page = admin.get("/admin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = admin.client.post("/admin/kim", data={"nama": "KIM Tingkat Kecamatan", "desa": KABUNA,
                                                     "cakupan": "kecamatan", "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        group = db.session.scalar(select(KimGroup).where(KimGroup.nama == "KIM Tingkat Kecamatan"))
        assert group.cakupan == "kecamatan"
        db.session.remove()
