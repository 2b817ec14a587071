"""Gaps: a reading vouches for its own reporting interval, no more; the rest of a silence is
unknown time, never "in range", and never resets a rule's run."""

from __future__ import annotations

from ingest.detect import ExcursionEnded
from tests.unit.detect.builders import (
    at,
    cleared,
    feed,
    feed_into,
    fridge,
    of_type,
    raised,
    reading,
    steady,
)

# Hot every 10 minutes until 300, silent until 400 (100 minutes; a reading holds 10).
HOT_RUN_WITH_A_GAP = [*steady(9.0, 0, 300), *steady(9.0, 400, 590)]


def test_a_gap_in_the_middle_of_a_hot_run_does_not_reset_it() -> None:
    det, events = feed(HOT_RUN_WITH_A_GAP)
    assert raised(events, "who-heat") == []  # 590 elapsed minutes
    [alarm] = raised(feed_into(det, [reading(600, 9.0)]), "who-heat")
    assert alarm.start_ns == at(0)  # elapsed time across the gap counts (conservative)
    assert alarm.unknown_minutes == 90  # 100 silent minutes − the 10 the last reading holds


def test_the_gap_is_reported_as_unknown_minutes_on_the_episode() -> None:
    _, events = feed([*HOT_RUN_WITH_A_GAP, reading(600, 9.0), reading(610, 5.0)])
    [ended] = of_type(events, ExcursionEnded)
    episode = ended.episode
    assert episode.duration_minutes == 610
    assert episode.unknown_minutes == 90
    assert episode.minutes_above == 520  # only covered time counts as measured heat
    assert episode.alarm_keys == tuple(a.key for a in raised(events))


def test_a_gap_never_counts_as_in_range() -> None:
    det, events = feed(steady(9.0, 0, 600))
    assert len(raised(events, "who-heat")) == 1
    later = feed_into(det, [reading(2000, 9.5)])  # a day of silence, still hot
    assert cleared(later) == [] and of_type(later, ExcursionEnded) == []
    assert [c.rule_id for c in cleared(feed_into(det, [reading(2010, 5.0)]))] == [
        "who-heat",
        "early-heat",
    ]


def test_silence_of_exactly_one_interval_is_not_a_gap_but_one_minute_more_is() -> None:
    _, events = feed([reading(0, 9.0), reading(10, 9.0), reading(21, 5.0)])
    [ended] = of_type(events, ExcursionEnded)
    assert (ended.episode.duration_minutes, ended.episode.unknown_minutes) == (21, 1)


def test_a_40_minute_silence_under_a_5_minute_interval_is_35_unknown_minutes() -> None:
    config = fridge(interval_s=300)
    _, events = feed([reading(0, 9.0), reading(40, 9.0), reading(45, 5.0)], config)
    [ended] = of_type(events, ExcursionEnded)
    episode = ended.episode
    assert (episode.duration_minutes, episode.unknown_minutes, episode.minutes_above) == (
        45,
        35,
        10,
    )


def test_the_reporting_interval_of_the_unit_sets_what_a_reading_vouches_for() -> None:
    config = fridge(interval_s=120)  # 2 minutes
    _, events = feed([reading(0, 9.0), reading(10, 5.0)], config)
    [ended] = of_type(events, ExcursionEnded)
    assert (ended.episode.minutes_above, ended.episode.unknown_minutes) == (2, 8)


def test_a_hot_reading_after_a_gap_that_followed_a_normal_one_starts_a_new_run() -> None:
    _, events = feed([reading(0, 5.0), *steady(9.0, 100, 690)])
    assert raised(events, "who-heat") == []  # the run starts at 100
