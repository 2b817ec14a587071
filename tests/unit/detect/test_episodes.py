"""Excursion episodes: opened by any out-of-range reading, closed by the first in-range one."""

from __future__ import annotations

import math

import pytest

from ingest.detect import (
    Direction,
    Episode,
    Event,
    ExcursionEnded,
    ExcursionStarted,
    FreezeExposureDetected,
    UnitConfig,
)
from tests.unit.detect.builders import (
    at,
    every,
    feed,
    feed_into,
    of_type,
    raised,
    reading,
    steady,
)

# 5.0 in range, then 9.0 for 10 min, 12.0 for 20 min, 1.0 for 10 min, back in range at 6.0.
HAND_EXAMPLE = [
    reading(0, 5.0),
    reading(10, 9.0),
    reading(20, 12.0),
    reading(30, 12.0),
    reading(40, 1.0),
    reading(50, 6.0),
]


def closed_episode(events: list[Event]) -> Episode:
    [ended] = of_type(events, ExcursionEnded)
    return ended.episode


def test_episode_statistics_on_a_hand_computed_example() -> None:
    _, events = feed(HAND_EXAMPLE)
    episode = closed_episode(events)
    assert (episode.start_ns, episode.end_ns, episode.duration_minutes) == (at(10), at(50), 40)
    assert (episode.min_c, episode.min_at_ns) == (1.0, at(40))
    assert (episode.max_c, episode.max_at_ns) == (12.0, at(20))
    # time-weighted: (10 × 9 + 20 × 12 + 10 × 1) / 40
    assert episode.mean_c == pytest.approx(8.5)
    assert (episode.minutes_above, episode.minutes_below, episode.unknown_minutes) == (30, 10, 0)
    k = 10_000.0
    terms = 10 * math.exp(-k / 282.15) + 20 * math.exp(-k / 285.15) + 10 * math.exp(-k / 274.15)
    assert episode.mkt_c == pytest.approx(k / -math.log(terms / 40) - 273.15)
    assert episode.mkt_c == pytest.approx(9.50, abs=0.01)
    assert episode.reading_count == 4
    assert episode.key == f"clinic-1/fridge-1/excursion/{at(10)}"
    assert episode.rules == UnitConfig.for_profile("2-8").rules
    assert not episode.freeze_exposed


def test_the_episode_opens_at_once_and_says_which_side_it_left_by() -> None:
    _, events = feed(HAND_EXAMPLE[:2])
    [started] = of_type(events, ExcursionStarted)
    assert (started.start_ns, started.temperature_c, started.direction) == (
        at(10),
        9.0,
        Direction.ABOVE,
    )
    assert started.key == f"clinic-1/fridge-1/excursion/{at(10)}"


def test_a_single_out_of_range_reading_is_a_whole_episode() -> None:
    _, events = feed([reading(0, 5.0), reading(10, 1.9), reading(20, 2.0)])
    episode = closed_episode(events)
    assert (episode.duration_minutes, episode.minutes_below, episode.min_c) == (10, 10, 1.9)
    assert of_type(events, ExcursionStarted)[0].direction is Direction.BELOW


def test_one_episode_spans_a_jump_from_too_hot_to_too_cold() -> None:
    _, events = feed(every(10, [9.0, 9.0, 1.0, 5.0]))
    episode = closed_episode(events)
    assert (episode.minutes_above, episode.minutes_below) == (20, 10)
    assert len(of_type(events, ExcursionStarted)) == 1


def test_the_episode_lists_the_alarms_raised_while_it_was_open() -> None:
    _, events = feed([*steady(9.0, 0, 30), reading(40, 5.0)])
    episode = closed_episode(events)
    assert episode.alarm_keys == tuple(a.key for a in raised(events))
    assert [a.rule.id for a in raised(events)] == ["early-heat"]


@pytest.mark.parametrize(("coldest", "flagged"), [(0.0, True), (0.1, False)])
def test_a_reading_at_or_below_zero_flags_the_episode_for_freeze_sensitive_stock(
    coldest: float, flagged: bool
) -> None:
    _, events = feed(every(10, [5.0, 1.0, coldest, -0.3 if flagged else 0.5, 5.0]))
    signals = of_type(events, FreezeExposureDetected)
    assert closed_episode(events).freeze_exposed is flagged
    assert [s.at_ns for s in signals] == ([at(20)] if flagged else [])  # once per episode
    if flagged:
        assert signals[0].episode_key == closed_episode(events).key


def test_freezers_have_no_freeze_exposure_signal() -> None:
    config = UnitConfig.for_profile("freezer")
    _, events = feed(every(10, [-20.0, -12.0, -30.0, -20.0]), config)
    assert of_type(events, FreezeExposureDetected) == []
    assert closed_episode(events).minutes_above == 10


def test_an_open_episode_can_be_looked_at_before_it_closes() -> None:
    det, _ = feed(HAND_EXAMPLE[:5])
    unit = det.unit("clinic-1", "fridge-1")
    assert unit is not None
    snapshot = unit.open_episode()
    assert snapshot is not None
    assert (snapshot.end_ns, snapshot.duration_minutes) == (None, 30)
    assert (snapshot.min_c, snapshot.max_c) == (1.0, 12.0)  # the newest reading counts
    assert snapshot.mean_c == pytest.approx((10 * 9.0 + 20 * 12.0) / 30)
    feed_into(det, HAND_EXAMPLE[5:])
    assert unit.open_episode() is None


def test_an_episode_closed_at_the_instant_it_opened_still_reports_its_reading() -> None:
    stream = [reading(0, 5.0), reading(10, 9.0, sensor="a"), reading(10, 5.0, sensor="b")]
    _, events = feed(stream)
    episode = closed_episode(events)
    assert (episode.duration_minutes, episode.max_c, episode.mean_c) == (0, 9.0, 9.0)
