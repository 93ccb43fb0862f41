"""Finding 6: every answer that depends on the account is `private, no-store` (`private, no-cache` when it carries an
ETag to revalidate), decided by one rule (kim_app/security.py); public answers keep their caching."""
from __future__ import annotations

import pytest

from tests.helpers import make_jpeg


def directives(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


def assert_private(response, where: str = "") -> None:
    found = directives(response)
    assert "private" in found and ("no-store" in found or "no-cache" in found), (where, found)
    assert "public" not in found and not any(d.startswith(("max-age", "s-maxage")) for d in found), (where, found)


@pytest.fixture
def complaint(app, member, send_item, aduan):
    return send_item(member, aduan(pelapor_nama="Maria Pelapor", pelapor_telepon="0812 555 777"))


def test_desk_item_page_with_a_complainant_is_not_stored(moderator, complaint):
    response = moderator.get(f"/moderasi/item/{complaint}")
    assert "Maria Pelapor" in response.get_data(as_text=True)
    assert_private(response)
    assert "no-store" in directives(response)


@pytest.mark.parametrize("path", ["/moderasi", "/moderasi/dasbor", "/moderasi/dasbor.csv", "/moderasi/peringkat",
                                  "/moderasi/peringkat.csv", "/akun/kata-sandi", "/api/v1/me", "/"])
def test_desk_and_account_answers_are_not_stored(moderator, path):
    response = moderator.get(path)
    assert response.status_code == 200
    assert_private(response, path)


@pytest.mark.parametrize("path", ["/admin", "/admin/pengiriman"])
def test_admin_pages_are_not_stored(make_person, path):
    response = make_person("admin").get(path)
    assert response.status_code == 200
    assert_private(response, path)


def test_ketua_page_is_not_stored(make_person, make_ketua):
    assert_private(make_person(make_ketua()).get("/kim/anggota"))


def test_member_api_answers_are_not_stored(member, berita):
    body = berita()
    created = member.send(body)
    assert created.status_code == 201
    assert_private(created, "create")
    for path in ("/api/v1/items", f"/api/v1/items/{body['uuid']}", "/api/v1/me"):
        response = member.get(path)
        assert response.status_code == 200
        assert_private(response, path)
        assert "no-store" in directives(response)


def test_refusals_about_an_account_are_not_stored(app, member):
    assert_private(app.test_client().get("/api/v1/items"), "anonymous 401")
    assert_private(member.get("/api/v1/items/00000000-0000-0000-0000-000000000000"), "404")


def test_sign_in_page_with_its_token_is_not_stored(app):
    response = app.test_client().get("/masuk")
    assert_private(response)


def test_a_public_page_seen_signed_in_is_private_and_anonymous_it_is_not(app, member, publish, berita):
    item_id = publish(berita(judul="Panen jagung"))
    signed_in = member.get(f"/berita/{item_id}")
    assert "Keluar (anggota)" in signed_in.get_data(as_text=True)
    assert_private(signed_in)
    anonymous = app.test_client().get(f"/berita/{item_id}")
    assert "private" not in directives(anonymous) and "no-store" not in directives(anonymous)
    assert "Set-Cookie" not in anonymous.headers


def test_public_feeds_and_news_keep_their_caching_even_for_a_signed_in_member(app, member, publish, berita):
    publish(berita(judul="Panen jagung"))
    for client in (app.test_client(), member.client):
        feed = client.get("/feed.atom")
        assert {"public", "max-age=600"} <= directives(feed)
        news = client.get("/api/v1/berita?kabupaten=53.04")
        assert {"public", "max-age=300"} <= directives(news) and news.headers.get("ETag")
        assert "no-store" not in directives(news)
        key = client.get("/api/v1/push/key")
        assert {"public", "max-age=86400"} <= directives(key)


def test_photos_published_stay_public_and_unpublished_revalidate_privately(app, member, publish, foto, upload):
    data = make_jpeg(640, 480)
    body, (declared,) = foto(data)
    member.send(body)
    upload(member, declared["id"], data)
    own = member.get(f"/media/{declared['id']}/thumb.jpg")
    assert own.status_code == 200
    assert directives(own) == {"private", "no-cache"} and own.headers.get("ETag")
    publish(body)
    public = app.test_client().get(f"/media/{declared['id']}/thumb.jpg")
    assert "public" in directives(public) and "private" not in directives(public)
