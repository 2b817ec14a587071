"""A seeded thermal model of one storage unit: chamber, air (the probe), ice bank, compressor.

The unit is the small RC network of ``simulators.equipment``: heat flows from the room into
the chamber, from the chamber to the air the probe reads (and from the room to the air while
the door is open, so an opening spikes the reading and it recovers), and from the chamber
into the ice bank, which holds 0 °C while it melts. The compressor, switched by a thermostat
with hysteresis on the air, cools the chamber or charges the bank. Named events
(``simulators.events``) cut the power, stick the thermostat, open the door, break the
compressor or repack the ice.

Invariant: deterministic. The same equipment, seed, events, room and start instant give the
same temperatures; time only moves forward (``advance_to``), in sub-steps of at most
``MAX_STEP_S`` integrated exponentially (stable for any step).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from simulators import events as ev
from simulators.ambient import Ambient
from simulators.equipment import ICE_J_PER_KG_K, WATER_J_PER_KG_K, Equipment

MAX_STEP_S = 120.0
UNCONDITIONED_PACK_C = -20.0  # ice packs straight from a freezer
WORKING_HOURS = (8.0, 17.0)


@dataclass(slots=True)
class Cabinet:
    """The state of one simulated unit at simulated time ``t_s`` (seconds since the start,
    which is Unix second ``origin_s``)."""

    equipment: Equipment
    seed: int
    events: tuple[ev.Event, ...] = ()
    ambient: Ambient = field(default_factory=Ambient)
    origin_s: float = 0.0
    t_s: float = field(init=False, default=0.0)
    chamber_c: float = field(init=False)
    air_c: float = field(init=False)
    bank_h_j: float = field(init=False, default=0.0)  # enthalpy; 0 = all water at 0 °C
    compressor_on: bool = field(init=False, default=False)
    compressor_s: float = field(init=False, default=0.0)  # seconds it ran (for duty)
    _rng: random.Random = field(init=False)
    _applied: set[int] = field(init=False, default_factory=set)
    _door_rate_per_s: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        eq = self.equipment
        self._rng = random.Random(self.seed)
        hours = WORKING_HOURS[1] - WORKING_HOURS[0]
        self._door_rate_per_s = eq.door_openings_per_day / (hours * 3600.0)
        if eq.has_bank:
            self.bank_h_j = -eq.bank_latent_j * self._rng.uniform(0.97, 1.0)
            room = self.ambient.temperature_c(self.origin_s)
            g_a, g_b = 1.0 / eq.r_ambient_k_per_w, 1.0 / eq.r_bank_k_per_w
            self.chamber_c = room * g_a / (g_a + g_b)
            if eq.cools != "nothing":
                band = (eq.setpoint_c - eq.hysteresis_c, eq.setpoint_c + eq.hysteresis_c)
                self.chamber_c = min(max(self.chamber_c, band[0]), band[1])
        else:
            self.chamber_c = eq.setpoint_c + self._rng.uniform(-0.8, 0.8) * eq.hysteresis_c
        self.air_c = self.chamber_c
        self.compressor_on = eq.cools != "nothing" and self._rng.random() < 0.5

    # -- what the logger sees besides the temperature --------------------------------------

    def powered(self, t_s: float) -> bool | None:
        """Mains power as the logger reports it (None: the unit has no mains)."""
        if not self.equipment.mains:
            return None
        return not ev.active(self.events, ev.POWER_CUT, t_s)

    def door_open(self, t_s: float) -> bool | None:
        if not self.equipment.door_switch:
            return None
        return ev.active(self.events, ev.DOOR_LEFT_OPEN, t_s)

    @property
    def bank_c(self) -> float:
        eq = self.equipment
        if not eq.has_bank:
            return math.nan
        latent = eq.bank_latent_j
        if self.bank_h_j < -latent:
            return (self.bank_h_j + latent) / (eq.bank_kg * ICE_J_PER_KG_K)
        if self.bank_h_j > 0:
            return self.bank_h_j / (eq.bank_kg * WATER_J_PER_KG_K)
        return 0.0

    @property
    def frozen_fraction(self) -> float:
        latent = self.equipment.bank_latent_j
        return min(1.0, max(0.0, -self.bank_h_j / latent)) if latent else 0.0

    # -- integration ----------------------------------------------------------------------

    def advance_to(self, t_s: float) -> float:
        """Integrate up to simulated second ``t_s``; return the air (probe) temperature."""
        while self.t_s < t_s:
            dt = min(MAX_STEP_S, t_s - self.t_s)
            self._step(dt)
            self.t_s += dt
        return self.air_c

    def _step(self, dt: float) -> None:
        eq, t = self.equipment, self.t_s
        self._apply_instant_events(t + dt)
        epoch = self.origin_s + t
        room = self.ambient.temperature_c(epoch)
        open_fraction = 1.0 if ev.active(self.events, ev.DOOR_LEFT_OPEN, t) else 0.0
        if (
            open_fraction == 0.0
            and self._door_rate_per_s
            and self._working(epoch)
            and self._rng.random() < self._door_rate_per_s * dt
        ):  # a routine opening: a few seconds of this sub-step
            open_fraction = min(1.0, eq.door_open_s / dt)
        cooling = self._cooling_w(t, epoch)
        # air: coupled to the chamber, and to the room while the door is open
        g_c = 1.0 / eq.r_air_k_per_w
        g_d = open_fraction / eq.r_door_k_per_w
        target = (g_c * self.chamber_c + g_d * room) / (g_c + g_d)
        self.air_c = _relax(self.air_c, target, eq.air_j_per_k / (g_c + g_d), dt)
        # chamber: the room, the air, the bank, and the compressor when it cools the chamber
        g_a = 1.0 / eq.r_ambient_k_per_w
        g_b = 1.0 / eq.r_bank_k_per_w if eq.has_bank else 0.0
        bank = self.bank_c if eq.has_bank else 0.0
        heat = g_a * room + g_c * self.air_c + g_b * bank
        g = g_a + g_c + g_b
        if eq.cools == "chamber":
            heat -= cooling
        self.chamber_c = _relax(self.chamber_c, heat / g, eq.chamber_j_per_k / g, dt)
        if eq.has_bank:
            into_bank = g_b * (self.chamber_c - bank) - (cooling if eq.cools == "bank" else 0.0)
            self.bank_h_j += into_bank * dt
        if cooling > 0:
            self.compressor_s += dt

    def _cooling_w(self, t: float, epoch: float) -> float:
        """Switch the thermostat and return the heat the compressor removes (W)."""
        eq = self.equipment
        if eq.cools == "nothing":
            return 0.0
        high, low = eq.setpoint_c + eq.hysteresis_c, eq.setpoint_c - eq.hysteresis_c
        if eq.cools == "chamber":  # the thermostat's bulb is on the chamber's cold plate
            if self.chamber_c > high:
                self.compressor_on = True
            elif self.chamber_c < low:
                self.compressor_on = False
            cold_side = self.chamber_c
        else:  # charge the bank; run on while the chamber is warm
            if self.frozen_fraction < eq.bank_recharge_below or self.air_c > high:
                self.compressor_on = True
            elif self.frozen_fraction >= 1.0 and self.air_c <= eq.setpoint_c:
                self.compressor_on = False
            cold_side = self.bank_c
        runs = self.compressor_on or ev.active(self.events, ev.THERMOSTAT_STUCK_ON, t)
        if not runs or ev.active(self.events, ev.POWER_CUT, t):
            return 0.0
        if ev.active(self.events, ev.COMPRESSOR_FAILURE, t):
            return 0.0
        if eq.solar and not self.ambient.daylight(epoch):
            return 0.0
        return max(0.0, min(eq.cooling_w, (cold_side - eq.evaporator_c) / eq.r_evaporator_k_per_w))

    def _apply_instant_events(self, until_s: float) -> None:
        eq = self.equipment
        for i, event in enumerate(self.events):
            if event.kind not in ev.INSTANT or i in self._applied or event.start_s >= until_s:
                continue
            self._applied.add(i)
            if not eq.has_bank:
                continue
            if event.kind == ev.ICE_PACKS_REPLACED:
                self.bank_h_j = -eq.bank_latent_j
            else:  # not conditioned: frozen solid and far below 0 °C
                self.bank_h_j = -eq.bank_latent_j + UNCONDITIONED_PACK_C * (
                    eq.bank_kg * ICE_J_PER_KG_K
                )

    def _working(self, epoch: float) -> bool:
        return WORKING_HOURS[0] <= self.ambient.local_hour(epoch) < WORKING_HOURS[1]


def _relax(value: float, target: float, tau_s: float, dt: float) -> float:
    """Exponential approach of ``value`` to ``target`` with time constant ``tau_s``."""
    return target + (value - target) * math.exp(-dt / tau_s)
