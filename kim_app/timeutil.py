"""Time: stored in UTC, shown in WITA (Asia/Makassar) with Indonesian month names.

SQLite has no time zone type, so `UTCDateTime` stores naive UTC and always hands back aware UTC datetimes; the rest
of the code never sees a naive datetime.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

WITA = ZoneInfo("Asia/Makassar")
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Aware UTC from any datetime; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def format_wita(value: datetime | None, with_time: bool = True) -> str:
    """'28 November 2026, 18.15 WITA' — the way Indonesian readers write it (period between hour and minute)."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(WITA)
    text = f"{local.day} {BULAN[local.month - 1]} {local.year}"
    if with_time:
        text += f", {local.hour:02d}.{local.minute:02d} WITA"
    return text


def format_day(value: date | None) -> str:
    """A calendar day with no time of its own (an SK's date): '28 November 2026', no zone to convert."""
    return "" if value is None else f"{value.day} {BULAN[value.month - 1]} {value.year}"


def today_wita() -> date:
    """Today where KIM's people are: what "not in the future" means for a date they type."""
    return datetime.now(WITA).date()


class UTCDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self):
        return datetime

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else as_utc(value)
