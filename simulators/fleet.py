"""A fleet of simulated sensors, each a seeded cabinet in a named storage unit.

``demo_fleet`` is the fleet the demo runs: a province cold room, a county fridge and three
clinic fridges, one of which loses power long enough to reach the WHO heat alarm and one
whose thermostat sticks on until the vaccine would freeze.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from simulators.thermal import FREEZER, FRIDGE, Cabinet, CabinetSpec, Fault


@dataclass(frozen=True, slots=True)
class SimulatedSensor:
    facility: str
    unit: str
    sensor: str
    spec: CabinetSpec
    seed: int
    interval_s: float = 600.0
    faults: tuple[Fault, ...] = ()

    def cabinet(self) -> Cabinet:
        return Cabinet(self.spec, self.seed, self.faults)


@dataclass(frozen=True, slots=True)
class Sample:
    sensor: SimulatedSensor
    t_s: float  # simulated seconds since the simulation's start
    temperature_c: float
    seq: int
    power: bool
    door: bool


def samples(sensor: SimulatedSensor, start_s: float, end_s: float) -> Iterator[Sample]:
    """Every reading ``sensor`` takes on [start_s, end_s), deterministically."""
    cabinet = sensor.cabinet()
    seq = 0
    t = start_s
    while t < end_s:
        value = cabinet.step(t, sensor.interval_s)
        yield Sample(sensor, t, value, seq, cabinet.powered(t), cabinet.door_open(t))
        seq += 1
        t += sensor.interval_s


def demo_fleet(*, hours: float = 24.0, interval_s: float = 300.0) -> list[SimulatedSensor]:
    """The demo's sensors; faults are placed relative to a simulation ``hours`` long."""
    h = 3600.0
    end = hours * h
    return [
        SimulatedSensor("PROV", "PROV-CR1", "S-PROV-CR1", FRIDGE, 1, interval_s),
        SimulatedSensor("PROV", "PROV-FZ1", "S-PROV-FZ1", FREEZER, 2, interval_s),
        SimulatedSensor("CTY1", "CTY1-FR1", "S-CTY1-FR1", FRIDGE, 3, interval_s),
        SimulatedSensor(
            "CLN1",
            "CLN1-FR1",
            "S-CLN1-FR1",
            FRIDGE,
            4,
            interval_s,
            (Fault("power_cut", end - 16 * h, end - 4 * h),),
        ),
        SimulatedSensor(
            "CLN2",
            "CLN2-FR1",
            "S-CLN2-FR1",
            FRIDGE,
            5,
            interval_s,
            (Fault("thermostat_stuck_on", end - 8 * h, end - 5 * h),),
        ),
        SimulatedSensor("CLN3", "CLN3-FR1", "S-CLN3-FR1", FRIDGE, 6, interval_s),
    ]
