"""The portal's pages of the Dinas' pengumuman: the active ones concerning a kabupaten or a desa (with Atom feeds), the
hoax clarifications on their own page; drafts, withdrawn, expired and other regions' ones never."""
from datetime import timedelta
from xml.etree import ElementTree as ET  # nosec B405 — parsing our own feed in a test

from sqlalchemy import update

from kim_app.accounts.services import find_user
from kim_app.extensions import db
from kim_app.pengumuman import services
from kim_app.pengumuman.forms import Draft
from kim_app.pengumuman.models import Pengumuman
from kim_app.timeutil import utcnow

ATOM = "{http://www.w3.org/2005/Atom}"
KABUNA = "53.04.05.2006"


def published(app, judul: str, username: str = "moderator", publish: bool = True, **fields) -> int:
    with app.app_context():
        draft = Draft(judul=judul, isi=f"Isi {judul}.", **fields)
        found = services.save(find_user(username), draft, publish=publish)
        db.session.commit()
        return found.id


def test_a_kabupaten_and_a_desa_show_what_concerns_them(app):
    published(app, "Untuk seluruh NTT", "admin", provinsi=True)
    published(app, "Untuk Belu", areas={"kabupaten": ["53.04"]})
    published(app, "Untuk Kabuna", areas={"desa": [KABUNA]})
    published(app, "Untuk desa tetangga", areas={"desa": ["53.04.05.2001"]})
    published(app, "Untuk Kupang", "moderator.kupang", areas={"kabupaten": ["53.01"]})
    published(app, "Masih draf", publish=False, areas={"kabupaten": ["53.04"]})
    withdrawn = published(app, "Sudah ditarik", areas={"kabupaten": ["53.04"]})
    expired = published(app, "Sudah berakhir", areas={"kabupaten": ["53.04"]})
    with app.app_context():
        db.session.execute(update(Pengumuman).where(Pengumuman.id == withdrawn).values(status="ditarik"))
        db.session.execute(update(Pengumuman).where(Pengumuman.id == expired)
                           .values(expires_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    reader = app.test_client()

    belu = reader.get("/kabupaten/53.04/pengumuman").get_data(as_text=True)
    for shown in ("Untuk seluruh NTT", "Untuk Belu", "Untuk Kabuna", "Untuk desa tetangga"):
        assert shown in belu
    for hidden in ("Untuk Kupang", "Masih draf", "Sudah ditarik", "Sudah berakhir"):
        assert hidden not in belu

    kabuna = reader.get(f"/desa/{KABUNA}/pengumuman").get_data(as_text=True)
    for shown in ("Untuk seluruh NTT", "Untuk Belu", "Untuk Kabuna"):
        assert shown in kabuna
    assert "Untuk desa tetangga" not in kabuna and "Untuk Kupang" not in kabuna

    assert "Pengumuman Dinas Kominfo untuk wilayah ini" in reader.get("/kabupaten/53.04").get_data(as_text=True)
    assert reader.get("/kabupaten/99.99/pengumuman").status_code == 404
    assert reader.get("/desa/53.04.05.9999/pengumuman.atom").status_code == 404


def test_the_feeds_carry_the_active_pengumuman_with_links_to_their_pages(app):
    pid = published(app, 'Rapat "KIM" & <warga>', areas={"kabupaten": ["53.04"]})
    reader = app.test_client()
    for path in ("/kabupaten/53.04/pengumuman.atom", f"/desa/{KABUNA}/pengumuman.atom", "/pengumuman.atom"):
        answer = reader.get(path)
        assert answer.status_code == 200 and answer.mimetype == "application/atom+xml", path
        feed = ET.fromstring(answer.get_data())  # nosec B314
        entries = feed.findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}title") for e in entries] == ['Rapat "KIM" & <warga>']
        assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/pengumuman/{pid}")
    assert reader.get(f"/pengumuman/{pid}").status_code == 200


def test_hoax_clarifications_have_their_own_page(app):
    published(app, "Bukan hoaks, hanya pengumuman", areas={"kabupaten": ["53.04"]})
    published(app, "Tidak ada bantuan lewat tautan WhatsApp", jenis="klarifikasi", areas={"kabupaten": ["53.04"]},
              rincian={"klaim": "Daftar bantuan Rp 2 juta lewat tautan", "fakta": "Bantuan hanya lewat desa."})
    page = app.test_client().get("/klarifikasi-hoaks").get_data(as_text=True)
    assert "Tidak ada bantuan lewat tautan WhatsApp" in page
    assert "Daftar bantuan Rp 2 juta lewat tautan" in page and "Bantuan hanya lewat desa." in page
    assert "Bukan hoaks, hanya pengumuman" not in page
    everything = app.test_client().get("/pengumuman").get_data(as_text=True)
    assert "Bukan hoaks, hanya pengumuman" in everything and 'href="/klarifikasi-hoaks"' in everything
