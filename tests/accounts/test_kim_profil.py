"""The ketua keeps their own KIM's profile: SK, KIM.ID number, contact, description and pengurus. Saved whole or not
at all, with Indonesian messages; a change after the Dinas verified it clears the verification."""
from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from kim_app.accounts.services import create_user, find_user
from kim_app.extensions import db
from kim_app.wilayah.models import KimGroup
from tests.helpers import PASSWORD

PROFILE = "/kim/profil"


def form(pengurus=None, **fields) -> dict:
    """The profile form as the page posts it; `pengurus` rows are dicts of jabatan, nama, bidang_nama, akun, hapus."""
    data = {
        "sk_nomor": "140/12/SK/DS-KBN/2021",
        "sk_tanggal": "2021-03-15",
        "kimid_nomor": "KIM-5304-0012",
        "kontak": "0812 3700 1234",
        "deskripsi": "KIM Kabuna meliput kegiatan desa.",
        **fields,
    }
    rows = pengurus if pengurus is not None else [{"jabatan": "ketua", "nama": "Agustinus Mali"}]
    for number, row in enumerate(rows):
        for name, value in row.items():
            data[f"pengurus-{number}-{name}"] = value
    return data


def save(person, data: dict):
    return person.client.post(PROFILE, data=data, headers={"X-CSRFToken": person.csrf})


def kabuna(app) -> KimGroup:
    with app.app_context():
        group = db.session.get(KimGroup, find_user("anggota").kim_id)
        found = {
            "sk_nomor": group.sk_nomor, "sk_tanggal": group.sk_tanggal, "kontak": group.kontak,
            "deskripsi": group.deskripsi, "verified": group.diverifikasi_at is not None,
            "changed_at": group.profil_diubah_at,
            "pengurus": [(p.jabatan, p.nama, p.bidang_nama, p.user_id) for p in group.pengurus],
        }
        db.session.remove()
    return found


class FormValues(HTMLParser):
    """What a browser would post from the profile page as shown: inputs, the selected options, the textarea."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self.values.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def shown_form(person) -> dict:
    parser = FormValues()
    parser.feed(person.get(PROFILE).get_data(as_text=True).split('action="/kim/profil"', 1)[1])
    return parser.values


@pytest.fixture
def ketua(make_person, make_ketua):
    return make_person(make_ketua())


def test_the_ketua_sees_their_kims_profile_and_that_an_edit_clears_the_verification(ketua):
    page = ketua.get(PROFILE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Profil KIM Kabuna" in html and "140/12/SK/DS-KBN/2021" in html and "Agustinus Mali" in html
    assert "Terverifikasi" in html
    assert "verifikasi dibatalkan" in html


def test_an_edit_is_saved_and_the_dinas_must_verify_it_again(app, ketua):
    assert kabuna(app)["verified"]
    response = save(ketua, form(
        kontak="kimkabuna@example.id",
        pengurus=[{"jabatan": "ketua", "nama": "Agustinus Mali"},
                  {"jabatan": "bidang", "nama": "Fransiskus Bere", "bidang_nama": "Bidang Liputan"}],
    ))
    assert response.status_code == 302
    stored = kabuna(app)
    assert stored["kontak"] == "kimkabuna@example.id"
    assert stored["pengurus"] == [("ketua", "Agustinus Mali", None, None),
                                  ("bidang", "Fransiskus Bere", "Bidang Liputan", None)]
    assert not stored["verified"] and stored["changed_at"] is not None
    html = ketua.get(PROFILE).get_data(as_text=True)
    assert "menunggu verifikasi" in html.lower()


def test_the_page_posted_back_as_shown_changes_nothing(app, ketua):
    before = kabuna(app)
    response = save(ketua, shown_form(ketua))
    assert response.status_code == 302
    assert kabuna(app) == before
    assert "Tidak ada perubahan" in ketua.get(PROFILE).get_data(as_text=True)


def test_saving_an_unchanged_profile_keeps_the_verification(app, ketua):
    before = kabuna(app)
    rows = [{"jabatan": j, "nama": n, "bidang_nama": b or "", "akun": str(u or "")}
            for j, n, b, u in before["pengurus"]]
    response = save(ketua, form(
        pengurus=rows, sk_nomor=before["sk_nomor"], sk_tanggal=before["sk_tanggal"].isoformat(),
        kontak=before["kontak"], deskripsi=before["deskripsi"], kimid_nomor="KIM-5304-0012",
    ))
    assert response.status_code == 302
    assert kabuna(app)["verified"]
    assert "Tidak ada perubahan" in ketua.get(PROFILE).get_data(as_text=True)


@pytest.mark.parametrize("fields, pengurus, message", [
    ({"sk_tanggal": (date.today() + timedelta(days=3)).isoformat()}, None, "Tanggal SK tidak boleh di masa depan."),
    ({"sk_tanggal": "15-03-2021"}, None, "Tanggal SK harus dalam format TTTT-BB-HH."),
    ({"sk_tanggal": ""}, None, "Isi nomor SK bersama tanggalnya."),
    ({"deskripsi": "x" * 1001}, None, "Deskripsi paling banyak 1000 karakter."),
    ({"sk_nomor": "1" * 101}, None, "Nomor SK paling banyak 100 karakter."),
    ({}, [{"jabatan": "bidang", "nama": "Fransiskus Bere"}], "Pengurus baris 1: isi nama bidangnya"),
    ({}, [{"jabatan": "ketua", "nama": "A"}, {"jabatan": "ketua", "nama": "B"}], "Ketua hanya boleh satu orang."),
    ({}, [{"jabatan": "sekretaris", "nama": ""}, {"jabatan": "", "nama": "Tanpa jabatan"}],
     "Pengurus baris 1: nama wajib diisi."),
    ({}, [{"jabatan": "presiden", "nama": "Tanpa jabatan"}], "Pengurus baris 1: pilih jabatannya."),
    ({}, [{"jabatan": "ketua", "nama": "Ketua", "akun": "abc"}], "Akun anggota harus bilangan bulat"),
])
def test_a_wrong_profile_is_refused_whole_with_a_clear_message(app, ketua, fields, pengurus, message):
    before = kabuna(app)
    response = save(ketua, form(pengurus=pengurus, kontak="nomor baru", **fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html, html
    assert "Profil belum disimpan" in html
    assert kabuna(app) == before  # not the contact, not the pengurus, and still verified


def test_a_pengurus_links_only_to_an_active_member_of_the_same_kim(app, ketua, people):
    with app.app_context():
        own = create_user("sekre.kabuna", PASSWORD, "anggota", "Sekretaris Kabuna", kim_id=find_user("anggota").kim_id)
        db.session.commit()
        own_id = own.id
    page = ketua.get(PROFILE).get_data(as_text=True)
    assert "Sekretaris Kabuna (sekre.kabuna)" in page and "Fransiska Abuk" not in page  # anggota2 is of KIM Maudemu
    other = save(ketua, form(pengurus=[{"jabatan": "ketua", "nama": "X", "akun": str(people.anggota_lain)}]))
    assert other.status_code == 422
    assert "bukan anggota aktif KIM ini" in other.get_data(as_text=True)
    twice = save(ketua, form(pengurus=[{"jabatan": "ketua", "nama": "A", "akun": str(own_id)},
                                       {"jabatan": "sekretaris", "nama": "B", "akun": str(own_id)}]))
    assert "satu akun hanya dapat ditautkan ke satu jabatan" in twice.get_data(as_text=True)
    linked = save(ketua, form(pengurus=[{"jabatan": "ketua", "nama": "Agustinus Mali"},
                                        {"jabatan": "sekretaris", "nama": "Sekretaris Kabuna", "akun": str(own_id)}]))
    assert linked.status_code == 302
    assert ("sekretaris", "Sekretaris Kabuna", None, own_id) in kabuna(app)["pengurus"]


def test_rows_are_added_without_saving_and_removed_with_hapus(app, ketua):
    before = kabuna(app)
    rows = [{"jabatan": "ketua", "nama": "Agustinus Mali"}, {"jabatan": "bendahara", "nama": "Maria Goreti Luan"}]
    more = ketua.client.post(PROFILE, data={**form(pengurus=rows), "tambah": "1"},
                             headers={"X-CSRFToken": ketua.csrf})
    html = more.get_data(as_text=True)
    assert more.status_code == 200
    assert 'name="pengurus-2-nama"' in html and 'name="pengurus-3-nama"' not in html
    assert kabuna(app) == before
    removed = save(ketua, form(pengurus=[rows[0], {**rows[1], "hapus": "y"}]))
    assert removed.status_code == 302
    assert kabuna(app)["pengurus"] == [("ketua", "Agustinus Mali", None, None)]


def test_a_ketua_edits_only_their_own_kim(app, make_person, people):
    with app.app_context():
        maudemu_id = find_user("anggota2").kim_id
        create_user("ketua.maudemu", PASSWORD, "anggota", "Ketua Maudemu", kim_id=maudemu_id, ketua=True)
        db.session.commit()
    before = kabuna(app)
    other = make_person("ketua.maudemu")
    assert "Profil KIM Maudemu" in other.get(PROFILE).get_data(as_text=True)
    assert save(other, form(sk_nomor="9/SK/2020", sk_tanggal="2020-01-02")).status_code == 302
    assert kabuna(app) == before
    with app.app_context():
        assert db.session.scalar(select(KimGroup.sk_nomor).where(KimGroup.id == maudemu_id)) == "9/SK/2020"
    # A member who is not the ketua has no profile page.
    assert make_person("anggota").get(PROFILE).status_code == 403


def test_a_pengurus_whose_account_was_deactivated_keeps_the_link_until_the_ketua_changes_it(app, ketua, people):
    with app.app_context():
        db.session.get(type(find_user("anggota")), people.anggota).active = False
        db.session.commit()
    before = kabuna(app)
    assert ("sekretaris", "Yohanes Bria", None, people.anggota) in before["pengurus"]
    assert save(ketua, shown_form(ketua)).status_code == 302
    assert kabuna(app) == before
