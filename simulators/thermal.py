"""A seeded thermal model of a vaccine fridge, freezer or cold box.

Newton cooling towards a target that depends on the compressor: with the compressor on the
cabinet cools towards the evaporator temperature, with it off (or without power) it warms
towards the room. A thermostat with hysteresis switches the compressor. Door openings add a
warm pulse. Faults are scheduled events (power cut, thermostat stuck on). The same seed and
the same schedule give the same readings, so tests and demos are reproducible.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault active on [start_s, end_s) of simulated time."""

    kind: str  # "power_cut" | "thermostat_stuck_on" | "door_left_open"
    start_s: float
    end_s: float

    def active(self, t_s: float) -> bool:
        return self.start_s <= t_s < self.end_s


@dataclass(frozen=True, slots=True)
class CabinetSpec:
    setpoint_c: float = 5.0
    hysteresis_c: float = 1.0
    room_c: float = 28.0
    evaporator_c: float = -8.0
    # time constants (seconds): how fast the cabinet approaches the room / evaporator
    tau_warm_s: float = 3.0 * 3600
    tau_cool_s: float = 1.2 * 3600
    noise_c: float = 0.05
    door_openings_per_hour: float = 0.5
    door_pulse_c: float = 0.8


FRIDGE = CabinetSpec()
FREEZER = CabinetSpec(setpoint_c=-20.0, hysteresis_c=2.0, evaporator_c=-32.0, room_c=28.0)


@dataclass(slots=True)
class Cabinet:
    """The state of one simulated cabinet; ``step`` advances it and returns the sensor value."""

    spec: CabinetSpec
    seed: int
    faults: tuple[Fault, ...] = ()
    temperature_c: float = field(init=False)
    compressor_on: bool = field(init=False, default=False)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.temperature_c = self.spec.setpoint_c + self._rng.uniform(-1.0, 1.0)

    def powered(self, t_s: float) -> bool:
        return not any(f.kind == "power_cut" and f.active(t_s) for f in self.faults)

    def door_open(self, t_s: float) -> bool:
        return any(f.kind == "door_left_open" and f.active(t_s) for f in self.faults)

    def step(self, t_s: float, dt_s: float) -> float:
        """Advance by ``dt_s`` seconds ending at simulated time ``t_s``; return the reading."""
        spec = self.spec
        stuck_on = any(f.kind == "thermostat_stuck_on" and f.active(t_s) for f in self.faults)
        if stuck_on or self.temperature_c > spec.setpoint_c + spec.hysteresis_c:
            self.compressor_on = True
        elif self.temperature_c < spec.setpoint_c - spec.hysteresis_c:
            self.compressor_on = False
        cooling = self.compressor_on and self.powered(t_s)
        target, tau = (
            (spec.evaporator_c, spec.tau_cool_s) if cooling else (spec.room_c, spec.tau_warm_s)
        )
        if self.door_open(t_s):
            target, tau = spec.room_c, spec.tau_warm_s / 4
        self.temperature_c = target + (self.temperature_c - target) * math.exp(-dt_s / tau)
        if self._rng.random() < spec.door_openings_per_hour * dt_s / 3600:
            self.temperature_c = min(spec.room_c, self.temperature_c + spec.door_pulse_c)
        return round(self.temperature_c + self._rng.gauss(0.0, spec.noise_c), 2)
