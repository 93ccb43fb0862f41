"""Security headers, what each answer needs of them; and the one rule that keeps answers about an account out of
every cache.

The Content-Security-Policy allows scripts, styles and connections only from our own origin — no inline script or
style anywhere (templates and the app shell are written for that) — so text a member or a citizen typed can never run
as code, even if it slipped past escaping. `blob:` images are the photo previews the phone draws from IndexedDB.

Caching is decided by class, not per view: an answer that depends on who asks is `Cache-Control: private, no-store`
(`private, no-cache` when it carries an ETag, so it is revalidated every time and never kept stale). It depends on
who asks when the request identified an account (the session loader says so, kim_app/accounts/session.py), when
it sets the session cookie (a CSRF token, a sign-in), or when its path belongs to the desk, the account pages or
the member's API. Everything else keeps what its view chose: the portal's feeds, `/api/v1/berita`, published
photos and the app shell stay cacheable.

The policy and its companions (framing, referrer, permissions, opener) govern a document (a page, an SVG opened on
its own) or a worker (its script's answer, /sw.js). A JSON answer of the API, a module a page imports, a style sheet
or a photo is never a document: `nosniff` keeps a browser from taking it for one, and that is all it carries. On 2G
the page-only headers were most of what an empty pull downloads (~450 of ~600 bytes), and 450 bytes more on each of
the shell's twenty files (docs/sync-protocol.md, "Bytes on the wire").
"""
from __future__ import annotations

from flask import Flask, Response, g, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

EVERY_ANSWER = {"X-Content-Type-Options": "nosniff"}

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


ACCOUNT_DEPENDENT = "kim_account_dependent"
# Paths whose every answer is about an account, whether or not the view looked at it (a refusal included).
# `/kim/<id>` is a KIM's public profile; the ketua's pages under /kim are named one by one.
PRIVATE_PATHS = (
    "/moderasi", "/admin", "/kim/anggota", "/kim/profil", "/akun", "/masuk", "/keluar",
    "/api/v1/me", "/api/v1/items", "/api/v1/photos", "/api/v1/push/subscriptions",
)


def depends_on_account() -> None:
    """Mark this request's answer as depending on the account (or on whether its session still counts)."""
    g.setdefault(ACCOUNT_DEPENDENT, True)


def is_private() -> bool:
    return (
        bool(g.get(ACCOUNT_DEPENDENT))
        or session.modified
        or request.path.startswith(PRIVATE_PATHS)
    )


def keep_private(response: Response) -> Response:
    response.headers.pop("Expires", None)
    if response.get_etag()[0]:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in EVERY_ANSWER.items():
            response.headers.setdefault(name, value)
        if is_document(response):
            for name, value in PAGE_HEADERS.items():
                response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if is_private():
            keep_private(response)
        return response


DOCUMENT_TYPES = ("text/html", "image/svg+xml", "application/xhtml+xml")


def is_document(response: Response) -> bool:
    """A page, or something a browser may open as one, or a service worker's script (whose CSP is the worker's)."""
    return response.mimetype in DOCUMENT_TYPES or "Service-Worker-Allowed" in response.headers
