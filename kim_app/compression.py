"""Compressed answers (Flask-Compress), including the static files of the app shell.

Static files are streamed from disk, and Flask-Compress compresses streams only with brotli/zstd/deflate and leaves
their file handles to the garbage collector. The shell's files are a few kilobytes each, so we read them into
memory first: they then get the same treatment as any page — gzip included — and the file closes with the answer.

Answers that are the same for everyone (the app shell and its files: `compress_once`) are compressed with brotli at
its best quality, once per process and content, and kept: a phone on 2G fetches them at first use and after every
update, where each kilobyte is felt, and they are too few to make the slow best quality cost anything. Every other
answer is compressed at Flask-Compress's quick default level, on the fly.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict

import brotli
from flask import Flask, Response, request

from kim_app.extensions import compress

BEST_QUALITY = 11
# The shell's files of two versions (a deploy) and the portal's static files, with room to spare.
ONCE_KEPT = 256


def _buffer(response: Response, mimetypes: set[str]) -> None:
    if response.direct_passthrough and response.mimetype in mimetypes:
        response.direct_passthrough = False
        response.make_sequence()


def init_app(app: Flask) -> None:
    compress.init_app(app)
    mimetypes = set(app.config["COMPRESS_MIMETYPES"])

    # Registered after Flask-Compress's hook, so it runs before it (Flask runs after_request hooks in reverse).
    @app.after_request
    def buffer_small_text_files(response: Response) -> Response:
        _buffer(response, mimetypes)
        return response


def compress_once(app: Flask, endpoints: set[str]) -> None:
    """Compress the answers of these endpoints with brotli's best quality, each content once. Call after `init_app`
    and after every hook that changes those answers' bodies: it must run before Flask-Compress's hook, which then
    leaves an answer that already has its Content-Encoding alone (and only adds `Vary: Accept-Encoding`)."""
    mimetypes = set(app.config["COMPRESS_MIMETYPES"])
    kept: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    @app.after_request
    def compress_best(response: Response) -> Response:
        if (request.endpoint not in endpoints or request.method not in ("GET", "HEAD")
                or response.status_code != 200 or "Content-Encoding" in response.headers
                or response.mimetype not in mimetypes or not _accepts_br()):
            return response
        _buffer(response, mimetypes)
        if response.direct_passthrough or response.is_streamed:
            return response
        data = response.get_data()
        if len(data) < app.config["COMPRESS_MIN_SIZE"]:
            return response
        key = (request.path, hashlib.sha256(data).hexdigest())
        body = kept.get(key)
        if body is None:
            body = brotli.compress(data, quality=BEST_QUALITY)
            kept[key] = body
            if len(kept) > ONCE_KEPT:
                kept.popitem(last=False)
        response.set_data(body)
        response.headers["Content-Encoding"] = "br"
        # As Flask-Compress does for what it compresses: the validator names the encoding, and a phone's
        # If-None-Match is answered here, once the body and its validator are final.
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(f"{etag}:br")
        response.vary.add("Accept-Encoding")
        return response.make_conditional(request)


def _accepts_br() -> bool:
    """Whether the client takes brotli: listed in Accept-Encoding, and not with q=0."""
    for part in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() == "br":
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False
