"""Errors as values people can act on: one place decides how every error looks.

The API answers RFC 9457 problem documents (`application/problem+json`); pages for people get an Indonesian HTML
page. flask-smorest registers a JSON handler for every HTTPException in the app, so the choice between the two is
made here, per request, by path and Accept header.
"""
from __future__ import annotations

import http
import logging

import marshmallow as ma
from flask import current_app, g, render_template, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

logger = logging.getLogger(__name__)

PROBLEM_TYPE_PREFIX = "urn:kim:problem:"
PROBLEM_MIMETYPE = "application/problem+json"
# Set on `g` when a refusal keeps what the request wrote (ProblemError.keeps_changes; kim_app/database.py commits).
KEEP_CHANGES = "kim_keep_changes"

# Indonesian titles for the HTTP errors raised by Flask and its extensions themselves.
TITLES = {
    400: "Permintaan tidak valid",
    401: "Belum masuk",
    403: "Tidak diizinkan",
    404: "Tidak ditemukan",
    405: "Metode tidak diizinkan",
    409: "Bertentangan dengan data yang ada",
    413: "Data terlalu besar",
    415: "Jenis data tidak didukung",
    422: "Data tidak valid",
    429: "Terlalu banyak percobaan",
    500: "Terjadi kesalahan di server",
}
SLUGS = {
    400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    409: "conflict", 413: "too-large", 415: "unsupported-media-type", 422: "validation", 429: "rate-limited",
    500: "server-error",
}
DETAILS = {
    401: "Sesi Anda sudah berakhir atau Anda belum masuk. Silakan masuk lagi.",
    403: "Akun Anda tidak punya hak untuk tindakan ini.",
    404: "Halaman atau data yang Anda cari tidak ada.",
    413: "Data yang dikirim melebihi batas ukuran.",
    422: "Ada isian yang belum lengkap atau tidak valid.",
    429: "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
    500: "Maaf, terjadi kesalahan. Data Anda tidak hilang; silakan coba lagi nanti.",
}


class ProblemError(Exception):
    """A rule of ours said no. Services raise subclasses; the handler below renders them. The request's changes are
    rolled back (kim_app/database.py), unless the refusal itself is news that must be kept (`keeps_changes`: a photo
    recorded as refused, a damaged upload reset to its first byte)."""

    status = 400
    slug = "bad-request"
    title = TITLES[400]
    keeps_changes = False

    def __init__(self, detail: str | None = None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", TITLES[404]


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", TITLES[403]


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", TITLES[409]


class Invalid(ProblemError):
    status, slug, title = 422, "validation", TITLES[422]


class ProblemSchema(ma.Schema):
    """The error payload of every API answer (documentation only; errors are built in `problem`)."""

    type = ma.fields.String(metadata={"description": "URI naming the kind of problem, e.g. urn:kim:problem:conflict"})
    title = ma.fields.String(metadata={"description": "Short Indonesian summary"})
    status = ma.fields.Integer()
    detail = ma.fields.String(metadata={"description": "Indonesian sentence saying what happened and what to do"})
    errors = ma.fields.Dict(metadata={"description": "Validation messages per field"})


# The keyword arguments of flask-smorest's `alt_response` for an error answer: `**PROBLEM` in every API blueprint.
PROBLEM = {"schema": ProblemSchema, "content_type": PROBLEM_MIMETYPE}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best is not None and best != "text/html"


def problem(status: int, slug: str, title: str, detail: str | None = None, headers=None, **extra):
    body = {"type": PROBLEM_TYPE_PREFIX + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    all_headers = {"Content-Type": PROBLEM_MIMETYPE}
    all_headers.update(headers or {})
    return body, status, all_headers


def _page(status: int, title: str, detail: str | None):
    return render_template("errors.html", status=status, title=title, detail=detail), status


UNTRUSTED_HOST_TITLE = "Alamat tidak dikenal"
UNTRUSTED_HOST_DETAIL = "Permintaan ini memakai alamat server yang bukan alamat KIM. Buka KIM lewat alamat resminya."
# No template: the page layout builds links from the request's address, which is the very thing refused here.
UNTRUSTED_HOST_PAGE = (
    '<!doctype html><html lang="id"><meta charset="utf-8"><title>Alamat tidak dikenal — KIM</title>'
    f"<h1>{UNTRUSTED_HOST_TITLE}</h1><p>{UNTRUSTED_HOST_DETAIL}</p></html>"
)


def _untrusted_host():
    """A Host header outside TRUSTED_HOSTS (kim_app/config.py): 400, without echoing the host anywhere."""
    if request.path.startswith("/api/") or not request.accept_mimetypes.accept_html:
        return problem(400, "untrusted-host", UNTRUSTED_HOST_TITLE, UNTRUSTED_HOST_DETAIL)
    return current_app.response_class(UNTRUSTED_HOST_PAGE, 400, mimetype="text/html")


def handle_problem_error(error: ProblemError):
    if error.keeps_changes:
        g.setdefault(KEEP_CHANGES, True)
    if wants_json():
        return problem(error.status, error.slug, error.title, error.detail, **error.extra)
    return _page(error.status, error.title, error.detail)


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        """Document every error answer as what it is: a problem document (the base class says application/json)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(ProblemError, handle_problem_error)

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        if status >= 500:
            # Never leave a half-done transaction behind an error page (whose menu may still query the database).
            current_app.extensions["sqlalchemy"].session.rollback()
            original = getattr(error, "original_exception", None)
            if original is not None:
                logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=original)
        title = TITLES.get(status, error.name)
        slug = SLUGS.get(status, f"http-{status}")
        detail = DETAILS.get(status)
        data = getattr(error, "data", None) or {}
        errors = data.get("errors")
        if errors is None and "messages" in data:
            # webargs puts validation messages per location; the body ("json") is the only one members see.
            messages = data["messages"]
            errors = messages.get("json", messages) if isinstance(messages, dict) else messages
        if errors is not None and not isinstance(errors, dict):
            # webargs reports an unreadable body as a bare English list; say it in Indonesian instead.
            errors = None
            detail = "Isi permintaan tidak bisa dibaca: kirim JSON yang sah."
        if isinstance(error, SecurityError):
            return _untrusted_host()
        if isinstance(error, CSRFError):
            slug, title = "csrf", "Token keamanan tidak berlaku"
            detail = "Token keamanan sudah kedaluwarsa. Muat ulang halaman lalu coba lagi."
        elif data.get("message"):
            detail = data["message"]
        if wants_json():
            return problem(status, slug, title, detail, headers=data.get("headers"), errors=errors)
        return _page(status, title, detail)
