"""Equipment presets: thermal constants calibrated to published cold-chain equipment.

Each preset is the thermal network that ``simulators.thermal`` integrates: a chamber (the
walls and the vaccine, ``chamber_j_per_k``) losing heat to the room through
``r_ambient_k_per_w``; an air node the probe sits in, coupled to the chamber and, while the
door or lid is open, to the room; optionally an ice bank at 0 °C (ice-lined and solar
refrigerators, the ice packs of cold boxes and carriers); and a compressor that cools the
chamber or charges the bank. The figures each preset is tuned to, and how a test measures
them, are in ``simulators/README.md``; the unit tests hold every preset to its figure.

Invariant: presets are values; a scenario refers to them by name (``PRESETS``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

ICE_LATENT_J_PER_KG = 334_000.0
ICE_USABLE_FRACTION = 0.85  # the part of an ice bank's latent heat that the chamber can use
ICE_J_PER_KG_K = 2_100.0
WATER_J_PER_KG_K = 4_186.0

Cools = Literal["chamber", "bank", "nothing"]


@dataclass(frozen=True, slots=True)
class Equipment:
    name: str
    unit_kind: str  # the ledger's storage unit kind: fridge, freezer, cold_room, cold_box
    profile: str  # the ledger's temperature profile: "2-8" or "freezer"
    chamber_j_per_k: float
    r_ambient_k_per_w: float
    air_j_per_k: float
    r_air_k_per_w: float
    r_door_k_per_w: float
    cools: Cools
    cooling_w: float = 0.0
    evaporator_c: float = -20.0
    r_evaporator_k_per_w: float = 0.5
    setpoint_c: float = 5.0
    hysteresis_c: float = 1.0
    bank_kg: float = 0.0
    r_bank_k_per_w: float = math.inf
    bank_recharge_below: float = 0.95  # restart charging when less of the bank is frozen
    mains: bool = True  # the logger reports mains power
    solar: bool = False  # the compressor runs only in daylight
    door_switch: bool = True  # the logger reports the door
    door_openings_per_day: float = 2.0  # in working hours (08:00-17:00)
    door_open_s: float = 21.5  # ≈ 43 s a day in two openings

    @property
    def bank_latent_j(self) -> float:
        return self.bank_kg * ICE_LATENT_J_PER_KG * ICE_USABLE_FRACTION

    @property
    def has_bank(self) -> bool:
        return self.bank_kg > 0


# A household refrigerator, door shut: below +8 °C for ≈ 5 h after a power cut in a 28 °C
# room (published 4–6 h; a time constant chamber × r_ambient ≈ 32 h).
DOMESTIC_FRIDGE = Equipment(
    "domestic_fridge",
    "fridge",
    "2-8",
    chamber_j_per_k=50_000.0,
    r_ambient_k_per_w=2.3,
    air_j_per_k=3_000.0,
    r_air_k_per_w=0.4,
    r_door_k_per_w=0.15,
    cools="chamber",
    cooling_w=50.0,
    evaporator_c=-20.0,
    r_evaporator_k_per_w=0.5,
    setpoint_c=5.0,
    hysteresis_c=0.5,
)

# An ice-lined refrigerator (chest): hold-over ≈ 60 h at +43 °C, the median of the
# catalogued models (published 20–129 h); 14 kg of ice lining.
ICE_LINED_REFRIGERATOR = Equipment(
    "ice_lined_refrigerator",
    "fridge",
    "2-8",
    chamber_j_per_k=50_000.0,
    r_ambient_k_per_w=1.63,
    air_j_per_k=5_000.0,
    r_air_k_per_w=0.6,
    r_door_k_per_w=0.24,
    cools="bank",
    cooling_w=50.0,
    evaporator_c=-25.0,
    r_evaporator_k_per_w=0.5,
    setpoint_c=5.0,
    hysteresis_c=1.5,
    bank_kg=14.2,
    r_bank_k_per_w=0.375,
)

# A solar direct-drive refrigerator: the compressor charges the ice bank in daylight only
# (≈ 34 W over 10 h); autonomy ≈ 92 h at +43 °C, the catalogue median (mostly 74–192 h).
SOLAR_DIRECT_DRIVE = Equipment(
    "solar_direct_drive",
    "fridge",
    "2-8",
    chamber_j_per_k=50_000.0,
    r_ambient_k_per_w=1.63,
    air_j_per_k=5_000.0,
    r_air_k_per_w=0.6,
    r_door_k_per_w=0.24,
    cools="bank",
    cooling_w=34.0,
    evaporator_c=-15.0,
    r_evaporator_k_per_w=0.3,
    setpoint_c=3.5,
    hysteresis_c=1.5,
    bank_kg=25.0,
    r_bank_k_per_w=0.375,
    mains=False,
    solar=True,
)

# A chest vaccine freezer at -20 °C: hold-over ≈ 4 h (catalogue median) and a compressor
# duty of ≈ 40 % in a 28 °C room.
FREEZER = Equipment(
    "freezer",
    "freezer",
    "freezer",
    chamber_j_per_k=50_000.0,
    r_ambient_k_per_w=0.85,
    air_j_per_k=5_000.0,
    r_air_k_per_w=0.6,
    r_door_k_per_w=0.24,
    cools="chamber",
    cooling_w=141.0,
    evaporator_c=-35.0,
    r_evaporator_k_per_w=0.1,
    setpoint_c=-20.0,
    hysteresis_c=2.0,
)

# A cold box with conditioned ice packs: cold life ≈ 60 h at +43 °C (published ≥ 48 h).
COLD_BOX = Equipment(
    "cold_box",
    "cold_box",
    "2-8",
    chamber_j_per_k=8_000.0,
    r_ambient_k_per_w=2.0,
    air_j_per_k=1_000.0,
    r_air_k_per_w=0.5,
    r_door_k_per_w=0.3,
    cools="nothing",
    bank_kg=13.0,
    r_bank_k_per_w=0.3,
    mains=False,
    door_switch=False,
    door_openings_per_day=0.0,
)

# A vaccine carrier with four conditioned packs: cold life ≈ 36 h at +43 °C.
VACCINE_CARRIER = Equipment(
    "vaccine_carrier",
    "cold_box",
    "2-8",
    chamber_j_per_k=2_000.0,
    r_ambient_k_per_w=11.5,
    air_j_per_k=300.0,
    r_air_k_per_w=1.0,
    r_door_k_per_w=1.0,
    cools="nothing",
    bank_kg=1.35,
    r_bank_k_per_w=0.8,
    mains=False,
    door_switch=False,
    door_openings_per_day=0.0,
)

PRESETS: dict[str, Equipment] = {
    e.name: e
    for e in (
        DOMESTIC_FRIDGE,
        ICE_LINED_REFRIGERATOR,
        SOLAR_DIRECT_DRIVE,
        FREEZER,
        COLD_BOX,
        VACCINE_CARRIER,
    )
}
