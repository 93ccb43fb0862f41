"""Absolute links to public pages, for text that leaves the site (a WhatsApp message, an e-mail): built on
PUBLIC_URL, the address people reach the site at, when it is set — behind a proxy the request's own host may be an
internal name — and on the request's address otherwise."""
from __future__ import annotations

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
