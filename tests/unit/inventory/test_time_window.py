"""The programme window: every instant, day and period a caller names is checked in one
place, and an extreme value is an ``InvalidInput`` naming the window, never an
``OverflowError`` (which the API would answer with a 500)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from coldchain.settings import ConfigurationError, load_settings
from inventory.domain.quantities import MAX_DOSES, require_doses
from inventory.domain.time_window import DEFAULT_WINDOW, TimeWindow
from inventory.errors import InvalidInput

PLUS_14 = timezone(timedelta(hours=14))
MINUS_2359 = timezone(-timedelta(hours=23, minutes=59))
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_instant_beyond_pythons_range_in_utc_is_refused_naming_the_window() -> None:
    for extreme in (
        datetime(1, 1, 1, tzinfo=PLUS_14),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_2359),
    ):
        with pytest.raises(InvalidInput, match="programme window 2000-01-01 to 2099-12-31"):
            DEFAULT_WINDOW.check_instant("start", extreme)


def test_the_window_includes_its_first_and_last_day_in_utc() -> None:
    first = datetime(2000, 1, 1, tzinfo=UTC)
    assert DEFAULT_WINDOW.check_instant("at", first) == first
    DEFAULT_WINDOW.check_instant("at", datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC))
    with pytest.raises(InvalidInput, match="at 1999-12-31"):
        DEFAULT_WINDOW.check_instant("at", first - timedelta(microseconds=1))
    with pytest.raises(InvalidInput, match="at 2100-01-01"):
        DEFAULT_WINDOW.check_instant("at", datetime(2100, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput, match="timezone-aware"):
        DEFAULT_WINDOW.check_instant("at", datetime(2024, 1, 1))


def test_a_range_starts_before_it_ends_and_a_period_is_not_backwards() -> None:
    start = datetime(2024, 3, 2, tzinfo=UTC)
    DEFAULT_WINDOW.check_range(start, None)
    with pytest.raises(InvalidInput, match=r"start .* must be before end"):
        DEFAULT_WINDOW.check_range(start, start)
    DEFAULT_WINDOW.check_days(date(2024, 3, 1), date(2024, 3, 1))
    with pytest.raises(InvalidInput, match=r"last .2024-02-29. is before first"):
        DEFAULT_WINDOW.check_days(date(2024, 3, 1), date(2024, 2, 29))
    with pytest.raises(InvalidInput, match="day 9999-12-31 is outside"):
        DEFAULT_WINDOW.check_day("day", date(9999, 12, 31))


def test_a_movement_may_not_be_in_the_future_beyond_the_clock_skew() -> None:
    assert DEFAULT_WINDOW.check_occurred(NOW + timedelta(minutes=4), NOW)
    with pytest.raises(InvalidInput, match="in the future"):
        DEFAULT_WINDOW.check_occurred(NOW + timedelta(minutes=6), NOW)
    with pytest.raises(InvalidInput, match="occurred_at 0001-01-01"):
        DEFAULT_WINDOW.check_occurred(datetime(1, 1, 1, tzinfo=PLUS_14), NOW)


def test_the_window_is_configured_and_a_backwards_one_stops_start_up() -> None:
    settings = load_settings(earliest_date="2020-01-01", latest_date="2040-12-31")
    assert TimeWindow(settings.earliest_date, settings.latest_date).start.year == 2020
    with pytest.raises(ConfigurationError, match="COLDCHAIN_EARLIEST_DATE / COLDCHAIN_LATEST"):
        load_settings(earliest_date="2050-01-01", latest_date="2040-12-31")
    with pytest.raises(ConfigurationError, match="COLDCHAIN_LATEST_DATE"):
        load_settings(latest_date="2300-01-01")  # telemetry counts 64-bit ns from 1970


def test_a_quantity_is_a_whole_number_within_the_domain_limit() -> None:
    assert require_doses(MAX_DOSES) == MAX_DOSES
    assert require_doses(0, least=0) == 0
    for bad in (MAX_DOSES + 1, 0, True, 1.0, "1"):
        with pytest.raises(InvalidInput, match=f"≤ {MAX_DOSES}"):
            require_doses(bad)
