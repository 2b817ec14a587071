"""Every equipment preset holds its published hold-over or cold life, and behaves like the
equipment: a probe in the air, a thermostat that keeps 2–8 °C, failures that break it.

Tolerances: the domestic fridge must fall inside the published 4–6 h for every seed and
every moment of its thermostat cycle; the others within a stated share of the figure the
preset is tuned to (the catalogue median), and inside the published range.
"""

from __future__ import annotations

import statistics
from dataclasses import replace

import pytest

from simulators import events as ev
from simulators.ambient import Ambient, constant
from simulators.equipment import PRESETS, Equipment
from simulators.thermal import Cabinet

HOUR = 3600.0
SEEDS = range(1, 7)
CUTS_AT_H = (1.0, 2.5, 4.0)  # different moments of the thermostat cycle


def hours_until(
    equipment: Equipment,
    room: Ambient,
    crossed: float,
    *,
    seed: int,
    event: str | None = ev.POWER_CUT,
    at_s: float = 2 * HOUR,
    below: bool = False,
) -> float:
    """Hours from ``event`` (or from the start) until the probe passes ``crossed`` °C."""
    events = (ev.Event(event, at_s, 1e9),) if event else ()
    cabinet = Cabinet(replace(equipment, door_openings_per_day=0.0), seed, events, room)
    start = at_s if event else 0.0
    t = 0.0
    while t < 400 * HOUR:
        t += 60.0
        value = cabinet.advance_to(t)
        if t > start and (value <= crossed if below else value > crossed):
            return (t - start) / HOUR
    raise AssertionError(f"{equipment.name} never passed {crossed} °C")


def spread(name: str, room: Ambient, crossed: float, **kwargs: object) -> list[float]:
    return [
        hours_until(PRESETS[name], room, crossed, seed=seed, at_s=cut * HOUR, **kwargs)  # type: ignore[arg-type]
        for seed in SEEDS
        for cut in CUTS_AT_H
    ]


def test_a_domestic_fridge_stays_below_eight_degrees_for_four_to_six_hours_without_power() -> None:
    hours = spread("domestic_fridge", constant(28.0), 8.0)
    assert min(hours) >= 4.0 and max(hours) <= 6.0, hours


@pytest.mark.parametrize(
    ("name", "figure_h", "tolerance", "published"),
    [
        ("ice_lined_refrigerator", 60.0, 0.10, (20.0, 129.0)),
        ("solar_direct_drive", 92.0, 0.10, (74.0, 192.0)),
    ],
)
def test_an_ice_bank_refrigerator_holds_its_catalogue_holdover_at_43_degrees(
    name: str, figure_h: float, tolerance: float, published: tuple[float, float]
) -> None:
    """Hold-over as the type test measures it: power off at +43 °C until the probe
    passes +10 °C."""
    hours = spread(name, constant(43.0), 10.0)
    assert abs(statistics.median(hours) - figure_h) <= tolerance * figure_h, hours
    assert published[0] <= min(hours) and max(hours) <= published[1]


def test_a_freezer_holds_about_four_hours_and_runs_its_compressor_forty_percent() -> None:
    hours = spread("freezer", constant(43.0), -5.0)
    assert abs(statistics.median(hours) - 4.0) <= 0.25 * 4.0, hours
    cabinet = Cabinet(PRESETS["freezer"], 3, (), constant(28.0))
    cabinet.advance_to(24 * HOUR)
    ran = cabinet.compressor_s
    cabinet.advance_to(72 * HOUR)
    assert 0.35 <= (cabinet.compressor_s - ran) / (48 * HOUR) <= 0.45


@pytest.mark.parametrize(
    ("name", "figure_h", "at_least_h"), [("cold_box", 60.0, 48.0), ("vaccine_carrier", 36.0, 0.0)]
)
def test_a_passive_container_has_its_cold_life_at_43_degrees(
    name: str, figure_h: float, at_least_h: float
) -> None:
    """Cold life: packed with conditioned ice packs, lid shut, +43 °C, until +10 °C."""
    hours = [
        hours_until(PRESETS[name], constant(43.0), 10.0, seed=seed, event=None) for seed in SEEDS
    ]
    assert abs(statistics.median(hours) - figure_h) <= 0.15 * figure_h, hours
    assert min(hours) >= at_least_h


@pytest.mark.parametrize(
    "name", ["domestic_fridge", "ice_lined_refrigerator", "solar_direct_drive"]
)
def test_a_healthy_refrigerator_keeps_two_to_eight_through_a_week_of_days_and_nights(
    name: str,
) -> None:
    cabinet = Cabinet(PRESETS[name], 11, (), Ambient())  # 28 ± 5 °C, doors opened
    values = [cabinet.advance_to(k * 600.0) for k in range(7 * 144)]
    assert min(values) >= 2.0 and max(values) <= 8.0, (min(values), max(values))


def test_a_solar_refrigerator_charges_only_in_daylight() -> None:
    cabinet = Cabinet(PRESETS["solar_direct_drive"], 2, (), Ambient())
    ran_at_night = 0.0
    for k in range(1, 2 * 24 * 30 + 1):  # two days in 2-minute steps
        before = cabinet.compressor_s
        cabinet.advance_to(k * 120.0)
        if not cabinet.ambient.daylight(k * 120.0 - 60.0):
            ran_at_night += cabinet.compressor_s - before
    assert ran_at_night == 0.0
    assert cabinet.compressor_s > 0


def test_a_door_opening_spikes_the_air_probe_and_it_recovers() -> None:
    fridge = PRESETS["domestic_fridge"]
    cabinet = Cabinet(fridge, 4, (ev.Event(ev.DOOR_LEFT_OPEN, HOUR, HOUR + 60.0),), constant(28.0))
    before = cabinet.advance_to(HOUR)
    chamber_before = cabinet.chamber_c
    peak = cabinet.advance_to(HOUR + 60.0)
    assert peak - before > 2.0  # the air the probe reads
    assert abs(cabinet.chamber_c - chamber_before) < 0.3  # the vaccine barely moved
    assert cabinet.door_open(HOUR + 30.0) is True
    assert abs(cabinet.advance_to(2 * HOUR) - before) < 1.0  # and an hour later it recovered


@pytest.mark.parametrize(
    ("event", "crossed", "below"),
    [
        (ev.THERMOSTAT_STUCK_ON, -0.5, True),
        (ev.COMPRESSOR_FAILURE, 8.0, False),
        (ev.DOOR_LEFT_OPEN, 8.0, False),
    ],
)
def test_a_named_failure_takes_a_domestic_fridge_out_of_range(
    event: str, crossed: float, below: bool
) -> None:
    hours = hours_until(
        PRESETS["domestic_fridge"], Ambient(), crossed, seed=5, event=event, below=below
    )
    assert hours < 8.0


def test_a_power_cut_is_reported_by_the_logger_and_a_compressor_failure_is_not() -> None:
    cut = Cabinet(PRESETS["domestic_fridge"], 1, (ev.Event(ev.POWER_CUT, 0.0, HOUR),))
    broken = Cabinet(PRESETS["domestic_fridge"], 1, (ev.Event(ev.COMPRESSOR_FAILURE, 0.0, HOUR),))
    assert cut.powered(10.0) is False and broken.powered(10.0) is True
    assert Cabinet(PRESETS["cold_box"], 1).powered(10.0) is None  # no mains to report


def test_ice_packs_not_conditioned_freeze_the_vaccine_in_a_cold_box() -> None:
    packed = ev.Event(ev.ICE_PACKS_NOT_CONDITIONED, HOUR, HOUR)
    box = Cabinet(PRESETS["cold_box"], 3, (packed,), Ambient())
    values = [box.advance_to(k * 600.0) for k in range(1, 6 * 12)]
    assert min(values[:5]) > 2.0  # conditioned packs before
    assert sum(1 for v in values if v <= -0.5) * 600 > 2 * HOUR


def test_an_ice_lined_refrigerator_rides_out_a_day_without_power() -> None:
    cut = ev.Event(ev.POWER_CUT, 2 * HOUR, 26 * HOUR)
    ilr = Cabinet(PRESETS["ice_lined_refrigerator"], 8, (cut,), Ambient())
    values = [ilr.advance_to(k * 600.0) for k in range(1, 30 * 6)]
    assert max(values) <= 8.0


def test_the_same_seed_gives_the_same_temperatures() -> None:
    def run(seed: int) -> list[float]:
        cabinet = Cabinet(PRESETS["domestic_fridge"], seed, (), Ambient(), 1_764_547_200.0)
        return [cabinet.advance_to(k * 600.0) for k in range(288)]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_an_unknown_or_instant_lasting_event_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event"):
        ev.Event("fridge_on_fire", 0.0, 1.0)
    with pytest.raises(ValueError, match="must last"):
        ev.Event(ev.POWER_CUT, 5.0, 5.0)
