"""The simulated cabinets behave like fridges: in range when healthy, out of range on faults."""

from __future__ import annotations

from simulators.fleet import demo_fleet, samples
from simulators.thermal import FRIDGE, Cabinet, Fault

HOUR = 3600.0


def run(cabinet: Cabinet, hours: float, step_s: float = 300.0) -> list[float]:
    return [cabinet.step(t * step_s, step_s) for t in range(int(hours * HOUR / step_s))]


def test_a_healthy_fridge_stays_between_two_and_eight_degrees() -> None:
    values = run(Cabinet(FRIDGE, seed=7), hours=48)
    assert min(values) >= 2.0 and max(values) <= 8.0


def test_a_power_cut_warms_the_fridge_above_eight_degrees() -> None:
    cut = Fault("power_cut", 2 * HOUR, 14 * HOUR)
    values = run(Cabinet(FRIDGE, seed=7, faults=(cut,)), hours=14)
    hot = [v for v in values[int(4 * HOUR / 300) :] if v > 8.0]
    assert len(hot) * 300 >= 10 * HOUR  # long enough for the WHO heat alarm


def test_a_stuck_thermostat_freezes_the_fridge() -> None:
    stuck = Fault("thermostat_stuck_on", 0.0, 4 * HOUR)
    values = run(Cabinet(FRIDGE, seed=7, faults=(stuck,)), hours=4)
    assert min(values) <= -0.5


def test_the_same_seed_gives_the_same_readings() -> None:
    sensor = demo_fleet()[3]
    first = [s.temperature_c for s in samples(sensor, 0.0, 24 * HOUR)]
    second = [s.temperature_c for s in samples(sensor, 0.0, 24 * HOUR)]
    assert first == second
    assert first != [s.temperature_c for s in samples(demo_fleet()[2], 0.0, 24 * HOUR)]


def test_the_demo_fleet_has_one_heat_fault_and_one_freeze_fault() -> None:
    fleet = demo_fleet(hours=24, interval_s=300)
    temps = {s.unit: [x.temperature_c for x in samples(s, 0.0, 24 * HOUR)] for s in fleet}
    assert max(temps["CLN1-FR1"]) > 8.0
    assert min(temps["CLN2-FR1"]) <= -0.5
    assert all(2.0 <= t <= 8.0 for t in temps["CLN3-FR1"])
