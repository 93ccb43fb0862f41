"""A pengumuman's attachments: photos through the media pipeline, PDFs checked without being parsed and served as
downloads that cannot run; a file that is neither, or too large, is refused and nothing is written."""
from sqlalchemy import func, select

from kim_app.extensions import db
from kim_app.pengumuman.models import Lampiran
from tests.helpers import make_jpeg, make_pdf, pengumuman_rows, write_pengumuman

DESA_KABUNA = "53.04.05.2006"


def lampiran_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Lampiran))


def test_a_photo_and_a_pdf_reach_the_member_and_the_pdf_is_a_safe_download(app, make_person, member):
    pdf = make_pdf()
    sent = write_pengumuman(make_person("moderator"), desa=DESA_KABUNA,
                            files=[(pdf, "Materi sosialisasi.pdf"), (make_jpeg(800, 600), "rapat.jpg")])
    assert sent.status_code == 302, sent.get_data(as_text=True)
    pulled = member.get("/api/v1/items").json["pengumuman"][0]["lampiran"]
    assert [(a["jenis"], a["nama"]) for a in pulled] == [("pdf", "Materi sosialisasi.pdf"), ("foto", "rapat.jpg")]
    anyone = make_person()
    document = anyone.get(pulled[0]["url"])
    assert document.status_code == 200 and document.get_data() == pdf
    assert document.mimetype == "application/pdf"
    assert document.headers["Content-Disposition"].startswith("attachment;")
    assert document.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in document.headers["Content-Security-Policy"]
    photo = anyone.get(pulled[1]["url"])
    assert photo.mimetype == "image/jpeg" and pulled[1]["size"] == len(photo.get_data())
    assert anyone.get(pulled[1]["thumb_url"]).mimetype == "image/jpeg"
    assert anyone.get(pulled[0]["url"] + "/kecil").status_code == 404


def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_written(app, make_person):
    refused = write_pengumuman(make_person("moderator"), desa=DESA_KABUNA,
                               files=[(b"<html><script>alert(1)</script></html>", "surat.pdf")])
    assert refused.status_code == 422
    assert "bukan foto atau PDF" in refused.get_data(as_text=True)
    assert pengumuman_rows(app) == (0, 0) and lampiran_rows(app) == 0


def test_a_truncated_pdf_is_refused(app, make_person):
    refused = write_pengumuman(make_person("moderator"), desa=DESA_KABUNA, files=[(make_pdf()[:-8], "potong.pdf")])
    assert refused.status_code == 422 and "bukan PDF yang utuh" in refused.get_data(as_text=True)
    assert pengumuman_rows(app) == (0, 0)


def test_an_oversized_attachment_is_refused_with_its_limit(app, make_person, monkeypatch):
    monkeypatch.setitem(app.config, "PENGUMUMAN_LAMPIRAN_MAX_BYTES", 1024 * 1024)
    refused = write_pengumuman(make_person("moderator"), desa=DESA_KABUNA,
                               files=[(make_pdf(padding=1024 * 1024), "besar.pdf")])
    assert refused.status_code == 413
    assert "lebih dari 1 MB" in refused.get_data(as_text=True)
    assert pengumuman_rows(app) == (0, 0) and lampiran_rows(app) == 0


def test_a_body_beyond_the_forms_limit_is_refused_before_it_is_read(app, make_person, monkeypatch):
    monkeypatch.setitem(app.config, "PENGUMUMAN_LAMPIRAN_MAX_BYTES", 1024 * 1024)
    huge = make_pdf(padding=3 * 1024 * 1024)
    refused = write_pengumuman(make_person("moderator"), desa=DESA_KABUNA, files=[(huge, "sangat-besar.pdf")])
    assert refused.status_code == 413
    assert pengumuman_rows(app) == (0, 0)


def test_the_form_takes_attachments_larger_than_the_apps_usual_body_limit(app, make_person):
    three_mb = make_pdf(padding=3 * 1024 * 1024)
    assert len(three_mb) > app.config["MAX_CONTENT_LENGTH"]
    sent = write_pengumuman(make_person("moderator"), desa=DESA_KABUNA, files=[(three_mb, "panduan.pdf")])
    assert sent.status_code == 302
    assert lampiran_rows(app) == 1


def test_a_drafs_attachment_is_the_desks_only(app, make_person):
    moderator = make_person("moderator")
    write_pengumuman(moderator, action="draf", desa=DESA_KABUNA, files=[(make_pdf(), "draf.pdf")])
    with app.app_context():
        found = db.session.scalars(select(Lampiran)).one()
        path = f"/pengumuman/{found.pengumuman_id}/lampiran/{found.id}"
    assert make_person().get(path).status_code == 404
    assert make_person("moderator.kupang").get(path).status_code == 404
    mine = moderator.get(path)
    assert mine.status_code == 200 and "private" in mine.headers["Cache-Control"]
