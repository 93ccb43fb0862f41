"""Time to moderate — from an item's arrival (`received_at`) to its first verdict (`decided_at`) — kept as a histogram,
so that the dashboard's medians cost what the number of kabupaten and days costs, not what the number of items does.

A median cannot be added up from other medians, but a histogram can: the kept counts (kim_app/items/counts.py,
`DayCount`) hold, per kabupaten and WITA day of arrival, how many items waited how long, in these buckets; a
period's, a kabupaten's or a KIM group's median is read off the sum of its histograms. Every median the dashboard
shows comes from here — a KIM group's, counted from its items, too — so the same items give the same median on
every page.

The buckets grow by a third of a doubling (×1.26) from 3¾ minutes to 85 days: the median is found in its bucket by
linear interpolation, within an eighth of its value however the waits are spread. Upper bounds are whole seconds
so that a wait falls in one bucket for Python and SQL alike. Migration 0024 holds a frozen copy of them; changing
them means a migration that counts the histograms again (`flask kim recount`).
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

# Upper bounds (exclusive) of the buckets, in seconds: 225 s × 2^(k/3). The last bucket has none.
BOUNDS = tuple(round(225 * 2 ** (k / 3)) for k in range(46))
BUCKETS = len(BOUNDS) + 1
# The columns of a histogram in the kept counts: w00 … w46.
COLUMNS = tuple(f"w{index:02d}" for index in range(BUCKETS))


def bucket_of(seconds: float) -> int:
    """The bucket of one wait. A verdict before the arrival (clocks of two servers) counts as no wait at all."""
    return bisect_right(BOUNDS, max(seconds, 0))


def histogram(seconds: Sequence[float]) -> list[int]:
    found = [0] * BUCKETS
    for wait in seconds:
        found[bucket_of(wait)] += 1
    return found


def add(into: list[int], other: Sequence[int]) -> None:
    for index, n in enumerate(other):
        into[index] += n


def median_hours(counts: Sequence[int]) -> float | None:
    """The median wait in hours, interpolated in its bucket; None when nothing was decided. The last bucket is open:
    a median there is its lower bound (85 days or more)."""
    total = sum(counts)
    if not total:
        return None
    middle = total / 2
    below = 0
    for index, n in enumerate(counts):
        if n and below + n >= middle:
            low = BOUNDS[index - 1] if index else 0
            if index == len(BOUNDS):
                return low / 3600
            return (low + (middle - below) / n * (BOUNDS[index] - low)) / 3600
        below += n
    raise AssertionError("unreachable: the counts add up to more than their middle")
