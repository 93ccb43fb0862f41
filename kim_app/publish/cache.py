"""Rendered portal pages, kept until something public changes.

The portal's pages are read far more often than they change: a berita shared in a desa's WhatsApp group is opened by
hundreds of people within minutes, and each open used to cost the same queries and the same rendering. Here a page
rendered for an anonymous visitor is kept and served again until the **portal generation** moves on.

The generation is one counter in the database (`portal_generation`, one row). It moves in the same transaction as
whatever changes what the public sees — an item published, a photo of a published item withdrawn (every move of an
item of a public kind that is or was approved: `items.events.moved`), an import of the region names — so it can never
run ahead of the data or lag behind it: a page is kept under the generation it was rendered at, and a reader who gets
the next generation gets a new page. Reading it is one primary-key query, the same cost as `/healthz`.

Where the pages are kept: in Redis when REDIS_URL is set, so every worker of every app server shares them (and a
publish empties them all at once); otherwise in each worker's memory, a bounded LRU. A page older than
PORTAL_CACHE_SECONDS is rendered again in any case (what no move announces, a KIM renamed, ages out).

Only what is the same for everyone is kept: requests with no session or remember cookie (a signed-in visitor sees their
own menu), answers 200 that did not touch the session, and only the first pages of each list (`halaman` ≤
CACHED_PAGES): what people read, and a bound on what a crawler asking for every page number can make us keep. Every
answer from here carries an ETag, so a browser that has the page asks again for a 304 of a few bytes.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from functools import wraps

import brotli
import redis
from flask import current_app, make_response, request
from sqlalchemy import select, update
from sqlalchemy.orm import Mapped, mapped_column

from kim_app import inputs, security
from kim_app.accounts.session import carries_session
from kim_app.extensions import db
from kim_app.items import events
from kim_app.items.statuses import Status

logger = logging.getLogger(__name__)

CACHED_PAGES = 5
# The answer's headers that belong to the page itself; everything else is added again per request (security headers).
KEPT_HEADERS = ("Cache-Control", "Content-Type")
REDIS_PREFIX = "kim:portal:"


class PortalGeneration(db.Model):
    """The one row whose value moves whenever something the public sees changes (migration 0018)."""

    __tablename__ = "portal_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


_GENERATION = PortalGeneration.__table__
# Read at every page the portal serves: a statement of the table's columns, which the session passes straight to its
# connection, without the ORM's compile and result machinery that a select of the mapped class goes through.
_CURRENT = select(_GENERATION.c.value).where(_GENERATION.c.id == 1)


def current() -> int:
    return db.session.execute(_CURRENT).scalar() or 0


def bump() -> None:
    """The public portal changes with the current transaction: pages rendered before it are not served again."""
    db.session.execute(update(PortalGeneration).where(PortalGeneration.id == 1)
                       .values(value=PortalGeneration.value + 1))


def _on_moved(item, move, event) -> None:
    # A move of a public kind's item touches the portal if the item is published now or was before the move (its
    # status before is the event's from_status): publishing, and a published item's photo withdrawn.
    if item.spec.public and Status.DISETUJUI in (item.status, event.from_status):
        bump()


class LocalPages:
    """One worker's pages: the most recently used PORTAL_CACHE_ENTRIES, each for at most `seconds`."""

    def __init__(self, entries: int, seconds: int):
        self.entries, self.seconds = entries, seconds
        self.pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, now: float) -> bytes | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None or now - found[0] > self.seconds:
                return None
            self.pages.move_to_end(key)
            return found[1]

    def put(self, key: str, value: bytes, now: float) -> None:
        with self.lock:
            self.pages[key] = (now, value)
            self.pages.move_to_end(key)
            while len(self.pages) > self.entries:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


class RedisPages:
    """Pages shared by every worker of every app server. Redis not answering costs a render, never an error."""

    def __init__(self, url: str, seconds: int):
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.seconds = seconds

    def get(self, key: str, now: float) -> bytes | None:
        try:
            return self.client.get(REDIS_PREFIX + key)
        except Exception:  # noqa: BLE001 — a cache that is down is a cache miss
            logger.warning("Portal page cache: Redis did not answer", exc_info=True)
            return None

    def put(self, key: str, value: bytes, now: float) -> None:
        try:
            self.client.set(REDIS_PREFIX + key, value, ex=self.seconds)
        except Exception:  # noqa: BLE001
            logger.warning("Portal page cache: Redis did not answer", exc_info=True)

    def clear(self) -> None:
        for key in self.client.scan_iter(REDIS_PREFIX + "*"):
            self.client.delete(key)


def _pages():
    return current_app.extensions["kim_portal_pages"]


def forget_all(app) -> None:
    """Drop every kept page: for a database replaced as a whole (a restore, a test's fresh data), where the counter
    may return to a value whose pages showed other data."""
    app.extensions["kim_portal_pages"].clear()


def _shared_by_everyone() -> bool:
    return current_app.config["PORTAL_CACHE_SECONDS"] > 0 and not carries_session()


def _key() -> str | None:
    """The page's key: the path and the only argument that changes a portal page. None for a page not kept."""
    page = inputs.arg_int("halaman", label="Nomor halaman", default=1, minimum=1, maximum=inputs.MAX_PAGE)
    if page > CACHED_PAGES:
        return None
    return f"{current()}:{request.path}:{page}"


ENCODINGS = ("identity", "br", "gzip")


def _encoded(body: bytes) -> dict[str, bytes]:
    """The page as each browser may take it, compressed once when it is kept rather than at every answer."""
    config = current_app.config
    return {
        "identity": body,
        "br": brotli.compress(body, quality=config.get("COMPRESS_BR_LEVEL", 4)),
        "gzip": gzip.compress(body, compresslevel=config.get("COMPRESS_LEVEL", 6)),
    }


def _etag(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def _stored(bodies: dict[str, bytes], headers: list[tuple[str, str]]) -> bytes:
    sizes = [len(bodies[name]) for name in ENCODINGS]
    meta = {"headers": headers, "sizes": sizes, "etag": _etag(bodies["identity"])}
    return json.dumps(meta).encode() + b"\n" + b"".join(bodies[name] for name in ENCODINGS)


def _unpacked(stored: bytes) -> tuple[dict[str, bytes], list, str]:
    head, rest = stored.split(b"\n", 1)
    meta = json.loads(head)
    bodies, start = {}, 0
    for name, size in zip(ENCODINGS, meta["sizes"], strict=True):
        bodies[name] = rest[start:start + size]
        start += size
    # The page's validator, worked out once when it was kept (an entry kept by an older version has none).
    return bodies, meta["headers"], meta.get("etag") or _etag(bodies["identity"])


def cached(view):
    """Serve the view's page from the cache when it is the same for everyone, and keep what it renders."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _key() if _shared_by_everyone() else None
        if key is None:
            return view(*args, **kwargs)
        now = time.monotonic()
        stored = _pages().get(key, now)
        if stored is not None:
            bodies, headers, etag = _unpacked(stored)
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or security.is_private():
                return response
            headers = [(name, value) for name, value in response.headers.items() if name in KEPT_HEADERS]
            bodies = _encoded(response.get_data())
            etag = _etag(bodies["identity"])
            _pages().put(key, _stored(bodies, headers), now)
        encoding = request.accept_encodings.best_match(ENCODINGS[1:]) or "identity"
        # Named as Flask-Compress names a compressed answer's ETag, "<etag>:<algorithm>", so a browser revalidates
        # the same way whether the page was kept or rendered.
        if encoding != "identity":
            etag = f"{etag}:{encoding}"
        # The page differs for a signed-in visitor (their menu) and by encoding: a cache in between must not mix them.
        vary = "Accept-Encoding, Cookie"
        if etag in request.if_none_match:
            unchanged = current_app.response_class(status=304, headers={"Vary": vary})
            unchanged.set_etag(etag)
            return unchanged
        response = current_app.response_class(bodies[encoding], headers=headers)
        response.headers["Vary"] = vary
        if encoding != "identity":
            response.headers["Content-Encoding"] = encoding  # Flask-Compress leaves an encoded answer as it is
        response.set_etag(etag)
        return response

    return wrapper


def init_app(app) -> None:
    seconds = app.config["PORTAL_CACHE_SECONDS"]
    app.extensions["kim_portal_pages"] = (
        RedisPages(app.config["REDIS_URL"], seconds) if app.config.get("REDIS_URL")
        else LocalPages(app.config["PORTAL_CACHE_ENTRIES"], seconds)
    )
    events.moved.connect(_on_moved)
