"""The room around a unit: a daily temperature cycle, and daylight for solar equipment.

Invariant: pure functions of absolute time (Unix seconds) and a fixed UTC offset, so the
same scenario started at the same instant sees the same room, whatever the machine's zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Ambient:
    """A sinusoid ``mean ± amplitude`` peaking at ``peak_hour`` local time (28 ± 5 °C,
    14:00 by default); ``amplitude_c = 0`` is a constant room, as in a type test."""

    mean_c: float = 28.0
    amplitude_c: float = 5.0
    peak_hour: float = 14.0
    utc_offset_s: float = 0.0
    sunrise_hour: float = 7.0
    sunset_hour: float = 17.0  # 10 h of charging daylight

    def local_hour(self, epoch_s: float) -> float:
        return ((epoch_s + self.utc_offset_s) % DAY_S) / 3600.0

    def temperature_c(self, epoch_s: float) -> float:
        phase = 2.0 * math.pi * (self.local_hour(epoch_s) - self.peak_hour) / 24.0
        return self.mean_c + self.amplitude_c * math.cos(phase)

    def daylight(self, epoch_s: float) -> bool:
        return self.sunrise_hour <= self.local_hour(epoch_s) < self.sunset_hour


def constant(temperature_c: float) -> Ambient:
    """A room held at one temperature (the +43 °C of a hold-over test, for instance)."""
    return Ambient(mean_c=temperature_c, amplitude_c=0.0)
