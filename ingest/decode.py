"""Decode and validate one MQTT message into Readings, or say exactly why not.

This is the per-message hot path (thousands of messages a second on one core): orjson and
plain code, no per-message model objects, no I/O (the registry is an in-memory snapshot).

Invariant: every reading in a message ends either as a ``Reading`` or as a ``Rejection``
with a reason code (low-cardinality, for metrics and the ``dead_letters.reason`` column)
and a detail a person can act on. Nothing is silently dropped. The storage unit of a
reading is the one its sensor was bound to at the reading's device time; the topic's unit
is only checked (a mismatch is counted, not rejected).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import orjson

from ingest.readings import Reading
from ingest.registry import SensorDirectory, to_ns
from ingest.wire import DEFAULT_PREFIX, READING_SUFFIX

# Reason codes (the dead_letters.reason column and the metrics label).
BAD_TOPIC = "bad_topic"
NOT_JSON = "not_json"
NOT_AN_OBJECT = "not_an_object"
MISSING_FIELD = "missing_field"
BAD_FIELD = "bad_field"
NOT_FINITE = "not_finite"
IMPOSSIBLE_VALUE = "impossible_value"
FUTURE_TIMESTAMP = "future_timestamp"
SENSOR_MISMATCH = "sensor_mismatch"
UNKNOWN_SENSOR = "unknown_sensor"
UNBOUND_SENSOR = "unbound_sensor"
SINK_REJECTED = "sink_rejected"
TOO_LARGE = "too_large"
REASONS = (
    BAD_TOPIC,
    NOT_JSON,
    NOT_AN_OBJECT,
    MISSING_FIELD,
    BAD_FIELD,
    NOT_FINITE,
    IMPOSSIBLE_VALUE,
    FUTURE_TIMESTAMP,
    SENSOR_MISMATCH,
    UNKNOWN_SENSOR,
    UNBOUND_SENSOR,
    SINK_REJECTED,
    TOO_LARGE,
)

UnknownSensorPolicy = Literal["reject", "flag"]
# An unregistered sensor's row is rewritten at most this often (new sensors at once): one
# upsert per sensor per batch cost more than the rest of the pipeline together.
SIGHTING_REWRITE_NS = 60 * 1_000_000_000
_MIN_DEVICE_TIME_NS = to_ns(datetime.fromisoformat("2000-01-01T00:00:00+00:00"))
_NUMBER = (int, float)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str  # one of REASONS
    detail: str
    item: bytes | None = None  # the offending element when the message was a JSON list


@dataclass(frozen=True, slots=True)
class DecodeConfig:
    prefix: str = DEFAULT_PREFIX
    min_temperature_c: float = -100.0
    max_temperature_c: float = 70.0
    max_future_s: float = 300.0
    # A day of 10-minute readings republished as one list is ~16 KB; anything far larger is
    # not a reading message, and parsing it would stall the hot path.
    max_payload_bytes: int = 64 * 1024
    unknown_sensor_policy: UnknownSensorPolicy = "flag"


@dataclass(slots=True)
class Sighting:
    """An unregistered sensor heard in this batch (policy ``flag``), in receive times."""

    facility: str
    unit: str
    first_seen_ns: int
    last_seen_ns: int
    readings: int


@dataclass(slots=True)
class Observations:
    """What decoding noticed besides readings and rejections; drained once per batch."""

    unit_mismatches: int = 0  # binding's unit differs from the topic's unit
    unbound_stored: int = 0  # stored under the topic's unit because no binding applied
    unregistered: dict[str, Sighting] = field(default_factory=dict)

    def take(self) -> Observations:
        taken = Observations(self.unit_mismatches, self.unbound_stored, self.unregistered)
        self.unit_mismatches = 0
        self.unbound_stored = 0
        self.unregistered = {}
        return taken


class Decoder:
    """Turns (topic, payload) into readings. One instance per pipeline; not thread-safe."""

    def __init__(self, config: DecodeConfig, directory: SensorDirectory) -> None:
        self.config = config
        self.directory = directory
        self.observations = Observations()
        self._sightings_recorded: dict[str, int] = {}
        self._topic_head = config.prefix + "/"
        self._max_future_ns = int(config.max_future_s * 1e9)

    def take_observations(self, *, everything: bool = False) -> Observations:
        """What decoding noticed since the last call; unregistered sensors only when new or
        not recorded for a minute (their counts keep accumulating meanwhile), or all of them
        with ``everything`` (on stop, so that the last minute's sightings are not lost)."""
        taken = self.observations.take()
        due: dict[str, Sighting] = {}
        for sensor, seen in taken.unregistered.items():
            last = self._sightings_recorded.get(sensor)
            if everything or last is None or seen.last_seen_ns - last >= SIGHTING_REWRITE_NS:
                due[sensor] = seen
                self._sightings_recorded[sensor] = seen.last_seen_ns
            else:
                self.observations.unregistered[sensor] = seen
        taken.unregistered = due
        return taken

    def decode(
        self, topic: str, payload: bytes, received_at_ns: int
    ) -> tuple[list[Reading], list[Rejection]]:
        if len(payload) > self.config.max_payload_bytes:
            return [], [
                Rejection(
                    TOO_LARGE,
                    f"payload is {len(payload)} bytes; the limit is"
                    f" {self.config.max_payload_bytes} bytes",
                )
            ]
        levels = self._topic_levels(topic)
        if levels is None:
            expected = f"{self.config.prefix}/{{facility}}/{{unit}}/{{sensor}}/{READING_SUFFIX}"
            return [], [Rejection(BAD_TOPIC, f"topic is not {expected}")]
        try:
            doc = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            return [], [_not_json(payload, exc)]
        if type(doc) is dict:
            result = self._one(doc, levels, received_at_ns)
            if type(result) is Reading:
                return [result], []
            assert isinstance(result, Rejection)
            return [], [result]
        if type(doc) is list and doc:
            return self._many(doc, levels, received_at_ns)
        return [], [Rejection(NOT_AN_OBJECT, "payload is not a JSON object or a list of them")]

    def _many(
        self, doc: list[object], levels: tuple[str, str, str], received_at_ns: int
    ) -> tuple[list[Reading], list[Rejection]]:
        readings: list[Reading] = []
        rejections: list[Rejection] = []
        for i, item in enumerate(doc):
            if type(item) is not dict:
                result: Reading | Rejection = Rejection(NOT_AN_OBJECT, "not a JSON object")
            else:
                result = self._one(item, levels, received_at_ns)
            if type(result) is Reading:
                readings.append(result)
            else:
                assert isinstance(result, Rejection)
                rejections.append(
                    Rejection(
                        result.reason,
                        f"item {i} of {len(doc)}: {result.detail}",
                        orjson.dumps(item),
                    )
                )
        return readings, rejections

    def _topic_levels(self, topic: str) -> tuple[str, str, str] | None:
        if not topic.startswith(self._topic_head):
            return None
        parts = topic[len(self._topic_head) :].split("/")
        if len(parts) != 4 or parts[3] != READING_SUFFIX or not all(parts[:3]):
            return None
        return parts[0], parts[1], parts[2]

    def _one(
        self, doc: dict[str, object], levels: tuple[str, str, str], received_at_ns: int
    ) -> Reading | Rejection:
        facility, unit, topic_sensor = levels
        sensor = doc.get("sensor")
        if type(sensor) is not str:
            return _missing_or_bad(doc, "sensor", "a string")
        if sensor != topic_sensor:
            return Rejection(
                SENSOR_MISMATCH, f"payload sensor {sensor!r} on the topic of {topic_sensor!r}"
            )
        device_ns = _device_time_ns(doc.get("ts"))
        if type(device_ns) is Rejection:
            return device_ns
        assert isinstance(device_ns, int)
        if device_ns > received_at_ns + self._max_future_ns:
            ahead = (device_ns - received_at_ns) / 1e9
            return Rejection(
                FUTURE_TIMESTAMP,
                f"ts is {ahead:.0f} s ahead of the receive time"
                f" (limit {self.config.max_future_s:.0f} s)",
            )
        temperature = doc.get("t")
        if type(temperature) not in _NUMBER:
            return _missing_or_bad(doc, "t", "a number (°C)")
        assert isinstance(temperature, int | float)
        if not self.config.min_temperature_c <= temperature <= self.config.max_temperature_c:
            return Rejection(
                IMPOSSIBLE_VALUE,
                f"t {temperature} °C is outside [{self.config.min_temperature_c},"
                f" {self.config.max_temperature_c}]",
            )
        extras = _extras(doc)
        if type(extras) is Rejection:
            return extras
        assert isinstance(extras, tuple)
        located = self._locate(sensor, facility, unit, device_ns, received_at_ns)
        if type(located) is Rejection:
            return located
        assert isinstance(located, tuple)
        return Reading(
            located[0],
            located[1],
            sensor,
            device_ns,
            float(temperature),
            received_at_ns,
            *extras,
        )

    def _locate(
        self, sensor: str, facility: str, unit: str, device_ns: int, received_at_ns: int
    ) -> tuple[str, str] | Rejection:
        info = self.directory.sensor(sensor)
        binding = None if info is None else info.binding_at(device_ns)
        if binding is not None:
            if binding.unit != unit or binding.facility != facility:
                self.observations.unit_mismatches += 1
            return binding.facility, binding.unit
        if self.config.unknown_sensor_policy == "reject":
            if info is None:
                return Rejection(UNKNOWN_SENSOR, f"sensor {sensor!r} is not registered")
            return Rejection(UNBOUND_SENSOR, f"sensor {sensor!r} was bound to no unit at ts")
        if info is None:
            self._sighted(sensor, facility, unit, received_at_ns)
        else:
            self.observations.unbound_stored += 1
        return facility, unit

    def _sighted(self, sensor: str, facility: str, unit: str, received_at_ns: int) -> None:
        seen = self.observations.unregistered.get(sensor)
        if seen is None:
            self.observations.unregistered[sensor] = Sighting(
                facility, unit, received_at_ns, received_at_ns, 1
            )
            return
        seen.facility, seen.unit = facility, unit
        seen.last_seen_ns = max(seen.last_seen_ns, received_at_ns)
        seen.readings += 1


def _not_json(payload: bytes, exc: orjson.JSONDecodeError) -> Rejection:
    message = str(exc)
    if "infinity" in message or b"NaN" in payload or b"Infinity" in payload:
        return Rejection(NOT_FINITE, f"NaN or infinite number: {message}")
    return Rejection(NOT_JSON, f"not JSON: {message}")


def _missing_or_bad(doc: dict[str, object], name: str, expected: str) -> Rejection:
    if name not in doc or doc[name] is None:
        return Rejection(MISSING_FIELD, f"{name} is missing")
    return Rejection(BAD_FIELD, f"{name} must be {expected}, got {doc[name]!r:.60}")


def _device_time_ns(ts: object) -> int | Rejection:
    """``ts`` as an RFC 3339 string with an offset, or epoch seconds; µs resolution."""
    kind = type(ts)
    if kind is str:
        assert isinstance(ts, str)
        if len(ts) < 20 or ts[10] not in "Tt":
            return Rejection(BAD_FIELD, f"ts {ts!r:.60} is not an RFC 3339 date-time")
        try:
            moment = datetime.fromisoformat(ts)
        except ValueError:
            return Rejection(BAD_FIELD, f"ts {ts!r:.60} is not an RFC 3339 date-time")
        if moment.tzinfo is None:
            return Rejection(BAD_FIELD, f"ts {ts!r:.60} has no UTC offset")
        device_ns = to_ns(moment)
    elif kind is int or kind is float:
        assert isinstance(ts, int | float)
        if not math.isfinite(ts):
            return Rejection(NOT_FINITE, "ts is not finite")
        # Rounded to whole microseconds so that the same payload always gives the same key.
        device_ns = round(ts * 1_000_000) * 1_000
    elif ts is None:
        return Rejection(MISSING_FIELD, "ts is missing")
    else:
        return Rejection(BAD_FIELD, f"ts must be an RFC 3339 string or epoch seconds: {ts!r:.60}")
    if device_ns < _MIN_DEVICE_TIME_NS:
        return Rejection(IMPOSSIBLE_VALUE, f"ts {ts!r:.60} is before the year 2000")
    return device_ns


def _extras(
    doc: dict[str, object],
) -> tuple[int | None, float | None, bool | None, bool | None] | Rejection:
    seq = doc.get("seq")
    if seq is not None and (type(seq) is not int or not 0 <= seq < 2**63):
        return Rejection(BAD_FIELD, f"seq must be an integer in [0, 2**63), got {seq!r:.60}")
    battery = doc.get("battery")
    if battery is not None:
        if type(battery) not in _NUMBER:
            return Rejection(BAD_FIELD, f"battery must be a number, got {battery!r:.60}")
        assert isinstance(battery, int | float)
        if not 0 <= battery <= 100:
            return Rejection(IMPOSSIBLE_VALUE, f"battery {battery} % is outside [0, 100]")
        battery = float(battery)
    door = doc.get("door")
    if door is not None and type(door) is not bool:
        return Rejection(BAD_FIELD, f"door must be true or false, got {door!r:.60}")
    power = doc.get("power")
    if power is not None and type(power) is not bool:
        return Rejection(BAD_FIELD, f"power must be true or false, got {power!r:.60}")
    return seq, battery, door, power  # type: ignore[return-value]
