"""The member's installable app: the shell page, the web app manifest and the service worker.

The shell is the same for everyone (no user data in it), so the service worker can cache it and open the app with
no network. Its version is a hash of every file in it; the service worker's file list is generated here from
`static/`, never typed by hand. The registry of kinds (kim_app/items/kinds.py) reaches the phone the same way: the
shell's capture forms are drawn from it, and its JSON is embedded in the shell and prepended to the service worker,
where static/js/registry.js reads it.
"""
from __future__ import annotations

import hashlib
import json
import posixpath
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface

from kim_app.extensions import csrf
from kim_app.items import kinds

bp = Blueprint("app_shell", __name__)

# Answers that are the same whoever asks (the shell holds no user data), whatever the session cookie says.
SAME_FOR_EVERYONE = {"static", "app_shell.shell", "app_shell.web_manifest", "app_shell.service_worker",
                     "app_shell.versioned_module"}


class SharedShellSessions(SecureCookieSessionInterface):
    """Flask marks every answer of a request that looked at the session `Vary: Cookie`. The shell's files do not
    depend on it, and the session cookie changes after sign-in (the CSRF token joins it): under `Vary: Cookie` the
    worker's precache and its imports could not take the copies the page had just loaded from the HTTP cache, and
    revalidated every one of them (twenty round trips on 2G)."""

    def save_session(self, app, session, response) -> None:
        super().save_session(app, session, response)
        if request.endpoint in SAME_FOR_EVERYONE and "Vary" in response.headers:
            kept = [name for name in response.vary if name.lower() != "cookie"]
            if kept:
                response.headers["Vary"] = ", ".join(kept)
            else:
                del response.headers["Vary"]

SHELL_STATIC_DIRS = ("css", "js", "icons")
# Modules the app imports only when the member needs them (drafts, managing the outbox, finding items …), the help
# page, and the 512 px icons the browser asks for only to add the app to the home screen (which takes the network
# anyway). The service worker fetches them once it holds the shell (sw.js, keepLater), so the app starts from the shell
# alone (the first load's budget, tests/sync/test_weight.py) and still has them offline afterwards.
LATER_DIR = "js/later"
LATER_ICONS = "icon-512*"


def _project_root() -> Path:
    return Path(current_app.root_path).parent


def later_static_files() -> list[Path]:
    static = Path(current_app.static_folder)
    return sorted([*(static / LATER_DIR).rglob("*.js"), *(static / "icons").glob(LATER_ICONS)])


def shell_static_files() -> list[Path]:
    static = Path(current_app.static_folder)
    later = set(later_static_files())
    files = (p for d in SHELL_STATIC_DIRS for p in (static / d).rglob("*") if p.is_file())
    return sorted(p for p in files if p not in later)


def _shell_url(path: Path, version: str) -> str:
    """A shell file's URL. The ES modules are served under their version's URL (`versioned_module`), immutable: the
    page, the worker's own imports and its precache then share one copy in the HTTP cache, and the browser's check
    of the worker's imports at every online open is answered by that cache instead of 13 requests on 2G. Their
    relative imports stay under the same version by themselves."""
    relative = path.relative_to(Path(current_app.static_folder)).as_posix()
    if relative.startswith("js/") and relative.endswith(".js"):
        return f"/static/v/{version}/{relative}"
    return "/static/" + relative


def _shell_modules(version: str) -> list[str]:
    """Every ES module of the shell, from the same file list the service worker precaches."""
    urls = [_shell_url(path, version) for path in shell_static_files()]
    return [url for url in urls if url.startswith("/static/v/")]


@lru_cache(maxsize=8)
def _page_modules(version: str) -> tuple[str, ...]:
    """The modules the page needs to draw: app.js and what it imports statically, preloaded all at once instead of
    discovered one import level (one round trip on 2G) at a time. Only those: what app.js imports later (the sending
    side, the later tier) would take HTTP/1.1's six connections from them. The worker holds every shell module.
    Read from the files once per version (the version is a digest of them), not at every request of /app."""
    return tuple(f"/static/v/{version}/js/{name}" for name in _module_graph(["app.js"]))


def _render_shell(version: str) -> str:
    modules = _shell_modules(version)
    return render_template(
        "app/shell.html",
        kinds=list(kinds.KINDS.values()),
        registry=kinds.for_phone(),
        shell_version=version,
        preload_modules=_page_modules(version)[1:],
        # Run, not preloaded: early.js asks who is signed in at once; app.js starts the app.
        early_module=next(url for url in modules if url.endswith("/early.js")),
        app_module=next(url for url in modules if url.endswith("/app.js")),
    )


def _render_help() -> str:
    return render_template("app/bantuan.html")


@lru_cache(maxsize=8)
def _shell_manifest(_cache_key) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    static = Path(current_app.static_folder)
    files = shell_static_files()
    later = later_static_files()
    digest = hashlib.sha256()
    for path in files + later + [static / "manifest.webmanifest", _project_root() / "service-worker" / "sw.js"]:
        digest.update(str(path.relative_to(_project_root())).encode())
        digest.update(path.read_bytes())
    digest.update(_render_shell("").encode())
    digest.update(_render_help().encode())
    version = digest.hexdigest()[:16]
    urls = ["/app", "/manifest.webmanifest"] + [_shell_url(p, version) for p in files]
    later_urls = ["/bantuan"] + [_shell_url(p, version) for p in later]
    return version, tuple(urls), tuple(later_urls)


def shell_manifest() -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(version, the shell's urls, the urls fetched after it). Computed once per process in production; on every
    request while developing."""
    return _shell_manifest(_cache_key())


def _cache_key():
    return None if not current_app.debug else object()


def _validated(response: Response, tag: str) -> Response:
    """A validator for a URL that cannot carry its version: a check with nothing new is a 304 of a few bytes."""
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(tag)
    return response.make_conditional(request)


# Who is signed in, asked with the page itself: on HTTP/1.1 a request that waits for a module to run (early.js) queues
# behind the twenty module downloads on the browser's six connections. Only the answer from the network carries it (a
# first open, or an open with no worker in control: then early.js asks, and takes this answer); the worker keeps /app
# without it, so an open of the installed app asks nothing before the sync (sw.js).
EARLY_ME = "</api/v1/me>; rel=preload; as=fetch; crossorigin"


@bp.route("/app")
def shell():
    version, _, _ = shell_manifest()
    response = Response(_render_shell(version), mimetype="text/html")
    response.headers["Link"] = EARLY_ME
    return _validated(response, f"app-{version}")


@bp.route("/bantuan")
def help_page():
    """"Cara memakai KIM": the same for everyone, cached by the service worker, readable with no signal."""
    response = Response(_render_help(), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/app/bagikan", methods=["POST"])
@csrf.exempt
def share_target():
    """The manifest's share_target. The installed app's service worker answers this itself (it keeps the shared photo
    on the phone, offline too); the server sees it only from a browser without that worker, and just opens the app.
    It reads and keeps nothing, so it needs no CSRF token: the phone's share sheet cannot send one."""
    return redirect("/app", code=303)


@bp.route("/manifest.webmanifest")
def web_manifest():
    response = send_from_directory(current_app.static_folder, "manifest.webmanifest", max_age=3600)
    response.mimetype = "application/manifest+json"
    return response


# A static import of our modules (`import … from './x.js';`, over several lines too); not `import(…)`.
STATIC_IMPORT = re.compile(r"^import\s[^;]*?\bfrom\s+'([^']+)';", re.M)


def _module_graph(entries: list[str]) -> list[str]:
    """Every module under static/js that these (paths relative to static/js) import, directly or not, in the order
    found."""
    folder = Path(current_app.static_folder) / "js"
    found: list[str] = []
    todo = list(entries)
    while todo:
        name = todo.pop(0)
        if name in found:
            continue
        found.append(name)
        source = (folder / name).read_text()
        todo += [posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                 for target in STATIC_IMPORT.findall(source)]
    return found


def _worker_imports(source: str, version: str) -> str:
    """The worker's own imports, and one more line for each module they import in turn. A browser fetches a module
    graph one level at a time, and Chromium checks every script of a worker's first install with the server whatever
    its caching headers say: named all at once, the check is one wave of 304s instead of one per level (four on 2G,
    three seconds before the install could begin)."""
    direct = [url.removeprefix("/static/js/") for url in STATIC_IMPORT.findall(source)]
    deeper = [name for name in _module_graph(direct) if name not in direct]
    source = source.replace("from '/static/js/", f"from '/static/v/{version}/js/")
    return source + "".join(f"import '/static/v/{version}/js/{name}';\n" for name in deeper)


@bp.route("/sw.js")
def service_worker():
    version, urls, later = shell_manifest()
    source = (_project_root() / "service-worker" / "sw.js").read_text()
    header = (
        f"const SHELL_VERSION = {json.dumps(version)};\nconst SHELL_FILES = {json.dumps(list(urls))};\n"
        f"const LATER_FILES = {json.dumps(list(later))};\n"
        f"self.KIM_REGISTRY = {json.dumps(kinds.for_phone(), ensure_ascii=False)};\n"
    )
    # The worker's modules come from this version's URLs, as the page's do (`_shell_url`).
    source = _worker_imports(source, version)
    response = Response(header + source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _validated(response, f"sw-{version}")


@bp.route("/static/v/<version>/js/<path:name>")
def versioned_module(version: str, name: str):
    """A shell module under its version's URL (`_shell_url`). Immutable only when the version is the current one: a
    URL of another version gets today's file, revalidated every time, never pinned under the wrong name."""
    current, _, _ = shell_manifest()
    response = send_from_directory(Path(current_app.static_folder) / "js", name, mimetype="text/javascript")
    if version == current:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response
