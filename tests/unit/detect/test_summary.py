"""The daily summary (Fridge-tag record) per storage unit and local day."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from ingest.detect import AlarmRaised, day_bounds, summarise_day, to_utc
from ingest.detect.errors import UnknownTimeZone
from ingest.readings import Reading
from tests.unit.detect.builders import MIN, above, reading, reading_at, steady

DAY = date(2024, 1, 2)  # minutes 1440..2880 of the builders' clock, in UTC


def day_minute(m: float, temp: float) -> Reading:
    return reading(1440 + m, temp)


def a_day_with_every_kind_of_minute() -> list[Reading]:
    return [
        day_minute(-10, 5.0),  # the reading before midnight holds until 00:00
        *[day_minute(m, 5.0) for m in range(0, 60, 10)],
        *[day_minute(m, 9.0) for m in range(60, 120, 10)],  # 60 min above +8
        *[day_minute(m, 1.0) for m in range(120, 150, 10)],  # 30 min below +2
        *[day_minute(m, -1.0) for m in range(150, 180, 10)],  # 30 below +2, at or below −0.5
        day_minute(180, -0.5),  # 10 min below +2 and at or below −0.5
        *[day_minute(m, 5.0) for m in range(190, 1440, 10)],
    ]


def test_a_day_of_steady_readings_is_fully_covered() -> None:
    readings = steady(5.0, 1430, 2870)
    summary = summarise_day(readings, DAY, "UTC")
    assert (summary.length_minutes, summary.unknown_minutes) == (1440, 0)
    assert (summary.reading_count, summary.mean_c) == (144, 5.0)
    assert summary.mkt_c == pytest.approx(5.0)
    assert summary.minutes_above == summary.minutes_below == 0


def test_minutes_above_below_and_freezing_with_min_and_max_and_their_times() -> None:
    summary = summarise_day(a_day_with_every_kind_of_minute(), DAY, "UTC")
    assert summary.minutes_above == 60
    assert summary.minutes_below == 70
    assert summary.minutes_at_or_below_freeze == 40
    assert (summary.min_c, summary.min_at_ns) == (-1.0, day_minute(150, 0).device_time_ns)
    assert (summary.max_c, summary.max_at_ns) == (9.0, day_minute(60, 0).device_time_ns)
    assert summary.reading_count == 144
    expected_mean = (5.0 * (60 + 1250) + 9.0 * 60 + 1.0 * 30 - 1.0 * 30 - 0.5 * 10) / 1440
    assert summary.mean_c == pytest.approx(expected_mean)
    assert summary.unknown_minutes == 0


def test_the_reading_before_midnight_covers_the_first_minutes() -> None:
    readings = [day_minute(-5, 9.0), *steady(5.0, 1445, 2875)]
    summary = summarise_day(readings, DAY, "UTC")
    assert summary.minutes_above == 5  # 9.0 held from 23:55 for its 10 minutes, to 00:05
    assert summary.max_c == 9.0 and summary.max_at_ns is not None
    assert to_utc(summary.max_at_ns) == datetime(2024, 1, 2, tzinfo=UTC)  # held from 00:00
    assert summary.unknown_minutes == 0
    assert summary.reading_count == 144
    separately = summarise_day(readings[1:], DAY, "UTC", before=readings[0])
    assert separately == summary


def test_without_the_reading_before_midnight_the_first_minutes_are_unknown() -> None:
    summary = summarise_day(steady(5.0, 1450, 2870), DAY, "UTC")
    assert summary.unknown_minutes == 10


def test_a_reading_before_midnight_that_no_longer_holds_counts_for_nothing() -> None:
    summary = summarise_day([day_minute(-40, 12.0), *steady(5.0, 1450, 2870)], DAY, "UTC")
    assert (summary.max_c, summary.minutes_above, summary.unknown_minutes) == (5.0, 0, 10)


def test_gaps_inside_the_day_are_unknown_minutes() -> None:
    readings = [*steady(5.0, 1430, 2000), *steady(5.0, 2100, 2870)]
    summary = summarise_day(readings, DAY, "UTC")
    assert summary.unknown_minutes == 90  # 100 silent minutes − 10 held by the last reading


def test_order_and_replays_do_not_change_the_summary() -> None:
    readings = a_day_with_every_kind_of_minute()
    messy = readings + random.Random(3).sample(readings, 30)
    random.Random(4).shuffle(messy)
    assert summarise_day(messy, DAY, "UTC") == summarise_day(readings, DAY, "UTC")


def test_the_alarm_flags_are_the_rules_that_fired_that_day() -> None:
    def fired(rule_id: str, minute: float) -> AlarmRaised:
        t = reading(minute, 0).device_time_ns
        return AlarmRaised("k", "clinic-1", "fridge-1", above(rule_id, 8, 30), t, t, 9, 0, None)

    alarms = [fired("who-heat", 1430), fired("early-heat", 1500), fired("who-freeze", 2000)]
    summary = summarise_day(steady(5.0, 1430, 2870), DAY, "UTC", alarms=alarms)
    assert summary.alarms == ("early-heat", "who-freeze")


def test_a_day_in_progress_stops_at_until() -> None:
    readings = steady(5.0, 1430, 2040)
    until = day_minute(605, 0).device_time_ns
    summary = summarise_day(readings, DAY, "UTC", until_ns=until)
    assert (summary.length_minutes, summary.unknown_minutes) == (605, 0)


def local_day_readings(day: date, zone: str, temp: float = 5.0) -> list[Reading]:
    """Every 10 minutes of device time from 10 minutes before the local day to its end."""
    start, end = day_bounds(day, zone)
    return [reading_at(t, temp) for t in range(start - 10 * MIN, end + 30 * MIN, 10 * MIN)]


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2024, 3, 31), 23), (date(2024, 10, 27), 25), (date(2024, 6, 1), 24)],
)
def test_a_local_day_across_a_dst_change_is_23_or_25_hours_long(day: date, hours: int) -> None:
    readings = local_day_readings(day, "Europe/Paris")
    summary = summarise_day(readings, day, "Europe/Paris")
    assert summary.length_minutes == hours * 60
    assert summary.reading_count == hours * 6
    assert summary.unknown_minutes == 0 and summary.mean_c == 5.0


def test_the_local_day_runs_from_local_midnight_to_local_midnight() -> None:
    start, end = day_bounds(date(2024, 3, 31), "Europe/Paris")
    assert to_utc(start) == datetime(2024, 3, 30, 23, tzinfo=UTC)  # UTC+1 before the change
    assert to_utc(end) == datetime(2024, 3, 31, 22, tzinfo=UTC)  # UTC+2 after it
    hot_evening = [
        *(reading_at(end - minutes * MIN, 9.0) for minutes in (60, 50, 40)),
        reading_at(end - 30 * MIN, 5.0),
    ]
    summary = summarise_day(
        local_day_readings(date(2024, 3, 31), "Europe/Paris")[:-9] + hot_evening,
        date(2024, 3, 31),
        "Europe/Paris",
    )
    assert summary.minutes_above == 30


def test_a_day_whose_midnight_does_not_exist_starts_at_the_change() -> None:
    start, end = day_bounds(date(2024, 9, 8), "America/Santiago")  # 00:00 jumps to 01:00
    assert to_utc(start) == datetime(2024, 9, 8, 4, tzinfo=UTC)
    assert (end - start) == 23 * 60 * MIN


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(UnknownTimeZone):
        summarise_day([], DAY, "Mars/Olympus_Mons")
