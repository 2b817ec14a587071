"""Offline sensors: silent for more than factor × their reporting interval."""

from __future__ import annotations

from ingest.detect import offline_sensors

S = 1_000_000_000
NOW = 1_704_067_200 * S


def test_silence_of_exactly_three_intervals_is_not_offline_but_one_nanosecond_more_is() -> None:
    last_seen = {"on-time": NOW - 1800 * S, "late": NOW - 1800 * S - 1}
    assert offline_sensors(last_seen, {}, NOW) == ("late",)


def test_each_sensor_is_judged_by_its_own_reporting_interval() -> None:
    last_seen = {"logger": NOW - 16 * 60 * S, "fridge": NOW - 16 * 60 * S}
    intervals = {"logger": 300.0}  # 5-minute transport logger; fridge keeps the 600 s default
    assert offline_sensors(last_seen, intervals, NOW) == ("logger",)


def test_the_factor_is_configurable_and_the_answer_is_sorted() -> None:
    last_seen = {"b": NOW - 1300 * S, "a": NOW - 1300 * S, "c": NOW - 100 * S}
    assert offline_sensors(last_seen, {}, NOW) == ()
    assert offline_sensors(last_seen, {}, NOW, factor=2) == ("a", "b")


def test_a_sensor_ahead_of_now_is_not_offline() -> None:
    assert offline_sensors({"fast-clock": NOW + 60 * S}, {}, NOW) == ()
