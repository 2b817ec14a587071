"""Named events at times: the failures that put a unit out of range, and the sensor's faults.

A breach in a simulation comes from one of these, placed on purpose, never from a fragile
default. Invariant: an event is a value (kind, start, end in simulated seconds); a kind that
is not in the lists below is refused when the event is made.
"""

from __future__ import annotations

from dataclasses import dataclass

# What happens to the equipment.
POWER_CUT = "power_cut"  # no mains (for solar equipment: the panel is disconnected)
THERMOSTAT_STUCK_ON = "thermostat_stuck_on"  # the compressor runs whatever the temperature
DOOR_LEFT_OPEN = "door_left_open"  # the door or lid stays open
COMPRESSOR_FAILURE = "compressor_failure"  # powered, but nothing cools
ICE_PACKS_NOT_CONDITIONED = "ice_packs_not_conditioned"  # packed straight from the freezer
ICE_PACKS_REPLACED = "ice_packs_replaced"  # packed with conditioned packs (0 °C, frozen)
EQUIPMENT_EVENTS = frozenset(
    {
        POWER_CUT,
        THERMOSTAT_STUCK_ON,
        DOOR_LEFT_OPEN,
        COMPRESSOR_FAILURE,
        ICE_PACKS_NOT_CONDITIONED,
        ICE_PACKS_REPLACED,
    }
)
# Instantaneous: they change the unit's state at their start; their end is their start.
INSTANT = frozenset({ICE_PACKS_NOT_CONDITIONED, ICE_PACKS_REPLACED})

# What happens to the sensor (the logger), not to the temperature it measures.
SENSOR_STUCK = "sensor_stuck"  # repeats its last value
UPLINK_DOWN = "uplink_down"  # keeps measuring, buffers, republishes when back
SENSOR_EVENTS = frozenset({SENSOR_STUCK, UPLINK_DOWN})

KINDS = EQUIPMENT_EVENTS | SENSOR_EVENTS


@dataclass(frozen=True, slots=True)
class Event:
    """``kind`` active on [start_s, end_s) of simulated time (seconds since the start)."""

    kind: str
    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown event {self.kind!r}; known: {', '.join(sorted(KINDS))}")
        if self.kind not in INSTANT and self.end_s <= self.start_s:
            raise ValueError(f"event {self.kind!r} must last: its end is not after its start")

    def active(self, t_s: float) -> bool:
        return self.start_s <= t_s < self.end_s


def active(events: tuple[Event, ...], kind: str, t_s: float) -> bool:
    return any(e.kind == kind and e.start_s <= t_s < e.end_s for e in events)
