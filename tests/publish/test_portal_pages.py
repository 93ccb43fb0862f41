"""The portal's pages per kecamatan and kategori, the way between them, and the tags that make a shared link show a
preview (Open Graph, Twitter cards) — all escaped."""
import re
from html.parser import HTMLParser

from tests.helpers import approved, make_jpeg

KABUNA = "53.04.05.2006"
MAUDEMU = "53.04.05.2001"  # the same kecamatan (Kakuluk Mesak)


class MetaTags(HTMLParser):
    """Every <meta property|name> of a page, by its key, with the value as a browser (or WhatsApp) reads it."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = attrs.get("property") or attrs.get("name")
        if tag == "meta" and key:
            self.tags[key] = attrs.get("content")


def test_kecamatan_page_lists_its_news_and_links_its_desa(app, member, member_in, moderator, berita):
    approved(app, member, moderator, berita(judul="Panen padi Kabuna"))
    maudemu = member_in(MAUDEMU)
    approved(app, maudemu, moderator, maudemu.berita(judul="Pasar desa Maudemu"))
    kupang = member_in("53.71.01.1001")
    approved(app, kupang, moderator, kupang.berita(judul="Berita dari Kupang"))
    page = app.test_client().get("/kecamatan/53.04.05").get_data(as_text=True)
    assert "Kecamatan Kakuluk Mesak" in page
    assert "Panen padi Kabuna" in page and "Pasar desa Maudemu" in page
    assert "Berita dari Kupang" not in page
    assert f'href="/desa/{KABUNA}">Desa Kabuna</a> <span class="meta">(1)</span>' in page


def test_kabupaten_page_lists_its_kecamatan_with_counts(app, member, member_in, moderator, berita):
    approved(app, member, moderator, berita())
    maudemu = member_in(MAUDEMU)
    approved(app, maudemu, moderator, maudemu.berita())
    page = app.test_client().get("/kabupaten/53.04").get_data(as_text=True)
    assert 'href="/kecamatan/53.04.05">Kec. Kakuluk Mesak</a> <span class="meta">(2)</span>' in page


def test_kategori_page_shows_only_its_category(app, member, moderator, berita):
    approved(app, member, moderator, berita(judul="Jagung hibrida", kategori="pertanian"))
    approved(app, member, moderator, berita(judul="Posyandu Sabtu", kategori="kesehatan"))
    visitor = app.test_client()
    page = visitor.get("/kategori/pertanian").get_data(as_text=True)
    assert "Pertanian, Peternakan &amp; Perikanan" in page
    assert "Jagung hibrida" in page and "Posyandu Sabtu" not in page
    assert visitor.get("/kategori/tidak-ada").status_code == 404
    assert visitor.get("/kecamatan/00.00.00").status_code == 404


def test_item_page_links_to_its_desa_kecamatan_kabupaten_and_kategori(app, member, moderator, berita):
    item_id = approved(app, member, moderator, berita(kategori="pertanian"))
    page = app.test_client().get(f"/berita/{item_id}").get_data(as_text=True)
    for href in (f"/desa/{KABUNA}", "/kecamatan/53.04.05", "/kabupaten/53.04", "/kategori/pertanian"):
        assert f'href="{href}"' in page, href


def test_pages_go_on_to_older_news_20_at_a_time(app, member, moderator, berita):
    for n in range(21):
        approved(app, member, moderator, berita(judul=f"Berita nomor {n:02d}", kategori="budaya"))
    visitor = app.test_client()
    first = visitor.get("/kategori/budaya").get_data(as_text=True)
    second = visitor.get("/kategori/budaya?halaman=2").get_data(as_text=True)
    assert "Berita nomor 20" in first and "Berita nomor 00" not in first and "?halaman=2" in first
    assert "Berita nomor 00" in second and "Berita nomor 20" not in second


def test_share_tags_without_a_photo_make_a_summary_card(app, member, moderator, berita):
    item_id = approved(app, member, moderator, berita(judul="Sumur bor dusun 3", isi="Air bersih mengalir."))
    tags = MetaTags(app.test_client().get(f"/berita/{item_id}").get_data(as_text=True)).tags
    assert tags["og:title"] == "Sumur bor dusun 3"
    assert tags["og:description"] == "Air bersih mengalir."
    assert tags["og:url"] == f"http://localhost/berita/{item_id}"
    assert tags["og:site_name"] == "KIM NTT" and tags["og:locale"] == "id_ID" and tags["og:type"] == "article"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", tags["article:published_time"])
    assert tags["twitter:card"] == "summary"
    assert "og:image" not in tags


def test_share_tags_with_a_photo_point_at_the_display_size(app, member, moderator, foto, upload):
    data = make_jpeg(1600, 900)
    body, (declared,) = foto(data)
    assert member.send(body).status_code == 201
    assert upload(member, declared["id"], data).json["state"] == "siap"
    item_id = approved(app, member, moderator, body)
    visitor = app.test_client()
    tags = MetaTags(visitor.get(f"/berita/{item_id}").get_data(as_text=True)).tags
    assert tags["og:image"] == f"http://localhost/media/{declared['id']}/display.jpg"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1280", "720")
    assert tags["twitter:card"] == "summary_large_image" and tags["twitter:image"] == tags["og:image"]
    assert visitor.get(f"/media/{declared['id']}/display.jpg").status_code == 200


def test_share_tags_keep_a_hostile_title_as_text(app, member, moderator, berita):
    payload = '"><script>alert(1)</script><meta property="og:title" content="palsu'
    item_id = approved(app, member, moderator, berita(judul=payload, isi=payload))
    html = app.test_client().get(f"/berita/{item_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    tags = MetaTags(html).tags
    assert tags["og:title"].startswith('"><script>alert(1)</script>')
    assert tags["twitter:title"].startswith('"><script>')
    assert html.count('property="og:title"') == 1


def test_share_button_is_a_whatsapp_link_enhanced_by_a_same_origin_module(app, member, moderator, berita):
    item_id = approved(app, member, moderator, berita())
    html = app.test_client().get(f"/berita/{item_id}").get_data(as_text=True)
    assert re.search(r'<a class="share" href="https://wa\.me/\?text=[^"]+" rel="noopener"', html)
    assert '<script type="module" src="/static/site/share.js"></script>' in html
    with app.test_client().get("/static/site/share.js") as script:
        assert script.status_code == 200 and "navigator.share" in script.get_data(as_text=True)


def test_unapproved_items_stay_out_of_kecamatan_and_kategori_pages(app, member, aduan, berita):
    member.send(berita(judul="Belum dimoderasi", kategori="pertanian"))
    member.send(aduan())
    visitor = app.test_client()
    for path in ("/kecamatan/53.04.05", "/kategori/pertanian", "/kabupaten/53.04"):
        page = visitor.get(path).get_data(as_text=True)
        assert "Belum dimoderasi" not in page and "Pipa air bersih" not in page, path
