"""Time to moderate as a histogram (kim_app/items/waits.py): every wait falls in one bucket, and the median read off
the histogram lies where the true median lies, within its bucket — about a tenth of its value."""
import statistics

from hypothesis import given
from hypothesis import strategies as st

from kim_app.items import waits

WAIT = st.floats(min_value=0, max_value=120 * 86400, allow_nan=False)


def bucket_range(seconds: float) -> tuple[float, float]:
    index = waits.bucket_of(seconds)
    low = waits.BOUNDS[index - 1] if index else 0
    high = waits.BOUNDS[index] if index < len(waits.BOUNDS) else float("inf")
    return low, high


def test_bounds_are_whole_seconds_growing_by_a_third_of_a_doubling():
    assert waits.BOUNDS[0] == 225 and waits.BOUNDS[3] == 450 and waits.BOUNDS[12] == 3600
    assert all(1.24 < high / low < 1.28 for low, high in zip(waits.BOUNDS, waits.BOUNDS[1:], strict=False))
    assert waits.bucket_of(224.999) == 0 and waits.bucket_of(225) == 1  # upper bounds are exclusive
    assert waits.bucket_of(-30) == 0  # a verdict stamped before the arrival: no wait
    assert waits.bucket_of(10 ** 9) == waits.BUCKETS - 1 == len(waits.COLUMNS) - 1


def test_nothing_decided_has_no_median():
    assert waits.median_hours([0] * waits.BUCKETS) is None


def test_one_wait_is_the_middle_of_its_bucket():
    assert waits.median_hours(waits.histogram([3600 * 5])) == (14400 + 18143) / 2 / 3600  # 4 h to 5 h 2 min


@given(st.lists(WAIT, min_size=1, max_size=60))
def test_the_median_lies_within_the_buckets_of_the_true_median(seconds):
    ordered = sorted(seconds)
    lower, upper = ordered[(len(ordered) - 1) // 2], ordered[len(ordered) // 2]
    found = waits.median_hours(waits.histogram(seconds)) * 3600
    assert bucket_range(lower)[0] <= found <= bucket_range(upper)[1]
    if waits.bucket_of(lower) == waits.bucket_of(upper) and 0 < waits.bucket_of(upper) < len(waits.BOUNDS):
        # within the one bucket both middle waits share: at most its width, a quarter of the median's value
        assert abs(found - statistics.median(seconds)) <= 0.27 * statistics.median(seconds)
