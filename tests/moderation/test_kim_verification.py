"""The Dinas verifies KIM profiles: a moderator their own kabupaten's KIM groups, the admin every one. A group outside
the moderator's kabupaten answers like a missing one; an incomplete or since-changed profile is not verified."""
from __future__ import annotations

import re

import pytest

from kim_app.accounts.services import create_user, find_user
from kim_app.extensions import db
from kim_app.wilayah.models import KimGroup
from kim_app.wilayah.services import ensure_kim_group
from tests.helpers import PASSWORD

DESK = "/moderasi/kim"


@pytest.fixture
def kims(app, people):
    """KIM Kabuna (demo, verified), KIM Maudemu (Belu, empty profile) and a KIM in Kabupaten Kupang."""
    with app.app_context():
        kupang = ensure_kim_group("KIM Otan", "53.01.04.2004")
        db.session.commit()
        found = {"kabuna": find_user("anggota").kim_id, "maudemu": find_user("anggota2").kim_id, "kupang": kupang.id}
        db.session.remove()
    return found


def group(app, kim_id: int) -> KimGroup:
    with app.app_context():
        found = db.session.get(KimGroup, kim_id)
        db.session.expunge(found)
        db.session.remove()
    return found


def unverify(app, kim_id: int) -> None:
    with app.app_context():
        db.session.get(KimGroup, kim_id).diverifikasi_at = None
        db.session.commit()
        db.session.remove()


def verify(person, kim_id: int, version: str | None = None):
    page = person.get(f"{DESK}/{kim_id}").get_data(as_text=True)
    if version is None:
        version = re.search(r'name="versi" value="([^"]+)"', page).group(1)
    return person.client.post(f"{DESK}/{kim_id}/verifikasi", data={"versi": version},
                              headers={"X-CSRFToken": person.csrf})


def test_a_moderator_lists_their_kabupatens_kim_groups_with_the_state_of_each(moderator, kims):
    html = moderator.get(DESK).get_data(as_text=True)
    assert "KIM Kabuna" in html and "KIM Maudemu" in html and "KIM Otan" not in html
    assert "Terverifikasi" in html and "Belum lengkap" in html
    waiting = moderator.get(f"{DESK}?status=belum_lengkap").get_data(as_text=True)
    assert "KIM Maudemu" in waiting and "KIM Kabuna</a>" not in waiting


def test_the_admin_lists_every_kabupaten(make_person, kims):
    html = make_person("admin").get(DESK).get_data(as_text=True)
    assert "KIM Kabuna" in html and "KIM Otan" in html


def test_a_moderator_verifies_a_complete_profile_and_who_and_when_are_recorded(app, moderator, people, kims):
    unverify(app, kims["kabuna"])
    assert "Menunggu verifikasi" in moderator.get(f"{DESK}/{kims['kabuna']}").get_data(as_text=True)
    response = verify(moderator, kims["kabuna"])
    assert response.status_code == 302
    stored = group(app, kims["kabuna"])
    assert stored.diverifikasi_at is not None and stored.diverifikasi_oleh == people.moderator
    page = moderator.get(f"{DESK}/{kims['kabuna']}").get_data(as_text=True)
    assert "oleh Maria Luruk" in page
    assert "✔ Profil terverifikasi" in app.test_client().get(f"/kim/{kims['kabuna']}").get_data(as_text=True)


def test_another_kabupatens_moderator_finds_no_such_kim_and_verifies_nothing(app, make_person, kims):
    unverify(app, kims["kabuna"])
    kupang = make_person("moderator.kupang")
    page = kupang.get(f"{DESK}/{kims['kabuna']}")
    missing = kupang.get(f"{DESK}/999999")
    assert page.status_code == missing.status_code == 404
    refused = kupang.client.post(f"{DESK}/{kims['kabuna']}/verifikasi", data={"versi": "x"},
                                 headers={"X-CSRFToken": kupang.csrf})
    assert refused.status_code == 404
    assert group(app, kims["kabuna"]).diverifikasi_at is None
    assert "KIM Otan" in kupang.get(DESK).get_data(as_text=True)


def test_an_incomplete_profile_is_not_verified(app, moderator, kims):
    page = moderator.get(f"{DESK}/{kims['maudemu']}").get_data(as_text=True)
    assert "Belum dapat diverifikasi" in page and 'name="versi"' not in page
    refused = verify(moderator, kims["maudemu"], version="baru")
    assert refused.status_code == 302
    assert "Profil belum lengkap (nomor dan tanggal SK, kontak, ketua di daftar pengurus)" in \
        moderator.get(f"{DESK}/{kims['maudemu']}").get_data(as_text=True)
    assert group(app, kims["maudemu"]).diverifikasi_at is None


def test_a_profile_changed_after_the_page_was_opened_is_not_verified(app, moderator, make_person, make_ketua, kims):
    unverify(app, kims["kabuna"])
    page = moderator.get(f"{DESK}/{kims['kabuna']}").get_data(as_text=True)
    seen = re.search(r'name="versi" value="([^"]+)"', page).group(1)
    ketua = make_person(make_ketua())
    changed = ketua.client.post("/kim/profil", headers={"X-CSRFToken": ketua.csrf}, data={
        "sk_nomor": "1/SK/2022", "sk_tanggal": "2022-01-01", "kontak": "0812 1", "pengurus-0-jabatan": "ketua",
        "pengurus-0-nama": "Ketua Baru",
    })
    assert changed.status_code == 302
    assert verify(moderator, kims["kabuna"], version=seen).status_code == 302
    assert "diubah ketua setelah halaman dibuka" in moderator.get(f"{DESK}/{kims['kabuna']}").get_data(as_text=True)
    assert group(app, kims["kabuna"]).diverifikasi_at is None
    assert verify(moderator, kims["kabuna"]).status_code == 302  # read again, then verified
    assert group(app, kims["kabuna"]).diverifikasi_at is not None


def test_a_ketua_edit_clears_a_verification_the_desk_then_shows_as_waiting(app, moderator, make_person, kims):
    with app.app_context():
        create_user("ketua.maudemu", PASSWORD, "anggota", "Ketua Maudemu", kim_id=kims["maudemu"], ketua=True)
        db.session.commit()
    ketua = make_person("ketua.maudemu")
    data = {"sk_nomor": "2/SK/2020", "sk_tanggal": "2020-05-01", "kontak": "0813 2", "pengurus-0-jabatan": "ketua",
            "pengurus-0-nama": "Ketua Maudemu"}
    assert ketua.client.post("/kim/profil", data=data, headers={"X-CSRFToken": ketua.csrf}).status_code == 302
    assert verify(moderator, kims["maudemu"]).status_code == 302
    assert group(app, kims["maudemu"]).diverifikasi_at is not None
    data["kontak"] = "0813 3"
    assert ketua.client.post("/kim/profil", data=data, headers={"X-CSRFToken": ketua.csrf}).status_code == 302
    assert group(app, kims["maudemu"]).diverifikasi_at is None
    assert "Menunggu verifikasi" in moderator.get(f"{DESK}/{kims['maudemu']}").get_data(as_text=True)
