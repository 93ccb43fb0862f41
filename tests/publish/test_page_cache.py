"""Portal pages kept between visitors (kim_app/publish/cache.py): a reader never sees a page older than what was
published, a browser that holds the page revalidates for a 304, and a signed-in visitor still sees their own menu."""
import gzip

import brotli

from kim_app.publish import cache
from tests.helpers import approved

PAGES = ("/", "/kabupaten/53.04", "/kecamatan/53.04.05", "/desa/53.04.05.2006", "/kategori/pertanian",
         "/feed.atom", "/kabupaten/53.04/feed.atom")


def test_news_published_after_a_page_was_kept_shows_at_once_everywhere(app, member, moderator, berita):
    reader = app.test_client()
    before = {path: reader.get(path).get_data(as_text=True) for path in PAGES}
    assert all("Panen jagung di Kabuna" not in page for page in before.values())

    item_id = approved(app, member, moderator, berita(judul="Panen jagung di Kabuna", kategori="pertanian"))

    for path in PAGES:
        assert "Panen jagung di Kabuna" in reader.get(path).get_data(as_text=True), path
    assert reader.get(f"/berita/{item_id}").status_code == 200


def test_a_browser_holding_the_page_gets_a_304_until_something_is_published(app, member, moderator, berita):
    reader = app.test_client()
    first = reader.get("/", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    assert first.headers["Content-Encoding"] == "gzip"

    again = reader.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag

    approved(app, member, moderator, berita(judul="Festival tenun ikat"))
    changed = reader.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_kept_pages_carry_the_page_headers_and_say_they_vary_by_cookie(app):
    reader = app.test_client()
    reader.get("/")
    kept = reader.get("/")
    assert kept.status_code == 200
    assert "default-src 'self'" in kept.headers["Content-Security-Policy"]
    assert kept.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Cookie" in kept.headers["Vary"]


def test_a_signed_in_visitor_sees_their_own_menu_and_nobody_else_does(app, moderator):
    anonymous = app.test_client()
    anonymous.get("/")
    signed_in = moderator.get("/").get_data(as_text=True)
    assert "Keluar (moderator)" in signed_in
    assert "Keluar (moderator)" not in anonymous.get("/").get_data(as_text=True)
    assert "Keluar" not in app.test_client().get("/").get_data(as_text=True)


def test_only_the_first_pages_of_a_list_are_kept(app):
    pages = app.extensions["kim_portal_pages"]
    reader = app.test_client()
    for number in range(1, 40):
        assert reader.get(f"/?halaman={number}&x={number}").status_code == 200
    assert len(pages.pages) == cache.CACHED_PAGES


def test_a_region_import_renews_the_pages(app):
    """The portal names the regions: pages kept before an import are not served after it."""
    reader = app.test_client()
    reader.get("/kabupaten/53.04")
    with app.app_context():
        before = cache.current()
    result = app.test_cli_runner().invoke(args=["kim", "import-wilayah", "53"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert cache.current() == before + 1


def test_a_kept_page_reads_the_same_in_every_encoding(app, member, moderator, berita):
    approved(app, member, moderator, berita(judul="Likurai di Atambua"))
    reader = app.test_client()
    plain = reader.get("/", headers={"Accept-Encoding": "identity"}).get_data()
    as_br = reader.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    as_gzip = reader.get("/", headers={"Accept-Encoding": "gzip"})
    assert as_br.headers["Content-Encoding"] == "br" and as_gzip.headers["Content-Encoding"] == "gzip"
    assert brotli.decompress(as_br.get_data()) == plain == gzip.decompress(as_gzip.get_data())
    assert b"Likurai di Atambua" in plain
