"""Atom feeds of published news: valid Atom 1.0 that any reader parses, escaped text, only published items, and
never a complainant."""
from xml.etree import ElementTree as ET

from tests.helpers import approved, make_jpeg

A = "{http://www.w3.org/2005/Atom}"


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{A}feed"
    return root


def test_feed_is_atom_with_the_required_elements(app, member, moderator, berita):
    item_id = approved(app, member, moderator, berita(judul="Panen jagung", isi="Petani memanen jagung."))
    feed = parse(app.test_client().get("/feed.atom"))
    assert feed.findtext(f"{A}id") == "http://localhost/"
    assert feed.findtext(f"{A}title") and feed.findtext(f"{A}updated").endswith("Z")
    assert feed.findtext(f"{A}author/{A}name") == "KIM NTT"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{A}link")}
    assert links == {"self": "http://localhost/feed.atom", "alternate": "http://localhost/"}
    (entry,) = feed.findall(f"{A}entry")
    assert entry.findtext(f"{A}id") == f"http://localhost/berita/{item_id}"
    assert entry.findtext(f"{A}title") == "Panen jagung"
    assert entry.find(f"{A}link[@rel='alternate']").get("href") == f"http://localhost/berita/{item_id}"
    assert entry.findtext(f"{A}updated").endswith("Z") and entry.findtext(f"{A}author/{A}name") == "KIM Kabuna"
    assert entry.findtext(f"{A}content") == "Petani memanen jagung."
    assert entry.find(f"{A}content").get("type") == "text" and entry.findtext(f"{A}summary")


def test_kabupaten_feed_has_only_its_own_published_news(app, member, member_in, moderator, berita, aduan):
    approved(app, member, moderator, berita(judul="Dari Belu"))
    kupang = member_in("53.71.01.1001")
    approved(app, kupang, moderator, kupang.berita(judul="Dari Kupang"))
    member.send(berita(judul="Belum dimoderasi"))
    approved(app, member, moderator, aduan(pelapor_nama="Pelapor Rahasia", pelapor_telepon="0812 000 111"))
    response = app.test_client().get("/kabupaten/53.04/feed.atom")
    titles = [entry.findtext(f"{A}title") for entry in parse(response).findall(f"{A}entry")]
    assert titles == ["Dari Belu"]
    body = response.get_data(as_text=True)
    assert "Pelapor Rahasia" not in body and "0812 000 111" not in body and "Pipa air" not in body
    assert app.test_client().get("/kabupaten/99.99/feed.atom").status_code == 404


def test_hostile_text_is_escaped_and_control_characters_dropped(app, member, moderator, berita):
    payload = "<script>alert(1)</script> & ]]> \x07\x1b"
    approved(app, member, moderator, berita(judul=f"Judul {payload}", isi=f"Isi {payload}"))
    response = app.test_client().get("/feed.atom")
    assert b"<script>" not in response.get_data()
    (entry,) = parse(response).findall(f"{A}entry")
    assert entry.findtext(f"{A}title") == "Judul <script>alert(1)</script> & ]]> "
    assert entry.findtext(f"{A}content") == "Isi <script>alert(1)</script> & ]]> "


def test_photo_story_carries_its_photo_as_an_enclosure(app, member, moderator, foto, upload):
    data = make_jpeg()
    body, (declared,) = foto(data)
    member.send(body)
    upload(member, declared["id"], data)
    approved(app, member, moderator, body)
    (entry,) = parse(app.test_client().get("/feed.atom")).findall(f"{A}entry")
    enclosure = entry.find(f"{A}link[@rel='enclosure']")
    assert enclosure.get("href") == f"http://localhost/media/{declared['id']}/display.jpg"
    assert entry.findtext(f"{A}content") == body["keterangan"]


def test_pages_announce_their_feed(app):
    visitor = app.test_client()
    home = visitor.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml" title="Semua berita KIM NTT" href="/feed.atom">' in home
    kabupaten = visitor.get("/kabupaten/53.04").get_data(as_text=True)
    feed_link = 'type="application/atom+xml" title="Berita dari Kabupaten Belu" href="/kabupaten/53.04/feed.atom"'
    assert feed_link in kabupaten


def test_empty_feed_is_still_valid(app):
    feed = parse(app.test_client().get("/kabupaten/53.01/feed.atom"))
    assert feed.findall(f"{A}entry") == [] and feed.findtext(f"{A}updated")
