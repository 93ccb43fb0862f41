"""The app must be light on a village connection: the whole shell — HTML, CSS, JS, manifest and icons — in at most
50 KB as it travels (compressed), the HTML in one 14 KB first round trip, and nothing from another origin. What the
app loads only on demand (drafts, managing the outbox, the help page …: LATER_FILES) follows the shell into the
service worker's cache; it has a budget of its own."""
import json
import re

import pytest

SHELL_BUDGET = 50 * 1024
LATER_BUDGET = 16 * 1024
HTML_BUDGET = 14 * 1024


# What Chrome on Android sends (over HTTPS, as in production).
CHROME = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def served_size(client, path: str) -> int:
    with client.get(path, headers=CHROME) as response:
        assert response.status_code == 200, path
        return len(response.get_data())


def shell_files(client) -> list[str]:
    source = client.get("/sw.js").get_data(as_text=True)
    return json.loads(re.search(r"^const SHELL_FILES = (\[.*\]);", source, re.M).group(1))


def later_files(client) -> list[str]:
    source = client.get("/sw.js").get_data(as_text=True)
    return json.loads(re.search(r"^const LATER_FILES = (\[.*\]);", source, re.M).group(1))


def test_text_is_served_compressed(app):
    client = app.test_client()
    for path in ("/app", "/static/js/sync.js", "/static/css/app.css", "/", "/api/openapi.json"):
        with client.get(path, headers=CHROME) as response:
            assert response.headers.get("Content-Encoding") in ("br", "gzip"), path
        with client.get(path, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.headers.get("Content-Encoding") == "gzip", path


def test_first_load_of_the_app_fits_the_budget(app):
    client = app.test_client()
    sizes = {path: served_size(client, path) for path in shell_files(client)}
    sizes["/sw.js"] = served_size(client, "/sw.js")
    total = sum(sizes.values())
    report = ", ".join(f"{p} {n}" for p, n in sorted(sizes.items(), key=lambda kv: -kv[1]))
    assert total <= SHELL_BUDGET, f"shell is {total} bytes compressed: {report}"
    assert sizes["/app"] <= HTML_BUDGET


def test_what_follows_the_shell_fits_its_own_budget(app):
    client = app.test_client()
    later = later_files(client)
    assert "/bantuan" in later and not set(later) & set(shell_files(client))
    total = sum(served_size(client, path) for path in later)
    assert total <= LATER_BUDGET, f"{total} bytes compressed after the shell"


@pytest.mark.parametrize("path", ["/app", "/", "/masuk"])
def test_pages_load_nothing_from_other_origins(app, path):
    page = app.test_client().get(path).get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert not re.match(r"^(https?:)?//", url) or "wa.me" in url, url
    with app.test_client().get("/static/css/app.css") as css:
        assert "@font-face" not in css.get_data(as_text=True)


def test_shell_files_are_compressed_once_at_brotlis_best_and_revalidate(app):
    import brotli

    client = app.test_client()
    for path in ("/app", "/sw.js", shell_files(client)[-1]):
        with client.get(path, headers={"Accept-Encoding": "identity"}) as response:
            plain = response.get_data()
        with client.get(path, headers=CHROME) as response:
            assert response.headers["Content-Encoding"] == "br", path
            assert "Accept-Encoding" in response.headers["Vary"], path
            body, etag = response.get_data(), response.headers.get("ETag")
        assert brotli.decompress(body) == plain, path
        assert len(body) == len(brotli.compress(plain, quality=11)), path
        if etag:
            # The phone's check at every online open: a few bytes when nothing changed.
            with client.get(path, headers={**CHROME, "If-None-Match": etag}) as again:
                assert again.status_code == 304, path
