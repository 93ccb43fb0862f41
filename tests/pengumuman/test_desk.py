"""The desk writes pengumuman: within the author's own area only, never with an expiry in the past, nothing written
when refused; draf → terbit → ditarik; the KIM groups a pengumuman reaches."""
from datetime import timedelta

from sqlalchemy import select

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.pengumuman import services
from kim_app.pengumuman.models import Pengumuman
from kim_app.timeutil import WITA, utcnow
from kim_app.wilayah.models import KimGroup
from kim_app.wilayah.services import ensure_kim_group
from tests.helpers import pengumuman_rows, write_pengumuman

KEC_KAKULUK_MESAK = "53.04.05"  # KIM Kabuna (53.04.05.2006) and KIM Maudemu (53.04.05.2001) lie in it
DESA_KABUNA = "53.04.05.2006"


def only_pengumuman(app) -> Pengumuman:
    with app.app_context():
        found = db.session.scalars(select(Pengumuman)).one()
        assert found.targets is not None  # loaded before the session ends
        db.session.expunge(found)
        return found


def test_a_moderator_publishes_to_a_kecamatan_of_their_kabupaten(app, make_person):
    moderator = make_person("moderator")
    response = write_pengumuman(moderator, kecamatan=KEC_KAKULUK_MESAK, kedaluwarsa=str(utcnow().date()
                                                                                         + timedelta(days=7)))
    assert response.status_code == 302
    page = moderator.get("/moderasi/pengumuman").get_data(as_text=True)
    assert "Vaksinasi ternak gratis" in page and "Terbit" in page and "Kec. Kakuluk Mesak" in page
    stored = only_pengumuman(app)
    assert (stored.status, stored.kabupaten_kode) == ("terbit", "53.04")


def test_a_target_outside_the_moderators_kabupaten_is_refused_and_nothing_is_written(app, make_person):
    moderator = make_person("moderator")
    response = write_pengumuman(moderator, kabupaten="53.01", kecamatan=KEC_KAKULUK_MESAK)
    assert response.status_code == 403
    assert "di luar wilayah Anda" in response.get_data(as_text=True)
    assert "Vaksinasi ternak gratis" in response.get_data(as_text=True)  # the form comes back as typed
    assert pengumuman_rows(app) == (0, 0)


def test_only_the_admin_targets_the_whole_province(app, make_person):
    refused = write_pengumuman(make_person("moderator"), provinsi="1")
    assert refused.status_code == 403 and "seluruh provinsi" in refused.get_data(as_text=True)
    assert pengumuman_rows(app) == (0, 0)
    assert write_pengumuman(make_person("admin"), provinsi="1").status_code == 302
    stored = only_pengumuman(app)
    assert stored.kabupaten_kode is None and [t.tingkat for t in stored.targets] == ["provinsi"]


def test_a_kim_group_of_another_kabupaten_is_refused(app, make_person):
    with app.app_context():
        other = ensure_kim_group("KIM Kota", "53.71.01.1001").id
        db.session.commit()
    response = write_pengumuman(make_person("moderator"), kim=str(other))
    assert response.status_code == 403
    assert pengumuman_rows(app) == (0, 0)


def test_an_expiry_in_the_past_is_refused(app, make_person):
    yesterday = (utcnow().astimezone(WITA) - timedelta(days=1)).date()
    response = write_pengumuman(make_person("moderator"), desa=DESA_KABUNA, kedaluwarsa=yesterday.isoformat())
    assert response.status_code == 422
    assert "kedaluwarsa sudah lewat" in response.get_data(as_text=True)
    assert pengumuman_rows(app) == (0, 0)


def test_publishing_needs_a_target_but_a_draf_does_not(app, make_person):
    moderator = make_person("moderator")
    refused = write_pengumuman(moderator)
    assert refused.status_code == 422 and "sasaran" in refused.get_data(as_text=True)
    assert pengumuman_rows(app) == (0, 0)
    assert write_pengumuman(moderator, action="draf").status_code == 302
    assert only_pengumuman(app).status == "draf"


def test_an_agenda_keeps_its_start_in_utc_and_shows_it_in_wita(app, make_person):
    moderator = make_person("moderator")
    missing = write_pengumuman(moderator, jenis="agenda", desa=DESA_KABUNA, tempat="Balai desa")
    assert missing.status_code == 422 and "jam mulai" in missing.get_data(as_text=True)
    sent = write_pengumuman(moderator, jenis="agenda", desa=DESA_KABUNA, mulai="2027-01-05T09:30",
                            tempat="Balai desa Kabuna")
    assert sent.status_code == 302
    stored = only_pengumuman(app)
    assert stored.rincian == {"mulai": "2027-01-05T01:30:00+00:00", "tempat": "Balai desa Kabuna"}
    page = make_person().get(f"/pengumuman/{stored.id}").get_data(as_text=True)
    assert "5 Januari 2027, 09.30 WITA" in page and "Balai desa Kabuna" in page


def test_a_klarifikasi_needs_the_claim_and_the_facts(app, make_person):
    moderator = make_person("moderator")
    refused = write_pengumuman(moderator, jenis="klarifikasi", desa=DESA_KABUNA, klaim="Vaksin berbahaya")
    assert refused.status_code == 422 and "fakta" in refused.get_data(as_text=True)
    assert write_pengumuman(moderator, jenis="klarifikasi", desa=DESA_KABUNA, klaim="Vaksin berbahaya",
                            fakta="Vaksin sudah diuji BPOM.").status_code == 302


def test_a_draf_is_published_then_withdrawn(app, make_person):
    moderator = make_person("moderator")
    write_pengumuman(moderator, action="draf", desa=DESA_KABUNA)
    pid = only_pengumuman(app).id
    assert make_person().get(f"/pengumuman/{pid}").status_code == 404  # a draf is not public
    token = moderator.form_token("/moderasi/pengumuman")
    assert moderator.client.post(f"/moderasi/pengumuman/{pid}/terbitkan", data={"csrf_token": token}).status_code == 302
    assert make_person().get(f"/pengumuman/{pid}").status_code == 200
    assert moderator.client.post(f"/moderasi/pengumuman/{pid}/tarik", data={"csrf_token": token}).status_code == 302
    assert only_pengumuman(app).status == "ditarik"
    assert make_person().get(f"/pengumuman/{pid}").status_code == 404


def test_another_kabupatens_moderator_finds_nothing(app, make_person):
    write_pengumuman(make_person("moderator"), desa=DESA_KABUNA)
    pid = only_pengumuman(app).id
    other = make_person("moderator.kupang")
    assert other.get(f"/moderasi/pengumuman/{pid}").status_code == 404
    assert "Vaksinasi" not in other.get("/moderasi/pengumuman").get_data(as_text=True)
    token = other.form_token("/moderasi/pengumuman")
    assert other.client.post(f"/moderasi/pengumuman/{pid}/tarik", data={"csrf_token": token}).status_code == 404
    assert only_pengumuman(app).status == "terbit"


def test_targets_kim_follows_the_areas(app, make_person):
    moderator = make_person("moderator")
    write_pengumuman(moderator, desa=DESA_KABUNA)
    write_pengumuman(moderator, kecamatan=KEC_KAKULUK_MESAK)
    with app.app_context():
        kabuna = find_user("anggota").kim_id
        maudemu = db.session.scalar(select(KimGroup.id).where(KimGroup.nama == "KIM Maudemu"))
        by_desa, by_kecamatan = db.session.scalars(select(Pengumuman).order_by(Pengumuman.id)).all()
        assert set(db.session.scalars(services.targets_kim(by_desa))) == {kabuna}
        assert set(db.session.scalars(services.targets_kim(by_kecamatan))) == {kabuna, maudemu}
