"""What KIM accepts from outside, one parser per class of input, so that no input can reach a place that breaks on it
(a 500 is always a bug):

- **Integers and ids** (`parse_int`, `arg_int`, the `int` path converter): ASCII digits only, within 64 bits, ids
  within what our INTEGER columns hold. Beyond that a path is simply not found (404) and a parameter is refused with
  a sentence (400): SQLite cannot bind an integer over 64 bits and PostgreSQL's `integer` stops at 2^31 − 1.
- **Dates and times** (`parse_day`, `parse_moment`, `in_window`): within a sane window around now. Year 1 or 9999
  with an offset overflows Python's datetime when converted to UTC or WITA; a date a person typed outside the window
  is a typo, not a query.
- **Text** (`clean_text`, and through it every query and form parameter, `CleanParams`): NFC, the form phones'
  keyboards mostly type, so the same word is stored as the same bytes; refused when it holds NUL (PostgreSQL rejects
  it in text) or a lone UTF-16 surrogate (not Unicode at all: no database can store it). Path segments with NUL do not
  match a route (the `default` converter).
- **JSON bodies** (`check_json_body`, a hook before every view): at most JSON_MAX_BYTES and nested at most
  JSON_MAX_DEPTH levels, checked on the bytes BEFORE any parser recurses into them (Python's parser would exhaust
  the stack on thousands of levels); then every string in it is checked as text.
"""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter

from kim_app.errors import ProblemError
from kim_app.timeutil import utcnow

MAX_INT = 2**63 - 1  # what SQLite binds, and PostgreSQL's bigint
MAX_ID = 2**31 - 1  # the largest id of any of our tables: PostgreSQL `integer` (SERIAL) primary keys
MAX_PAGE = 10_000  # page numbers of the public lists; far beyond the last page of a province's news
JSON_MAX_BYTES = 256 * 1024  # an item at every field's limit with 8 photos declared is under 100 KB
JSON_MAX_DEPTH = 32  # our deepest document (an item, its photos' list, one photo) is 3 levels
# The window of dates we take: KIM exists since the 2010s; a year ahead covers a wrongly set phone clock.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_AHEAD = timedelta(days=366)

_DIGITS = re.compile(r"[+-]?[0-9]{1,19}")


class BadInput(ProblemError):
    status, slug, title = 400, "bad-input", "Permintaan tidak valid"


class InvalidText(BadInput):
    slug, title = "invalid-text", "Teks tidak sah"


class JsonTooLarge(ProblemError):
    status, slug, title = 413, "too-large", "Data terlalu besar"


# --- Integers ------------------------------------------------------------------------------------------------------

def parse_int(value, *, label: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """An integer written in ASCII digits between `minimum` and `maximum`, or BadInput saying which are allowed.
    (`int()` alone would take '٣', '1_000' and 4,000-digit numbers.)"""
    text = value.strip() if isinstance(value, str) else ""
    if not _DIGITS.fullmatch(text) or not minimum <= int(text) <= maximum:
        raise BadInput(f"{label} harus bilangan bulat dari {minimum} sampai {maximum}.")
    return int(text)


def arg_int(name: str, *, label: str, default: int | None = None, minimum: int = 0,
            maximum: int = MAX_INT, source=None) -> int | None:
    """A query or form parameter read with `parse_int`; `default` when it is absent or empty."""
    value = (request.args if source is None else source).get(name)
    if value is None or not value.strip():
        return default
    return parse_int(value, label=label, minimum=minimum, maximum=maximum)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits that fit our ids. Anything else does not match: 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        self.regex = r"[0-9]{1,10}"


class SegmentConverter(UnicodeConverter):
    """The default `<name>` segment, which NUL never matches (PostgreSQL cannot compare text holding it)."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length: int | None = None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


# --- Dates ---------------------------------------------------------------------------------------------------------

def latest_day() -> date:
    return (utcnow() + LATEST_AHEAD).date()


def in_window(moment: datetime) -> bool:
    """Whether an aware datetime lies in the window of dates we take."""
    try:
        day = moment.astimezone(timezone.utc).date()
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        return False
    return EARLIEST_DAY <= day <= latest_day()


def window_message(latest: date | None = None, label: str = "Tanggal") -> str:
    return f"{label} harus antara {EARLIEST_DAY.isoformat()} dan {(latest or latest_day()).isoformat()}."


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(value: str | None, *, label: str = "Tanggal", latest: date | None = None) -> date | None:
    """A calendar day TTTT-BB-HH in the window (up to `latest` when given: a day that has already happened may be
    at most a few days ahead, not a year), None when empty, or BadInput."""
    if value is None or not value.strip():
        return None
    # Only the one form a date input sends: fromisoformat alone would also take "20261207" and week dates.
    if not _DAY.fullmatch(value.strip()):
        raise BadInput(f"{label} harus dalam format TTTT-BB-HH.")
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{label} harus dalam format TTTT-BB-HH.") from None
    if not EARLIEST_DAY <= day <= (latest or latest_day()):
        raise BadInput(window_message(latest, label))
    return day


def parse_moment(value: str | None) -> datetime | None:
    """An ISO 8601 moment (naive means UTC) in the window, as aware UTC; None when it is not one."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc) if in_window(moment) else None


# --- Text ----------------------------------------------------------------------------------------------------------

def clean_text(value: str) -> str:
    """The text in NFC, or InvalidText when it holds NUL or is not valid Unicode (a lone surrogate)."""
    if "\x00" in value:
        raise InvalidText("Teks tidak boleh memuat karakter NUL (\\u0000).")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidText("Teks memuat karakter yang tidak sah (bukan Unicode). Ketik ulang teksnya.") from None
    return unicodedata.normalize("NFC", value)


class CleanParams(ImmutableMultiDict):
    """The query string's and the form's parameters, every name and value through `clean_text`."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = mapping.items()
        else:
            pairs = mapping
        super().__init__(
            [(clean_text(key), clean_text(value) if isinstance(value, str) else value) for key, value in pairs]
        )


class KimRequest(Request):
    parameter_storage_class = CleanParams


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than JSON_MAX_DEPTH, without parsing anything."""
    depth = 0
    for bracket in re.findall(r"[\[\]{}]", re.sub(r'"(?:[^"\\]|\\.)*"', "", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > JSON_MAX_DEPTH:
            return True
    return False


def _check_strings(value) -> None:
    if isinstance(value, str):
        clean_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            clean_text(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def check_json_body() -> None:
    """Before the view: a JSON body within size and depth, valid JSON, whose every string is valid text."""
    if not request.is_json or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.content_length is not None and request.content_length > JSON_MAX_BYTES:
        raise JsonTooLarge(f"Isi permintaan paling banyak {JSON_MAX_BYTES // 1024} KiB.")
    raw = request.get_data(cache=True)
    if len(raw) > JSON_MAX_BYTES:
        raise JsonTooLarge(f"Isi permintaan paling banyak {JSON_MAX_BYTES // 1024} KiB.")
    if not raw:
        return  # nothing to parse: the view's schema says what is missing
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("Isi permintaan harus JSON dalam UTF-8.") from None
    if _too_deep(text):
        raise BadInput(f"JSON terlalu dalam: paling banyak {JSON_MAX_DEPTH} tingkat.")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise BadInput("Isi permintaan tidak bisa dibaca: kirim JSON yang sah.") from None
    _check_strings(value)


def init_app(app: Flask) -> None:
    app.request_class = KimRequest
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = SegmentConverter
    app.url_map.converters["string"] = SegmentConverter
    app.before_request(check_json_body)
