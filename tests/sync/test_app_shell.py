"""The installable app: a shell with no personal data, a manifest, and a service worker whose file list and version
are generated from static/ (never typed twice)."""
import json
import re


def test_shell_is_the_same_for_everyone_and_needs_no_login(app, member):
    anonymous = app.test_client().get("/app")
    signed_in = member.get("/app")
    assert anonymous.status_code == 200
    assert anonymous.get_data() == signed_in.get_data()
    page = anonymous.get_data(as_text=True)
    assert '<html lang="id"' in page
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert "anggota" not in page.lower().split("<body", 1)[0]  # no account name in the head
    assert "Pemerintahan Desa" in page and "Air Bersih" in page  # categories come from the registry of kinds


def test_manifest_makes_the_app_installable(app):
    with app.test_client().get("/manifest.webmanifest") as response:
        assert response.mimetype == "application/manifest+json"
        manifest = json.loads(response.get_data())
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "id"
    assert manifest["start_url"] == "/app"
    assert manifest["theme_color"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        with app.test_client().get(icon["src"]) as icon_response:
            assert icon_response.status_code == 200


def test_service_worker_lists_every_shell_file_with_a_content_version(app):
    response = app.test_client().get("/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    version = re.search(r'^const SHELL_VERSION = "([0-9a-f]{16})";', source, re.M).group(1)
    files = json.loads(re.search(r"^const SHELL_FILES = (\[.*\]);", source, re.M).group(1))
    assert "/app" in files and f"/static/v/{version}/js/app.js" in files and "/static/css/app.css" in files
    client = app.test_client()
    for path in files:
        with client.get(path) as file_response:
            assert file_response.status_code == 200, path
    assert version in client.get("/app").get_data(as_text=True)
