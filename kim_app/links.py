"""Absolute links, always from PUBLIC_URL (kim_app/config.py), never from the request's Host header.

A feed, a share tag or an e-mail is read far from the request that made it — by a shared cache, a feed reader, a
moderator's mail client. Built from the Host header, one forged request could plant another site's address in an
answer that is then served to everyone for minutes. Relative links (inside pages, the phone's API, push
notifications, which the service worker opens at its own origin) need none of this.
"""
from __future__ import annotations

from flask import current_app, url_for


def absolute(path: str) -> str:
    """This site's path as an absolute link: PUBLIC_URL + path."""
    # A PUBLIC_URL written with a trailing slash must not make "//" in every link.
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def absolute_url_for(endpoint: str, **values) -> str:
    return absolute(url_for(endpoint, **values))
