"""Cumulative rules: more than M minutes meeting a condition within a sliding window."""

from __future__ import annotations

from ingest.readings import Reading
from tests.unit.detect.builders import (
    at,
    cleared,
    feed,
    feed_into,
    fridge,
    more_than_above,
    raised,
    reading,
    steady,
)

WINDOW = 72 * 60
RULE = more_than_above("cumulative-heat", 8.0, 60, WINDOW)
# Reporting every 5 minutes: the gap threshold is 15 minutes.
CONFIG = fridge(RULE, interval_s=300)


def three_short_excursions() -> list[Reading]:
    """25 hot minutes at 0, 600 and 1200 (C only up to 1210 here: 60 minutes in all)."""
    return [
        *steady(9.0, 0, 20, step=5),
        reading(25, 5.0),
        *steady(12.0, 600, 620, step=5),
        reading(625, 5.0),
        *steady(9.5, 1200, 1210, step=5),
    ]


def test_exactly_60_minutes_in_the_window_is_not_more_than_60() -> None:
    _, events = feed(three_short_excursions(), CONFIG)
    assert raised(events) == []


def test_the_61st_minute_in_the_window_fires_once_with_the_peak_of_the_window() -> None:
    det, _ = feed(three_short_excursions(), CONFIG)
    events = feed_into(det, [reading(1215, 9.5), reading(1220, 9.5), reading(1225, 5.0)])
    [warning] = raised(events)
    assert warning.fired_at_ns == at(1215)
    assert warning.start_ns == at(0)  # the earliest hot minute still counted
    assert warning.peak_c == 12.0
    assert warning.key == f"clinic-1/fridge-1/cumulative-heat/{at(0)}"
    assert cleared(events) == []  # in range again, but the window still holds 75 minutes


def test_the_rule_clears_when_the_window_slides_past_enough_old_heat() -> None:
    det, _ = feed([*three_short_excursions(), *steady(9.5, 1215, 1220, step=5)], CONFIG)
    events = feed_into(det, [reading(1225, 5.0), reading(WINDOW + 10, 5.0)])
    assert cleared(events) == []  # 65 minutes left in the window
    events = feed_into(det, [reading(WINDOW + 15, 5.0)])  # 60 left: not more than 60
    [clear] = cleared(events)
    assert len(events) == 1
    assert clear.cleared_at_ns == at(WINDOW + 15)
    assert clear.key == f"clinic-1/fridge-1/cumulative-heat/{at(0)}"


def test_the_rule_fires_again_with_a_new_key_when_new_heat_exceeds_the_window() -> None:
    stream = [
        *three_short_excursions(),
        *steady(9.5, 1215, 1220, step=5),
        reading(1225, 5.0),
        reading(WINDOW + 15, 5.0),
        *steady(9.0, WINDOW + 20, WINDOW + 35, step=5),
    ]
    _, events = feed(stream, CONFIG)
    # B (25) + C (25) + 15 new minutes: the earliest heat still counted is B's, at 600
    assert [(a.start_ns, a.fired_at_ns) for a in raised(events)] == [
        (at(0), at(1215)),
        (at(600), at(WINDOW + 35)),
    ]


def test_gap_time_between_two_hot_readings_counts_toward_the_window() -> None:
    config = fridge(RULE)  # a reading vouches for its 10-minute interval
    _, events = feed([reading(0, 9.0), reading(100, 9.0)], config)
    [warning] = raised(events)
    assert warning.fired_at_ns == at(100)
    assert warning.unknown_minutes == 90


def test_a_hot_reading_followed_by_a_gap_and_a_normal_one_counts_only_until_the_gap() -> None:
    config = fridge(RULE)
    _, events = feed([reading(0, 9.0), reading(100, 5.0)], config)
    assert raised(events) == []  # 10 covered minutes, not 100
