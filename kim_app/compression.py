"""Compressed answers (Flask-Compress), including the static files of the app shell.

Static files are streamed from disk, and Flask-Compress compresses streams only with brotli/zstd/deflate and leaves
their file handles to the garbage collector. The shell's files are a few kilobytes each, so we read them into
memory first: they then get the same treatment as any page — gzip included — and the file closes with the answer.
"""
from __future__ import annotations

import hashlib

import brotli
from flask import Flask, Response, request

from kim_app.extensions import compress

# The app shell's files are the same bytes for every phone until the next release, and a phone on 2G pays for each
# of them: they are packed with brotli's best quality (about 15 % smaller than the per-request default) once per
# process and content, and kept. Answers built per request keep Flask-Compress's quicker default.
STATIC_ENDPOINTS = ("static", "app_shell.versioned_module")
BEST_QUALITY = 11
_packed: dict[bytes, bytes] = {}


def _accepts_br() -> bool:
    return request.accept_encodings["br"] > 0


def init_app(app: Flask) -> None:
    compress.init_app(app)
    mimetypes = set(app.config["COMPRESS_MIMETYPES"])

    # Registered before the buffering below, so it runs after it and before Flask-Compress (which then leaves an
    # answer with its Content-Encoding alone).
    @app.after_request
    def pack_static_files_best(response: Response) -> Response:
        if (request.endpoint not in STATIC_ENDPOINTS or response.status_code != 200
                or response.mimetype not in mimetypes or response.direct_passthrough
                or "Content-Encoding" in response.headers or not _accepts_br()):
            return response
        body = response.get_data()
        if len(body) < app.config["COMPRESS_MIN_SIZE"]:
            return response
        key = hashlib.sha256(body).digest()
        if key not in _packed:
            _packed[key] = brotli.compress(body, quality=BEST_QUALITY)
        response.set_data(_packed[key])
        response.headers["Content-Encoding"] = "br"
        response.vary.add("Accept-Encoding")
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(f"{etag}:br")
        # The validator changed, so the browser's If-None-Match is compared again here, as Flask-Compress does.
        return response.make_conditional(request)

    # Registered after Flask-Compress's hook, so it runs before it (Flask runs after_request hooks in reverse).
    @app.after_request
    def buffer_small_text_files(response: Response) -> Response:
        if response.direct_passthrough and response.mimetype in mimetypes:
            response.direct_passthrough = False
            response.make_sequence()
        return response
