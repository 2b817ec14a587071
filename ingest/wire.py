"""The MQTT wire format of coldchain telemetry: topics and JSON payloads (docs/wire-format.md).

Topic ``{prefix}/{facility}/{unit}/{sensor}/reading`` (prefix ``coldchain/v1`` by default).
Payload: one JSON object ``{"sensor", "ts", "t", "seq"?, "battery"?, "door"?, "power"?}``,
or a JSON list of such objects (a device republishing what it buffered while offline).
``ts`` is an RFC 3339 UTC string or a number of seconds since the Unix epoch; ``t`` is °C.

Invariant: this module is pure and imports nothing of the project, because the simulators
(and any device firmware port) depend on it alone; what it encodes, ``ingest.decode`` accepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import orjson

DEFAULT_PREFIX = "coldchain/v1"
READING_SUFFIX = "reading"
TRANSIT_UNIT_PREFIX = "shipment-"  # a shipment's journey, as a unit (docs/domain.md rule 27)
# Topic levels must not contain these (MQTT wildcards and the level separator).
_FORBIDDEN_IN_LEVEL = frozenset("/+#\x00")

Payload = dict[str, object]


def topic_for(prefix: str, facility: str, unit: str, sensor: str) -> str:
    """The topic a sensor publishes its readings on."""
    for name, level in (("facility", facility), ("unit", unit), ("sensor", sensor)):
        if not level or _FORBIDDEN_IN_LEVEL.intersection(level):
            raise ValueError(f"{name} {level!r} cannot be an MQTT topic level")
    return f"{prefix}/{facility}/{unit}/{sensor}/{READING_SUFFIX}"


def transit_unit(shipment_id: int) -> str:
    """The unit level of a transport logger's topic: its shipment's transit unit,
    ``shipment-{id}`` (the same code as ``inventory.domain.transit.transit_unit_code``; a
    test holds the two equal), under the origin facility."""
    if isinstance(shipment_id, bool) or not isinstance(shipment_id, int) or shipment_id < 1:
        raise ValueError(f"a shipment id is a whole number >= 1, not {shipment_id!r}")
    return f"{TRANSIT_UNIT_PREFIX}{shipment_id}"


def subscription_for(prefix: str, facility: str = "+") -> str:
    """The topic filter matching every reading (of one facility, for a topic shard)."""
    return f"{prefix}/{facility}/+/+/{READING_SUFFIX}"


def format_ts(ts: datetime) -> str:
    """RFC 3339 in UTC with microseconds and a ``Z``: ``2024-05-01T08:00:00.000000Z``."""
    if ts.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def reading_payload(
    sensor: str,
    ts: datetime | float,
    t: float,
    *,
    seq: int | None = None,
    battery: float | None = None,
    door: bool | None = None,
    power: bool | None = None,
) -> Payload:
    """One reading as the JSON object on the wire (optional fields left out when None)."""
    payload: Payload = {
        "sensor": sensor,
        "ts": format_ts(ts) if isinstance(ts, datetime) else ts,
        "t": t,
    }
    if seq is not None:
        payload["seq"] = seq
    if battery is not None:
        payload["battery"] = battery
    if door is not None:
        payload["door"] = door
    if power is not None:
        payload["power"] = power
    return payload


def encode_reading(
    sensor: str,
    ts: datetime | float,
    t: float,
    *,
    seq: int | None = None,
    battery: float | None = None,
    door: bool | None = None,
    power: bool | None = None,
) -> bytes:
    """The MQTT payload of one reading."""
    return orjson.dumps(
        reading_payload(sensor, ts, t, seq=seq, battery=battery, door=door, power=power)
    )


def encode_batch(payloads: Iterable[Mapping[str, object]]) -> bytes:
    """A buffered republish: several readings of one sensor in one message (a JSON list)."""
    return orjson.dumps([dict(p) for p in payloads])
