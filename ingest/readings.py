"""The Reading: one temperature sample from one sensor, as it flows through ingest.

A plain frozen, slotted dataclass: it is built once per message on the hot path, so it holds
integers and floats only (no datetime objects). Times are nanoseconds since the Unix epoch,
UTC. ``device_time_ns`` is when the sensor measured; ``received_at_ns`` is when ingest got it.
The storage key of a reading is (sensor_id, device_time_ns): writing it again overwrites the
same point, which is what makes redelivery harmless.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reading:
    facility: str  # facility code, from the topic
    unit: str  # storage unit code, from the topic
    sensor_id: str
    device_time_ns: int
    temperature_c: float
    received_at_ns: int
    seq: int | None = None
    battery_pct: float | None = None
    door_open: bool | None = None
    power_on: bool | None = None
