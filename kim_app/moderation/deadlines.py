"""When a complaint is overdue: the one rule the item page, the queue and the dashboard all ask.

A complaint is to be verified within three working days of its receipt: 72 hours of working time, counted in WITA
on Monday to Friday. A complaint received on a weekday at 10.00 is due at 10.00 three working days later; one
received on a Saturday starts counting on Monday at 00.00 and is due on Thursday at 00.00. Public holidays are not
counted as days off: the rule stays simple, and a complaint flagged a day early is better than one flagged late.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from kim_app.items.statuses import AduanStatus
from kim_app.timeutil import WITA, as_utc, utcnow

VERIFY_WITHIN_WORKING_DAYS = 3
_WORKING_TIME = timedelta(days=VERIFY_WITHIN_WORKING_DAYS)
# Three working days are at least three calendar days: a query can skip every complaint younger than this.
NEVER_OVERDUE_BEFORE = _WORKING_TIME


def _is_working_day(moment: datetime) -> bool:
    return moment.weekday() < 5


def _next_midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date() + timedelta(days=1), time(), WITA)


def working_seconds(start: datetime, end: datetime) -> float:
    """Seconds between two moments that fall on Monday to Friday in WITA."""
    moment, end = as_utc(start).astimezone(WITA), as_utc(end).astimezone(WITA)
    total = 0.0
    while moment < end:
        day_end = min(_next_midnight(moment), end)
        if _is_working_day(moment):
            total += (day_end - moment).total_seconds()
        moment = day_end
    return total


def verification_deadline(received_at: datetime) -> datetime:
    """The moment VERIFY_WITHIN_WORKING_DAYS of working time have passed since receipt."""
    moment = as_utc(received_at).astimezone(WITA)
    left = _WORKING_TIME
    while True:
        day_end = _next_midnight(moment)
        if _is_working_day(moment):
            if day_end - moment >= left:
                return as_utc(moment + left)
            left -= day_end - moment
        moment = day_end


# Three working days span at most five calendar days (received on a Friday morning, due on Wednesday morning).
_AT_MOST = timedelta(days=VERIFY_WITHIN_WORKING_DAYS + 2)
_RESOLUTION = timedelta(microseconds=1)  # what the database keeps of a moment


def overdue_before(now: datetime | None = None) -> datetime:
    """The moment of receipt that splits complaints waiting now into overdue (received before it) and not yet (at it or
    after). A later receipt never has an earlier deadline, so one moment splits them, and a query can count and list
    overdue complaints by `received_at` alone. Found by bisection over `verification_deadline` itself, so the
    dashboard's query and the item page's flag follow the one rule."""
    now = as_utc(now or utcnow())
    overdue, not_yet = now - _AT_MOST - _RESOLUTION, now - NEVER_OVERDUE_BEFORE
    while not_yet - overdue > _RESOLUTION:
        middle = overdue + (not_yet - overdue) // 2
        if now > verification_deadline(middle):
            overdue = middle
        else:
            not_yet = middle
    return not_yet


def is_overdue(item, now: datetime | None = None) -> bool:
    """A complaint still waiting for verification after its deadline."""
    return (
        item.spec.tracked
        and item.aduan_status == AduanStatus.DITERIMA
        and (now or utcnow()) > verification_deadline(item.received_at)
    )
