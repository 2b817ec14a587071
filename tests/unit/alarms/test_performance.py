"""Cold-chain performance figures (rule 26): time in range over observed time with unknown
time apart, MKT combined exactly from daily MKTs, acknowledgement times as median and p90,
and the sum over units."""

from __future__ import annotations

import pytest

from ingest.alarms.performance import (
    DaySlice,
    combine,
    nearest_rank,
    unit_figures,
)
from ingest.detect.mkt import mean_kinetic_temperature


def test_time_in_range_counts_only_observed_minutes() -> None:
    days = [
        DaySlice(1440, 0, 60, 0, 5.0),  # an hour too hot
        DaySlice(1440, 240, 0, 120, 4.0),  # 4 h unknown, 2 h too cold
    ]
    figures = unit_figures(days, [], [], 0)
    assert figures.observed_minutes == 2640 and figures.unknown_minutes == 240
    assert (figures.above_minutes, figures.below_minutes) == (60, 120)
    assert figures.in_range_minutes == 2460
    assert figures.time_in_range_percent == round(100 * 2460 / 2640, 2)  # 93.18


def test_mkt_over_days_equals_the_mkt_of_all_their_time() -> None:
    # Day 1: 12 h at 5 °C and 12 h at 25 °C; day 2: 24 h at 5 °C (observed minutes weigh).
    day1 = mean_kinetic_temperature([(5.0, 720), (25.0, 720)])
    day2 = 5.0
    figures = unit_figures(
        [DaySlice(1440, 0, 720, 0, day1), DaySlice(1440, 0, 0, 0, day2)], [], [], 0
    )
    whole = mean_kinetic_temperature([(5.0, 720), (25.0, 720), (5.0, 1440)])
    assert figures.mkt_c == pytest.approx(whole, abs=0.01)


def test_acknowledgement_times_median_and_p90_by_nearest_rank() -> None:
    figures = unit_figures([], ["who-heat"] * 3 + ["SENSOR_OFFLINE"], [30, 10, 20, 200], 2, True)
    assert figures.median_ack_minutes == 25.0
    assert figures.p90_ack_minutes == 200.0  # rank ceil(0.9 × 4) = 4
    assert figures.alarms_by_type == (("SENSOR_OFFLINE", 1), ("who-heat", 3))
    assert (figures.alarms, figures.excursions, figures.units_offline) == (4, 2, 1)
    assert nearest_rank([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90) == 9.0


def test_nothing_observed_has_no_rates() -> None:
    figures = unit_figures([DaySlice(1440, 1440, 0, 0, None)], [], [], 0)
    assert figures.time_in_range_percent is None and figures.mkt_c is None
    assert figures.median_ack_minutes is None and figures.p90_ack_minutes is None


def test_units_combine_into_a_facility() -> None:
    a = unit_figures([DaySlice(1440, 0, 144, 0, 6.0)], ["who-heat"], [15], 1)
    b = unit_figures([DaySlice(1440, 0, 0, 0, 5.0)], ["SENSOR_OFFLINE"], [45], 0, True)
    both = combine([a, b])
    assert (both.units, both.observed_minutes, both.units_offline) == (2, 2880, 1)
    assert both.time_in_range_percent == 95.0
    assert both.ack_minutes == (15, 45) and both.median_ack_minutes == 30.0
    assert both.mkt_c == pytest.approx(
        mean_kinetic_temperature([(6.0, 1440), (5.0, 1440)]), abs=0.01
    )
    assert combine([]).units == 0 and combine([]).time_in_range_percent is None
