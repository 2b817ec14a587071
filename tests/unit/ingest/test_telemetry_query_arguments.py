"""Telemetry read-side arguments are checked before any query, with errors that say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.queries import (
    MAX_BUCKETS,
    MAX_EVERY_S,
    TelemetryQueryError,
    check_units,
    check_window,
    to_ns,
)

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def test_a_window_is_given_in_nanoseconds_since_the_epoch() -> None:
    window = check_window("fridge-1", None, START, START + timedelta(hours=1), 300)
    assert window.start_ns == 1_709_280_000 * 10**9
    assert window.end_ns - window.start_ns == 3600 * 10**9
    assert window.every_ns == 300 * 10**9


def test_nanoseconds_are_exact_for_microsecond_datetimes() -> None:
    moment = datetime(2024, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)
    assert to_ns(moment) == 1_709_280_000_123_456_000
    assert to_ns(moment.astimezone(tz=UTC)) == to_ns(moment)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"end": START}, "must be before end"),
        ({"end": START - timedelta(seconds=1)}, "must be before end"),
        ({"every_s": 0}, "positive whole number"),
        ({"every_s": -60}, "positive whole number"),
        ({"every_s": 1.5}, "positive whole number"),
        ({"start": datetime(2024, 3, 1)}, "timezone-aware"),
        ({"unit": None}, "give a unit, a sensor or both"),
        ({"unit": ""}, "non-empty printable"),
        ({"unit": "fridge\n1"}, "non-empty printable"),
        ({"end": START + timedelta(days=365), "every_s": 60}, f"at most {MAX_BUCKETS}"),
    ],
)
def test_bad_arguments_are_refused_saying_why(kwargs: dict[str, object], says: str) -> None:
    arguments: dict[str, object] = {
        "unit": "fridge-1",
        "sensor": None,
        "start": START,
        "end": START + timedelta(hours=1),
        "every_s": 60,
    }
    arguments.update(kwargs)
    with pytest.raises(TelemetryQueryError, match=says):
        check_window(**arguments)  # type: ignore[arg-type]


def test_the_bucket_cap_counts_the_window_that_starts_before_start() -> None:
    every_s = 60
    aligned_start = START + timedelta(seconds=30)  # its window starts 30 s earlier
    just_enough = aligned_start + timedelta(seconds=every_s * MAX_BUCKETS - 30)
    check_window("u", None, aligned_start, just_enough, every_s)
    with pytest.raises(TelemetryQueryError):
        check_window("u", None, aligned_start, just_enough + timedelta(seconds=1), every_s)


def test_units_must_be_a_sequence_of_codes() -> None:
    assert check_units(None) is None
    assert check_units(("a", "b")) == ["a", "b"]
    with pytest.raises(TelemetryQueryError, match="not one string"):
        check_units("fridge-1")


def test_a_bucket_is_a_minute_to_90_days_wide_for_every_reader() -> None:
    end = START + timedelta(days=365)
    for every_s in (59, MAX_EVERY_S + 1, 100_000_000_000_000):
        with pytest.raises(TelemetryQueryError, match="from 60 to 7776000"):
            check_window("u", None, START, end, every_s)
    assert check_window("u", None, START, end, MAX_EVERY_S).every_s == MAX_EVERY_S
