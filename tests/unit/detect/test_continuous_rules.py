"""Continuous rules on device time: WHO heat and freeze boundaries, resets, firing once."""

from __future__ import annotations

import pytest

from ingest.detect import AlarmRaised
from tests.unit.detect.builders import (
    above,
    at,
    at_or_below,
    cleared,
    every,
    feed,
    fridge,
    raised,
    reading,
    steady,
)


def test_the_heat_alarm_does_not_fire_just_under_600_minutes() -> None:
    stream = [*steady(8.1, 0, 590), reading(599 + 59 / 60, 8.1)]  # 599 min 59 s
    _, events = feed(stream)
    assert raised(events, "who-heat") == []


def test_the_heat_alarm_fires_at_exactly_600_minutes_of_continuous_heat() -> None:
    _, events = feed(steady(8.1, 0, 600))
    [alarm] = raised(events, "who-heat")
    assert alarm.start_ns == at(0)
    assert alarm.fired_at_ns == at(600)
    assert alarm.key == f"clinic-1/fridge-1/who-heat/{at(0)}"
    assert alarm.unknown_minutes == 0
    assert alarm.episode_key == f"clinic-1/fridge-1/excursion/{at(0)}"


def test_readings_at_exactly_plus_8_are_not_heat() -> None:
    _, events = feed(steady(8.0, 0, 700))
    assert events == []


@pytest.mark.parametrize(("temp", "fires"), [(-0.5, True), (-0.4, False)])
def test_the_freeze_alarm_counts_minus_0_5_but_not_minus_0_4(temp: float, fires: bool) -> None:
    stream = [*steady(temp, 0, 50), reading(59, temp)]
    det, events = feed(stream)
    assert raised(events, "who-freeze") == []  # 59 minutes: never
    more = det.observe([reading(60, temp)])
    assert [a.fired_at_ns for a in raised(more, "who-freeze")] == ([at(60)] if fires else [])


def test_a_single_in_range_reading_resets_the_continuous_counter() -> None:
    stream = [*steady(9.0, 0, 300), reading(310, 7.5), *steady(9.0, 320, 910)]
    det, events = feed(stream)
    assert raised(events, "who-heat") == []  # 590 minutes since the reset
    [alarm] = raised(det.observe([reading(920, 9.0)]), "who-heat")
    assert alarm.start_ns == at(320)


def test_an_alarm_fires_once_per_run_and_keeps_the_peak() -> None:
    temps = [8.5] * 30 + [11.2] + [9.0] * 60
    _, events = feed(every(10, temps))
    [alarm] = raised(events, "who-heat")
    assert alarm.peak_c == 11.2


def test_the_freeze_alarm_reports_the_coldest_reading_as_its_peak() -> None:
    _, events = feed(every(10, [-0.6, -2.5, -1.0, -0.7, -0.6, -0.6, -0.6]))
    [alarm] = raised(events, "who-freeze")
    assert alarm.peak_c == -2.5


def test_an_alarm_clears_at_the_first_in_range_reading_with_its_own_key() -> None:
    det, events = feed([*steady(9.0, 0, 620), reading(630, 6.0)])
    [alarm] = raised(events, "who-heat")
    [clear] = cleared(events, "who-heat")
    assert (clear.key, clear.cleared_at_ns, clear.start_ns) == (alarm.key, at(630), at(0))
    unit = det.unit("clinic-1", "fridge-1")
    assert unit is not None
    # the cumulative warning stays up: 630 hot minutes are still inside its 72 h window
    assert unit.active_alarms() == (f"clinic-1/fridge-1/cumulative-heat/{at(0)}",)


def test_a_jump_to_the_other_side_of_the_range_ends_the_run_but_not_the_alarm() -> None:
    config = fridge(at_or_below("freeze", -0.5, 60), at_or_below("cold", 2.0, 30))
    stream = [*steady(1.0, 0, 40), reading(50, 9.0), reading(60, 5.0)]
    _, events = feed(stream, config)
    [alarm] = raised(events, "cold")
    [clear] = cleared(events, "cold")
    assert alarm.fired_at_ns == at(30)
    assert clear.cleared_at_ns == at(60)  # 9.0 was not "back to normal"; 5.0 is


def test_a_warning_at_or_below_plus_2_needs_a_reading_above_2_to_clear() -> None:
    config = fridge(at_or_below("early-cold", 2.0, 20))
    stream = [*steady(1.5, 0, 20), reading(30, 2.0), reading(40, 2.1)]
    _, events = feed(stream, config)
    assert [a.fired_at_ns for a in raised(events)] == [at(20)]
    assert [c.cleared_at_ns for c in cleared(events)] == [at(40)]  # 2.0 is in range, still cold


def test_a_warning_can_fire_without_an_excursion_when_its_threshold_is_in_range() -> None:
    config = fridge(at_or_below("early-cold", 2.0, 20))
    _, events = feed(steady(2.0, 0, 30), config)
    [warning] = raised(events)
    assert warning.episode_key is None


def test_a_new_run_after_clearing_raises_a_new_alarm_with_a_new_key() -> None:
    config = fridge(above("early-heat", 8.0, 30))
    stream = [*steady(9.0, 0, 30), reading(40, 5.0), *steady(9.0, 50, 80)]
    _, events = feed(stream, config)
    keys = [a.key for a in raised(events)]
    assert keys == [
        f"clinic-1/fridge-1/early-heat/{at(0)}",
        f"clinic-1/fridge-1/early-heat/{at(50)}",
    ]
    assert [type(e).__name__ for e in events if e.kind.startswith("alarm")] == [
        "AlarmRaised",
        "AlarmCleared",
        "AlarmRaised",
    ]


def test_alarm_raised_carries_a_snapshot_of_the_rule_and_its_severity() -> None:
    rule = above("early-heat", 8.0, 30)
    _, events = feed(steady(9.0, 0, 30), fridge(rule))
    [alarm] = raised(events)
    assert isinstance(alarm, AlarmRaised)
    assert alarm.rule == rule and alarm.severity is rule.severity
