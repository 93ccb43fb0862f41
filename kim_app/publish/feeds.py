"""Atom 1.0 feeds of published news (RFC 4287), built with ElementTree so that every text is escaped by the
serializer, never by hand. Only what the public pages show goes in: no complainant, no member's name.
(Bandit's B405 is about parsing untrusted XML; this module only writes it.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET  # nosec B405

from kim_app.items.kinds import kategori_label
from kim_app.items.models import Item
from kim_app.timeutil import as_utc, utcnow
from kim_app.xmltext import xml_text

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MIMETYPE = "application/atom+xml"
SUMMARY_LENGTH = 200


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, name, {key: xml_text(value) for key, value in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _stamp(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"


@dataclass(frozen=True)
class Entry:
    """One entry of a feed, whatever it tells of: a published item, a pengumuman of the Dinas."""

    url: str
    title: str
    text: str
    published: datetime
    author: str
    category: tuple[str, str] | None = None  # (term, label)
    image: str | None = None


def item_entry(item: Item, url: str, image: str | None) -> Entry:
    return Entry(url=url, title=item.headline, text=item.body, published=item.published_at or item.updated_at,
                 author=item.kim.nama if item.kim else "KIM",
                 category=(item.kategori, kategori_label(item.kind, item.kategori)), image=image)


def atom(*, title: str, page_url: str, self_url: str, entries: list[Entry]) -> bytes:
    """The feed document. `page_url` is the page the feed mirrors and also its permanent id."""
    # Unqualified names under one xmlns: the plainest form, read by every feed reader.
    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: "id"})
    _add(feed, "id", page_url)
    _add(feed, "title", title)
    updated = max((entry.published for entry in entries), default=None) or utcnow()
    _add(feed, "updated", _stamp(updated))
    author = _add(feed, "author")
    _add(author, "name", "KIM NTT")
    _add(feed, "link", rel="self", type=MIMETYPE, href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=page_url)
    for found in entries:
        entry = _add(feed, "entry")
        _add(entry, "id", found.url)
        _add(entry, "title", found.title)
        _add(entry, "link", rel="alternate", type="text/html", href=found.url)
        published = _stamp(found.published)
        _add(entry, "published", published)
        _add(entry, "updated", published)
        entry_author = _add(entry, "author")
        _add(entry_author, "name", found.author)
        if found.category:
            _add(entry, "category", term=found.category[0], label=found.category[1])
        if found.image:
            _add(entry, "link", rel="enclosure", type="image/jpeg", href=found.image)
        _add(entry, "summary", _summary(found.text), type="text")
        _add(entry, "content", found.text, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
