"""CSV for people who open it in a spreadsheet: the one rule against CSV injection, and the dialect Excel in
Indonesia opens directly.

A cell whose text a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab or carriage return first) is
written with a leading apostrophe: names of KIM groups, titles and notes are typed by people, and a link or a macro
in a Dinas' export must never run on a moderator's laptop.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table(header: Iterable, rows: Iterable[Iterable], delimiter: str = ";", bom: bool = True) -> str:
    """A whole CSV document: UTF-8 with a byte-order mark and `;` between fields by default (Excel with Indonesian
    settings reads `,` as the decimal comma), CRLF line ends, every cell through `cell`."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([cell(value) for value in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
