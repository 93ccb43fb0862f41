"""GET /api/v1/berita: published news for the member's app to keep offline — public, narrowed by kabupaten or desa,
cheap to revalidate, and never a complainant or anything unpublished."""
from tests.helpers import approved, make_jpeg


def test_newest_published_news_of_a_kabupaten_without_login(app, member, member_in, moderator, berita):
    older = approved(app, member, moderator, berita(judul="Lebih dulu"))
    newer = approved(app, member, moderator, berita(judul="Lebih baru", kategori="kesehatan"))
    kupang = member_in("53.71.01.1001")
    approved(app, kupang, moderator, kupang.berita(judul="Dari Kupang"))
    member.send(berita(judul="Belum dimoderasi"))
    response = app.test_client().get("/api/v1/berita?kabupaten=53.04&limit=20")
    assert response.status_code == 200
    items = response.json["items"]
    assert [item["id"] for item in items] == [newer, older]
    first = items[0]
    assert first["judul"] == "Lebih baru" and first["kind"] == "berita"
    assert first["kategori"] == "kesehatan" and first["kategori_label"] == "Kesehatan"
    assert first["url"] == f"http://localhost/berita/{newer}"
    assert first["desa"] == {"kode": "53.04.05.2006", "nama": "Kabuna"}
    assert first["kecamatan"] == {"kode": "53.04.05", "nama": "Kakuluk Mesak"}
    assert first["kabupaten"] == {"kode": "53.04", "nama": "Kabupaten Belu"}
    assert first["kim"] == "KIM Kabuna" and first["photos"] == []
    assert set(first) == {
        "id", "kind", "judul", "isi", "kategori", "kategori_label", "published_at", "url", "kim", "desa", "kecamatan",
        "kabupaten", "photos",
    }


def test_narrowed_by_desa_and_limited(app, member, member_in, moderator, berita):
    for n in range(3):
        approved(app, member, moderator, berita(judul=f"Kabuna {n}"))
    maudemu = member_in("53.04.05.2001")
    approved(app, maudemu, moderator, maudemu.berita(judul="Maudemu"))
    visitor = app.test_client()
    kabuna = visitor.get("/api/v1/berita?desa=53.04.05.2006&limit=2").json["items"]
    assert [item["judul"] for item in kabuna] == ["Kabuna 2", "Kabuna 1"]
    assert len(visitor.get("/api/v1/berita").json["items"]) == 4


def test_photo_story_brings_its_photo_urls(app, member, moderator, foto, upload):
    data = make_jpeg(640, 480)
    body, (declared,) = foto(data)
    member.send(body)
    upload(member, declared["id"], data)
    approved(app, member, moderator, body)
    (item,) = app.test_client().get("/api/v1/berita?kabupaten=53.04").json["items"]
    assert item["kind"] == "foto" and item["judul"] == item["isi"] == body["keterangan"]
    assert item["photos"] == [{
        "thumb_url": f"/media/{declared['id']}/thumb.jpg", "display_url": f"/media/{declared['id']}/display.jpg",
        "width": 640, "height": 480,
    }]


def test_complaints_and_complainants_never_appear(app, member, moderator, aduan):
    approved(app, member, moderator, aduan(pelapor_nama="Nama Rahasia", pelapor_telepon="0812 111 222"))
    response = app.test_client().get("/api/v1/berita?kabupaten=53.04")
    assert response.json["items"] == []
    body = response.get_data(as_text=True)
    assert "Nama Rahasia" not in body and "0812 111 222" not in body and "Pipa" not in body


def test_unknown_or_malformed_codes_are_problems(app):
    visitor = app.test_client()
    unknown = visitor.get("/api/v1/berita?kabupaten=99.99")
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    assert visitor.get("/api/v1/berita?desa=99.99.99.9999").status_code == 404
    for query in ("kabupaten=53", "limit=0", "limit=51", "limit=x"):
        bad = visitor.get(f"/api/v1/berita?{query}")
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json", query


def test_unchanged_answer_revalidates_with_304(app, member, moderator, berita):
    approved(app, member, moderator, berita())
    visitor = app.test_client()
    first = visitor.get("/api/v1/berita?kabupaten=53.04")
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    again = visitor.get("/api/v1/berita?kabupaten=53.04", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    approved(app, member, moderator, berita(judul="Berita baru"))
    changed = visitor.get("/api/v1/berita?kabupaten=53.04", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and len(changed.json["items"]) == 2


def test_documented_as_a_public_operation(app):
    spec = app.test_client().get("/api/openapi.json").json
    operation = spec["paths"]["/api/v1/berita"]["get"]
    assert operation["security"] == []
    assert {p["name"] for p in operation["parameters"]} == {"kabupaten", "desa", "limit"}


def test_a_desa_and_its_kabupaten_in_one_answer_with_one_etag(app, member, member_in, moderator, berita):
    """What the member's app keeps for offline reading, asked once per sync run instead of once per area."""
    for n in range(3):
        approved(app, member, moderator, berita(judul=f"Kabuna {n}"))
    maudemu = member_in("53.04.05.2001")
    approved(app, maudemu, moderator, maudemu.berita(judul="Maudemu"))
    visitor = app.test_client()
    url = "/api/v1/berita/daerah?desa=53.04.05.2006&desa_limit=2&kabupaten=53.04&kabupaten_limit=20"
    first = visitor.get(url)
    assert [item["judul"] for item in first.json["desa"]["items"]] == ["Kabuna 2", "Kabuna 1"]
    assert [item["judul"] for item in first.json["kabupaten"]["items"]] == ["Maudemu", "Kabuna 2", "Kabuna 1",
                                                                          "Kabuna 0"]
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    assert visitor.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    approved(app, member, moderator, berita(judul="Kabuna 3"))
    assert visitor.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    only_kabupaten = visitor.get("/api/v1/berita/daerah?kabupaten=53.04").json
    assert only_kabupaten["desa"] is None and len(only_kabupaten["kabupaten"]["items"]) == 5


def test_an_area_answer_refuses_unknown_or_malformed_codes(app):
    visitor = app.test_client()
    assert visitor.get("/api/v1/berita/daerah?desa=53.04.05.9999").status_code == 404
    bad = visitor.get("/api/v1/berita/daerah?desa=kabuna&desa_limit=0")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
