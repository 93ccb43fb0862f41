"""Finding 5: absolute links come from PUBLIC_URL, never from the Host header, and hosts that are not ours are
refused before any view runs. The tests' PUBLIC_URL is http://localhost; 127.0.0.1 is trusted as well (live servers),
so a request naming it shows that the links ignore the request's own address."""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

import pytest

from kim_app import create_app
from kim_app.extensions import db
from kim_app.moderation import notify

A = "{http://www.w3.org/2005/Atom}"
OTHER_TRUSTED = "http://127.0.0.1:8443"  # trusted, but not the public address


def links_in(text: str) -> set[str]:
    return set(re.findall(r'https?://[^\s"<>\']+', text))


@pytest.fixture
def published(publish, berita):
    return publish(berita(judul="Panen jagung"))


def test_atom_feeds_link_to_the_public_url_whatever_the_host(app, published):
    client = app.test_client()
    for path in ("/feed.atom", "/kabupaten/53.04/feed.atom"):
        response = client.get(path, base_url=OTHER_TRUSTED)
        assert response.status_code == 200
        feed = ET.fromstring(response.get_data())
        hrefs = [link.get("href") for link in feed.iter(f"{A}link")]
        assert hrefs and all(href.startswith("http://localhost/") for href in hrefs), hrefs
        assert "127.0.0.1" not in response.get_data(as_text=True)


def test_berita_api_links_to_the_public_url_whatever_the_host(app, published):
    response = app.test_client().get("/api/v1/berita?kabupaten=53.04", base_url=OTHER_TRUSTED)
    (item,) = response.json["items"]
    assert item["url"] == f"http://localhost/berita/{published}"


def test_share_tags_and_canonical_link_use_the_public_url(app, published):
    page = app.test_client().get(f"/berita/{published}", base_url=OTHER_TRUSTED).get_data(as_text=True)
    assert f'<link rel="canonical" href="http://localhost/berita/{published}">' in page
    assert f'property="og:url" content="http://localhost/berita/{published}"' in page
    assert "127.0.0.1" not in page


@pytest.mark.parametrize("path", ["/", "/feed.atom", "/berita/1", "/masuk", "/moderasi"])
def test_an_unknown_host_is_refused_as_a_page(app, path):
    response = app.test_client().get(path, base_url="http://kim.penipu.example")
    assert response.status_code == 400
    assert "kim.penipu.example" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/berita", "/api/v1/me", "/api/v1/items"])
def test_an_unknown_host_is_refused_by_the_api(app, path):
    response = app.test_client().get(path, base_url="http://kim.penipu.example")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_forged_host_with_a_signed_in_member_is_refused_too(member):
    assert member.get("/api/v1/me", base_url="http://kim.penipu.example").status_code == 400


def test_email_links_use_the_public_url(app):
    with app.test_request_context("/", base_url="http://127.0.0.1:9999"):
        from kim_app.links import absolute

        assert absolute("/moderasi/item/7") == "http://localhost/moderasi/item/7"
        subject, body = notify.compose("Kabupaten Belu", [{"kind": "berita", "desa": "Kabuna",
                                                          "url": absolute("/moderasi/item/7")}])
    assert links_in(body) == {"http://localhost/moderasi/item/7"}


@pytest.fixture
def production_env(app, monkeypatch):
    from kim_app.notifications.vapid import generate_private_key, public_key_for

    private = generate_private_key()
    for name, value in {
        "SECRET_KEY": "x" * 64, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": public_key_for(private),
        "VAPID_SUBJECT": "mailto:kominfo@nttprov.example", "PUBLIC_URL": "https://kim.nttprov.example",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)


def start_production():
    production = create_app({"KIM_ENV": "production"})
    with production.app_context():
        db.engine.dispose()
    return production


def test_production_needs_public_url(production_env, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL")
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        start_production()


@pytest.mark.parametrize("value", ["http://kim.nttprov.example", "https://kim.nttprov.example/portal", "kim.example"])
def test_production_refuses_a_public_url_that_cannot_be_right(production_env, monkeypatch, value):
    monkeypatch.setenv("PUBLIC_URL", value)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        start_production()


def test_production_trusts_only_the_public_host_by_default(production_env):
    production = start_production()
    assert production.config["TRUSTED_HOSTS"] == ["kim.nttprov.example"]
    client = production.test_client()
    assert client.get("/api/v1/push/key", base_url="https://kim.nttprov.example").status_code == 200
    for forged in ("http://localhost", "https://kim.penipu.example", "https://nttprov.example"):
        assert client.get("/api/v1/push/key", base_url=forged).status_code == 400


def test_trusted_hosts_can_name_more_hosts(production_env, monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "kim.nttprov.example, 10.0.0.5")
    production = start_production()
    client = production.test_client()
    assert client.get("/api/v1/push/key", base_url="http://10.0.0.5:8000").status_code == 200
    assert client.get("/api/v1/push/key", base_url="https://kim.penipu.example").status_code == 400


def test_development_links_follow_the_port_of_make_run(monkeypatch, tmp_path):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("KIM_INSTANCE_PATH", str(tmp_path))
    development = create_app({"KIM_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert development.config["PUBLIC_URL"] == "http://127.0.0.1:8123"
    assert set(development.config["TRUSTED_HOSTS"]) == {"127.0.0.1", "localhost"}
    os.environ.pop("PORT", None)
