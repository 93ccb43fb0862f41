"""Hypothesis strategies for hostile input, by class: integers beyond any column, dates at the calendar's edges, text
that is not Unicode or holds NUL, JSON nested deeper than any parser's stack. Everything a URL carries is produced
already percent-encoded, so bytes that are no UTF-8 at all (a lone surrogate's, 0xFF) reach the server as they are.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote

from hypothesis import strategies as st

HUGE_NUMBERS = [
    "0", "1", "2", "-1", "00000000000000000001", str(2**31 - 1), str(2**31), str(2**32), str(2**63 - 1), str(2**63),
    str(2**64), "9" * 40, "9" * 5000, "1e9", "1.5", "0x10", "+7", " 3", "1_000", "٣", "²", "１２",
]
EDGE_DATES = [
    "0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "1999-12-31", "2026-12-07", "20261207", "2026-13-01",
    "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59.999999Z", "2026-11-28T01:00:00+99:00", "2026-11-28T25:00:00Z",
    "1970-01-01T00:00:00Z", "3000-01-01T00:00:00Z", "kemarin",
]
# Strings as they arrive in JSON (Python str): lone surrogates, NUL, controls, decomposed accents, huge text.
BAD_TEXTS = [
    "\ud800", "a\udfffb", "\x00", "abc\x00def", "\x01\x1b[31m", "Cafe\u0301", "\u202e", "\ufeff", "\U0001f600",
    "%00", "' OR 1=1 --", "<script>alert(1)</script>", "x" * 70_000,
]
# Bytes as a URL carries them, percent-encoded: NUL, a lone surrogate in UTF-8 form, bytes that are no UTF-8.
RAW_ENCODED = ["%00", "a%00b", "%ED%A0%80", "%ED%BF%BF", "%FF", "%C0%AF", "%E2%80%AE", "%25", "%2F", "..%2F..", "%0A"]


def _encoded(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def url_values() -> st.SearchStrategy[str]:
    """One percent-encoded path segment or query value."""
    return st.one_of(
        st.sampled_from(HUGE_NUMBERS + EDGE_DATES + BAD_TEXTS[:-1]).map(_encoded),
        st.sampled_from(RAW_ENCODED),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.text(max_size=40).map(_encoded),
        st.sampled_from(["53.04", "53.04.05", "53.04.05.2006", "pertanian", "berita", "aduan", "foto", "display",
                         "00000000-0000-0000-0000-000000000000", "ABCD2345"]),
    )


# Every query parameter any page or API operation reads, and a few nobody reads (tracking parameters).
PARAMETER_NAMES = [
    "halaman", "kim", "dari", "sampai", "jenis", "kabupaten", "kecamatan", "desa", "kategori", "q", "setelah",
    "kode", "since", "limit", "next", "utm_source", "\x00", "halaman[]",
]


def query_strings() -> st.SearchStrategy[str]:
    pair = st.tuples(st.one_of(st.sampled_from(PARAMETER_NAMES).map(_encoded), st.sampled_from(RAW_ENCODED)),
                     url_values())
    return st.lists(pair, min_size=1, max_size=4).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def paths_for(rule: str) -> st.SearchStrategy[str]:
    """URLs matching the shape of a Flask rule, every variable segment hostile (or, sometimes, plausible)."""
    parts = _CONVERTER.split(rule)
    # split() yields: literal, converter, name, literal, converter, name, …, literal
    strategies = []
    for index in range(0, len(parts), 3):
        strategies.append(st.just(parts[index]))
        if index + 1 < len(parts):
            strategies.append(_segments(parts[index + 1]))
    return st.tuples(*strategies).map("".join)


def _segments(converter: str | None) -> st.SearchStrategy[str]:
    if converter == "int":  # ids: mostly digits, often far beyond any column
        return st.one_of(
            st.sampled_from([str(2**31), str(2**63), str(2**64), "9" * 40, "9" * 5000, "1", "2"]),
            st.integers(min_value=0, max_value=2**80).map(str),
            url_values(),
        )
    return st.one_of(url_values(), st.integers(min_value=1, max_value=3).map(str))


def form_values() -> st.SearchStrategy[str]:
    """Form field values as a browser would send them (str; the client encodes them as UTF-8)."""
    return st.one_of(
        st.sampled_from(HUGE_NUMBERS + EDGE_DATES + [text for text in BAD_TEXTS if "\ud800" not in text
                                                     and "\udfff" not in text]),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.tuples(st.sampled_from(HUGE_NUMBERS), st.sampled_from(HUGE_NUMBERS)).map(":".join),
        st.sampled_from(["setujui", "tolak", "revisi", "teruskan", "tindaklanjuti", "selesai", "anggota",
                         "moderator", "admin", "53.04", "53.04.05.2006", "1", "1:1"]),
    )


# A plausible value for every field any form of ours reads, so that a hostile one among them reaches deep code
# instead of the first "wajib diisi".
PLAUSIBLE_FORM = {
    "version": "1", "action": "setujui", "note": "Sudah dicek", "alasan_preset": "", "pilih": "1:1", "judul": "Judul",
    "isi": "Isi berita", "keterangan": "Keterangan", "text": "Tanggapan", "username": "akun.baru", "nama": "Nama Baru",
    "password": "rahasia12345", "role": "anggota", "kabupaten": "53.04", "kim": "1", "ketua": "1", "aktif": "1",
    "desa": "53.04.05.2006",
}


def forms() -> st.SearchStrategy[list[tuple[str, str]]]:
    """The plausible form with one to three fields replaced (or added, or repeated) by hostile values."""
    names = st.sampled_from([*PLAUSIBLE_FORM, "\x00", "pilih"])
    return st.lists(st.tuples(names, form_values()), min_size=1, max_size=3).map(
        lambda changes: [*{**PLAUSIBLE_FORM, **dict(changes)}.items(), *[c for c in changes if c[0] == "pilih"]]
    )


# --- JSON bodies -----------------------------------------------------------------------------------------------

def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def json_values() -> st.SearchStrategy:
    """Any JSON value, with the hostile ones weighted in."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(BAD_TEXTS), st.sampled_from(EDGE_DATES),
        st.text(max_size=30),
    )
    return st.recursive(scalars, lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ), max_leaves=8)


def hostile_bodies(valid: dict) -> st.SearchStrategy[bytes]:
    """A valid body with one field (or a new one) replaced by something hostile, or a document that is hostile as a
    whole: deeply nested, huge, a number with thousands of digits, not UTF-8."""
    def replace(pair):
        name, value = pair
        return json.dumps({**valid, name: value}).encode()

    return st.one_of(
        st.tuples(st.sampled_from([*valid, "photos", "desa_kode", "extra"]), json_values()).map(replace),
        st.integers(min_value=33, max_value=100_000).map(lambda depth: nested(depth).encode()),
        st.sampled_from([
            b'{"a":' * 5000 + b"1" + b"}" * 5000,
            b'{"author_id": ' + b"9" * 5000 + b"}",
            b'{"judul": "\\ud800"}',
            b'{"judul": "\\u0000"}',
            b"\xff\xfe{}",
            b"[" + b"1," * 200_000 + b"1]",
            b'{"x": NaN, "y": Infinity}',
            b"",
            b"null",
        ]),
    )
