"""The excursions in the terminal drawing of a lot trace, on hand-built values: the line
under the facility where the lot sat, and the section listing them all."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from api.lot_excursions import FiredAlarm, LotExcursion
from coldchain.trace_view import excursion_line, render_trace
from tests.unit.test_trace_view import make_trace

STARTED = datetime(2026, 11, 27, 1, 34, tzinfo=UTC)
ENDED = datetime(2026, 11, 27, 13, 44, tzinfo=UTC)


def heat(**changes: object) -> LotExcursion:
    """640 min above +8 °C in the clinic fridge of ``make_trace`` (facility 17, unit 117)."""
    x = LotExcursion(
        facility_id=17,
        facility="GD-K1-C1",
        storage_unit_id=117,
        unit="GD-K1-C1-F1",
        stay_from=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        stay_to=None,
        doses=65,
        episode_id=4,
        episode_key="GD-K1-C1/GD-K1-C1-F1/excursion/1",
        profile="2-8",
        range_low_c=2.0,
        range_high_c=8.0,
        direction="above",
        start=STARTED,
        end=ENDED,
        minutes_above=640.0,
        minutes_below=0.0,
        unknown_minutes=0.0,
        min_c=9.1,
        max_c=24.0,
        mkt_c=19.34,
        alarms=(
            FiredAlarm("k1", "early-heat", "warning", STARTED),
            FiredAlarm("k2", "who-heat", "alarm", ENDED),
        ),
        quarantined_doses=15,
    )
    return dataclasses.replace(x, **changes)  # type: ignore[arg-type]


def test_the_excursion_line_gives_the_times_minutes_mkt_and_alarms() -> None:
    assert excursion_line(heat()) == (
        "⚠ excursion 2026-11-27 01:34 → 13:44 UTC, 640 min above +8.0, MKT 19.3 °C,"
        " early-heat warning, who-heat ALARM (GD-K1-C1-F1: 65 doses of the lot;"
        " 15 quarantined for it)"
    )


def test_a_cold_excursion_over_midnight_with_a_gap_and_no_alarm() -> None:
    cold = heat(
        direction="below",
        end=datetime(2026, 11, 28, 0, 20, tzinfo=UTC),
        minutes_above=0.0,
        minutes_below=25.0,
        unknown_minutes=40.0,
        mkt_c=1.24,
        alarms=(),
        quarantined_doses=0,
    )

    assert excursion_line(cold) == (
        "⚠ excursion 2026-11-27 01:34 → 2026-11-28 00:20 UTC, 25 min below +2.0,"
        " 40 min unknown, MKT 1.2 °C, no alarm (GD-K1-C1-F1: 65 doses of the lot)"
    )


def test_an_open_excursion_says_so_and_has_no_statistics_yet() -> None:
    still = heat(end=None, minutes_above=None, minutes_below=None, unknown_minutes=None, mkt_c=None)

    assert excursion_line(still) == (
        "⚠ excursion 2026-11-27 01:34 UTC → still open, statistics when it closes,"
        " early-heat warning, who-heat ALARM (GD-K1-C1-F1: 65 doses of the lot;"
        " 15 quarantined for it)"
    )


def test_the_excursion_is_drawn_under_the_facility_where_the_lot_sat() -> None:
    lines = render_trace(make_trace(), [heat()]).splitlines()

    clinic = next(i for i, line in enumerate(lines) if "GD-K1-C1 (clinic)" in line)
    notes = lines[clinic + 1 : lines.index("", clinic)]
    assert notes[-1].endswith(excursion_line(heat()))
    assert sum("⚠ excursion" in line for line in lines) == 1
    section = lines.index("Excursions while the lot was there")
    assert lines[section + 1] == (
        "  GD-K1-C1 / GD-K1-C1-F1  2026-11-27 01:34 → 13:44 UTC  early-heat warning, who-heat ALARM"
    )


def test_no_excursion_is_said_plainly_and_unknown_is_left_out() -> None:
    none = render_trace(make_trace(), [])
    unknown = render_trace(make_trace())

    assert "Excursions while the lot was there\n  (none)" in none
    assert "Excursions" not in unknown and "⚠" not in unknown
