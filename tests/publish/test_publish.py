"""The public portal: approved berita for everyone, per desa and kabupaten; complaints and complainants never."""

from sqlalchemy import select

from kim_app.extensions import db
from kim_app.items.models import Item
from tests.helpers import approved


def test_home_shows_approved_news_without_login(app, member, moderator, berita):
    approved(app, member, moderator, berita(judul="Festival tenun ikat Belu"))
    member.send(berita(judul="Belum dimoderasi"))
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Festival tenun ikat Belu" in page
    assert "Belum dimoderasi" not in page


def test_news_page_per_item_desa_and_kabupaten(app, member, moderator, berita):
    item_id = approved(app, member, moderator, berita(judul="Sumur bor untuk dusun 3"))
    visitor = app.test_client()
    item_page = visitor.get(f"/berita/{item_id}").get_data(as_text=True)
    assert "Sumur bor untuk dusun 3" in item_page
    assert "https://wa.me/?text=" in item_page
    assert 'property="og:title" content="Sumur bor untuk dusun 3"' in item_page
    assert "Sumur bor untuk dusun 3" in visitor.get("/desa/53.04.05.2006").get_data(as_text=True)
    assert "Sumur bor untuk dusun 3" in visitor.get("/kabupaten/53.04").get_data(as_text=True)
    assert "Sumur bor untuk dusun 3" not in visitor.get("/kabupaten/53.01").get_data(as_text=True)


def test_unpublished_items_are_not_found(app, member, moderator, berita, aduan):
    member.send(berita())
    aduan_id = approved(app, member, moderator, aduan())
    visitor = app.test_client()
    with app.app_context():
        pending_id = db.session.scalar(select(Item.id).where(Item.kind == "berita"))
    assert visitor.get(f"/berita/{pending_id}").status_code == 404
    # An approved complaint is accepted for follow-up, never published as news.
    assert visitor.get(f"/berita/{aduan_id}").status_code == 404


def test_complainant_never_appears_on_public_pages(app, member, moderator, aduan, berita):
    approved(app, member, moderator, aduan(pelapor_nama="Rahasia Pelapor", pelapor_telepon="0811 999 888"))
    approved(app, member, moderator, berita())
    visitor = app.test_client()
    for path in ("/", "/kabupaten/53.04", "/desa/53.04.05.2006"):
        page = visitor.get(path).get_data(as_text=True)
        assert "Rahasia Pelapor" not in page and "0811 999 888" not in page


def test_unknown_pages_are_indonesian_html_for_people_and_problems_for_the_api(app):
    visitor = app.test_client()
    page = visitor.get("/desa/00.00")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Desa tidak ditemukan." in page.get_data(as_text=True)
    api = visitor.get("/api/v1/tidak-ada")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


def test_dates_show_in_wita_with_indonesian_months(app, member, moderator, berita):
    item_id = approved(app, member, moderator, berita())
    with app.app_context():
        from datetime import datetime, timezone

        item = db.session.get(Item, item_id)
        item.published_at = datetime(2026, 8, 16, 23, 30, tzinfo=timezone.utc)
        db.session.commit()
    page = app.test_client().get(f"/berita/{item_id}").get_data(as_text=True)
    assert "17 Agustus 2026, 07.30 WITA" in page
