"""The first open on 2G (issue 13): few round trips. Every module the page draws with is named in the shell at once,
who is signed in is asked before the modules have run, /app and /sw.js answer 304 when nothing changed, and the
modules live under their version's immutable URLs, which the page, the worker's imports and its precache share."""
import json
import re

CHROME = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def worker_constant(source: str, name: str):
    return json.loads(re.search(rf"^const {name} = (.*);$", source, re.M).group(1))


def static_imports(client, url: str, found: set[str]) -> set[str]:
    """The modules `url` imports statically, followed through the served files."""
    found.add(url)
    with client.get(url) as answer:
        source = answer.get_data(as_text=True)
    for target in re.findall(r"^import\s[^;]*?\bfrom\s+'([^']+)';", source, re.M):
        imported = url.rsplit("/", 1)[0] + "/" + target.removeprefix("./")
        if imported not in found:
            static_imports(client, imported, found)
    return found


def test_the_shell_preloads_what_draws_the_page_and_nothing_that_follows_it(app):
    client = app.test_client()
    page = client.get("/app").get_data(as_text=True)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', page))
    scripts = re.findall(r'<script type="module"[^>]* src="([^"]+)"', page)
    files = worker_constant(client.get("/sw.js").get_data(as_text=True), "SHELL_FILES")
    modules = {url for url in files if url.endswith(".js")}
    app_module = next(url for url in scripts if url.endswith("/app.js"))
    # Every module app.js needs before it runs is asked at once, not discovered one import level at a time …
    assert static_imports(client, app_module, set()) - {app_module} == preloaded
    assert not preloaded & set(scripts)
    # … and what follows the first paint (the sending side) leaves HTTP/1.1's six connections to them; the worker
    # holds every one of them all the same.
    assert not {url for url in preloaded if url.endswith(("/sync.js", "/triggers.js", "/upload.js"))}
    assert preloaded | set(scripts) <= modules
    assert {url for url in modules if url.endswith(("/sync.js", "/triggers.js", "/upload.js"))}


def test_who_is_signed_in_is_asked_before_the_app_modules(app):
    page = app.test_client().get("/app").get_data(as_text=True)
    scripts = re.findall(r'<script type="module"([^>]*) src="([^"]+)"', page)
    assert scripts[0][0] == " async" and scripts[0][1].endswith("/js/early.js")
    with app.test_client().get(scripts[0][1]) as early:
        assert "/api/v1/me" in early.get_data(as_text=True)
        assert "import" not in early.get_data(as_text=True)  # nothing to wait for before it runs


def test_app_and_worker_answer_304_when_nothing_changed(app):
    client = app.test_client()
    for path in ("/app", "/sw.js"):
        first = client.get(path, headers=CHROME)
        assert first.status_code == 200 and first.headers["ETag"], path
        again = client.get(path, headers={**CHROME, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
        assert again.get_data() == b""
        assert "no-cache" in again.headers["Cache-Control"]


def test_the_worker_imports_its_modules_from_immutable_urls_of_its_version(app):
    client = app.test_client()
    source = client.get("/sw.js").get_data(as_text=True)
    version = worker_constant(source, "SHELL_VERSION")
    imports = re.findall(r"^import .* from '([^']+)';$", source, re.M)
    assert imports and all(url.startswith(f"/static/v/{version}/js/") for url in imports), imports
    imported = f"/static/v/{version}/js/sync.js"
    assert imported in imports
    with client.get(imported) as module, client.get("/static/js/sync.js") as plain:
        assert module.status_code == 200 and module.mimetype == "text/javascript"
        assert module.get_data() == plain.get_data()
        assert "immutable" in module.headers["Cache-Control"]
    # Another version's URL is never cached for good: it would pin today's file under the wrong name.
    with client.get("/static/v/0000000000000000/js/api.js") as other:
        assert other.status_code == 200 and "immutable" not in other.headers["Cache-Control"]
    assert client.get(f"/static/v/{version}/js/nothing.js").status_code == 404
    assert client.get(f"/static/v/{version}/js/..%2Fcss%2Fapp.css").status_code == 404


def test_shell_files_do_not_vary_with_the_session_cookie(app, member):
    """The cookie changes after sign-in; were the shell's files marked `Vary: Cookie`, the worker could not take the
    copies the page had just loaded from the HTTP cache."""
    source = member.get("/sw.js").get_data(as_text=True)
    for url in [*worker_constant(source, "SHELL_FILES"), "/sw.js"]:
        with member.get(url) as response:
            assert "cookie" not in response.headers.get("Vary", "").lower(), url
    assert "Cookie" in member.get("/api/v1/me").headers["Vary"]  # what does depend on it still says so


def test_the_shell_from_the_network_asks_who_is_signed_in_with_the_page(app):
    """Asked by the document, /api/v1/me does not queue behind the module downloads; early.js takes that answer by
    asking exactly the same request, and the worker keeps /app without the hint (service-worker/sw.js)."""
    client = app.test_client()
    response = client.get("/app")
    assert response.headers["Link"] == "</api/v1/me>; rel=preload; as=fetch; crossorigin"
    early = re.search(r'<script type="module" async src="([^"]+)"', response.get_data(as_text=True)).group(1)
    with client.get(early) as module:
        assert "fetch('/api/v1/me', { credentials: 'same-origin' })" in module.get_data(as_text=True)
    assert "headers.delete('Link')" in client.get("/sw.js").get_data(as_text=True)
