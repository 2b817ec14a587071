"""Mean kinetic temperature (USP <1079>), weighted by the time each reading covers."""

from __future__ import annotations

import pytest

from ingest.detect import mean_kinetic_temperature

HOUR = 3600.0


def test_23_hours_at_5_and_1_hour_at_15_give_5_76() -> None:
    mkt = mean_kinetic_temperature([(5.0, 23 * HOUR), (15.0, 1 * HOUR)])
    assert mkt == pytest.approx(5.76, abs=0.005)


def test_equal_weights_are_the_usp_formula_for_n_equal_intervals() -> None:
    hourly = [5.0] * 23 + [15.0]
    assert mean_kinetic_temperature((t, 1.0) for t in hourly) == pytest.approx(
        mean_kinetic_temperature([(5.0, 23.0), (15.0, 1.0)])
    )


def test_a_constant_temperature_is_its_own_mkt() -> None:
    assert mean_kinetic_temperature([(4.2, 10.0), (4.2, 300.0)]) == pytest.approx(4.2)


def test_mkt_weighs_warm_time_more_than_the_arithmetic_mean_does() -> None:
    mkt = mean_kinetic_temperature([(2.0, 1.0), (12.0, 1.0)])
    assert 7.0 < mkt < 12.0


def test_a_larger_delta_h_over_r_weighs_the_warm_time_even_more() -> None:
    samples = [(5.0, 23.0), (15.0, 1.0)]
    assert mean_kinetic_temperature(samples, 20_000.0) > mean_kinetic_temperature(samples)


def test_the_mkt_of_no_time_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="no time"):
        mean_kinetic_temperature([(5.0, 0.0)])
