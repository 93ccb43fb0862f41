"""Compressed answers (Flask-Compress), including the static files of the app shell.

Static files are streamed from disk, and Flask-Compress compresses streams only with brotli/zstd/deflate and leaves
their file handles to the garbage collector. The shell's files are a few kilobytes each, so we read them into
memory first: they then get the same treatment as any page — gzip included — and the file closes with the answer.
"""
from __future__ import annotations

from flask import Flask, Response

from kim_app.extensions import compress


def init_app(app: Flask) -> None:
    compress.init_app(app)
    mimetypes = set(app.config["COMPRESS_MIMETYPES"])

    # Registered after Flask-Compress's hook, so it runs before it (Flask runs after_request hooks in reverse).
    @app.after_request
    def buffer_small_text_files(response: Response) -> Response:
        if response.direct_passthrough and response.mimetype in mimetypes:
            response.direct_passthrough = False
            response.make_sequence()
        return response
