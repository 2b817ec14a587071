"""A simulated logger on a unit: what it measures, what it loses, and when it uploads.

The logger samples its unit's probe (``simulators.thermal``) every ``interval_s`` and adds
what real loggers add: Gaussian noise, the resolution of its converter, drop-outs (more of
them on a low battery), single-reading spikes, a stuck value (event ``sensor_stuck``), a
clock that is off and drifts. It uploads each reading as taken, or in batches every
``upload_interval_s`` (hourly, as national programmes' loggers do); while its uplink is down
(event ``uplink_down``) it buffers, and when the uplink is back it publishes its live reading
first and then the buffer, with the original device times (store-and-forward).

Invariant: ``messages`` is a deterministic function of the sensor, its seed and the start
instant; device ``seq`` counts every sample, so a dropped reading leaves a gap in ``seq``.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ingest.wire import Payload, encode_batch, encode_reading, reading_payload, topic_for
from simulators import events as ev
from simulators.ambient import Ambient
from simulators.equipment import Equipment
from simulators.thermal import Cabinet


@dataclass(frozen=True, slots=True)
class SensorSpec:
    interval_s: float = 600.0
    upload_interval_s: float = 0.0  # 0: each reading as it is taken
    noise_c: float = 0.05
    resolution_c: float = 0.1
    dropout_rate: float = 0.0
    spike_rate: float = 0.0
    spike_c: float = 12.0
    battery_pct: float | None = None  # None: the logger does not report its battery
    battery_drain_pct_per_day: float = 0.0
    low_battery_pct: float = 20.0
    low_battery_dropout_rate: float = 0.3
    clock_offset_s: float = 0.0
    clock_drift_ppm: float = 0.0
    per_message: int = 50  # readings per buffered message (a day of 10-min readings ≈ 3)

    def __post_init__(self) -> None:
        if self.interval_s <= 0 or self.upload_interval_s < 0 or self.per_message < 1:
            raise ValueError("a sensor needs interval > 0, upload interval >= 0, per_message >= 1")
        for name in ("dropout_rate", "spike_rate", "low_battery_dropout_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class LoggedReading:
    """One reading as the logger records it (device time, its own clock)."""

    sensor: str
    ts: datetime
    t: float
    seq: int
    battery: float | None
    door: bool | None
    power: bool | None

    def payload(self) -> Payload:
        return reading_payload(
            self.sensor,
            self.ts,
            self.t,
            seq=self.seq,
            battery=self.battery,
            door=self.door,
            power=self.power,
        )


@dataclass(frozen=True, slots=True)
class Message:
    """One MQTT publish: due at simulated second ``publish_s``."""

    publish_s: float
    facility: str
    unit: str
    sensor: str
    readings: tuple[LoggedReading, ...]
    batch: bool  # a JSON list (a buffered upload) rather than one object

    def topic(self, prefix: str) -> str:
        return topic_for(prefix, self.facility, self.unit, self.sensor)

    def payload(self) -> bytes:
        if self.batch:
            return encode_batch(r.payload() for r in self.readings)
        (r,) = self.readings
        return encode_reading(
            r.sensor, r.ts, r.t, seq=r.seq, battery=r.battery, door=r.door, power=r.power
        )


def derived_seed(seed: int, name: str) -> int:
    """A stable per-sensor seed (``hash()`` of a str changes between interpreter runs)."""
    return (seed * 1_000_003) ^ zlib.crc32(name.encode())


@dataclass(frozen=True, slots=True)
class SimulatedSensor:
    facility: str
    unit: str
    sensor: str
    equipment: Equipment
    seed: int
    spec: SensorSpec = field(default_factory=SensorSpec)
    events: tuple[ev.Event, ...] = ()
    ambient: Ambient = field(default_factory=Ambient)

    def cabinet(self, origin_s: float) -> Cabinet:
        unit_events = tuple(e for e in self.events if e.kind in ev.EQUIPMENT_EVENTS)
        return Cabinet(self.equipment, self.seed, unit_events, self.ambient, origin_s)

    def messages(
        self, origin_s: float, span_s: float, *, follow_interval_s: float | None = None
    ) -> Iterator[Message]:
        """Every message this sensor publishes for samples on [0, span_s), in publish
        order; then, with ``follow_interval_s``, one live reading per that many seconds
        for ever (a live view after the scenario)."""
        return _Logger(self, origin_s).run(span_s, follow_interval_s)


class _Logger:
    def __init__(self, sensor: SimulatedSensor, origin_s: float) -> None:
        self.s = sensor
        self.origin_s = origin_s
        self.cabinet = sensor.cabinet(origin_s)
        self.rng = random.Random(derived_seed(sensor.seed, sensor.sensor))
        spec = sensor.spec
        self.next_upload_s = (
            self.rng.uniform(0.0, spec.upload_interval_s) if spec.upload_interval_s else 0.0
        )
        self.pending: list[LoggedReading] = []
        self.backlog: list[LoggedReading] = []
        self.last_value: float | None = None

    def run(self, span_s: float, follow_interval_s: float | None) -> Iterator[Message]:
        spec = self.s.spec
        seq, t = 0, 0.0
        while t < span_s:
            yield from self._sample(t, seq, live=False)
            seq += 1
            t += spec.interval_s
        if self.pending and not self._offline(span_s):
            yield from self._upload(span_s)
        if follow_interval_s is None:
            return
        t = span_s + follow_interval_s
        while True:
            yield from self._sample(t, seq, live=True)
            seq += 1
            t += follow_interval_s

    def _sample(self, t: float, seq: int, *, live: bool) -> Iterator[Message]:
        spec, rng = self.s.spec, self.rng
        true_c = self.cabinet.advance_to(t)
        battery = self._battery(t)
        dropout = spec.dropout_rate
        if battery is not None and battery < spec.low_battery_pct:
            dropout = max(dropout, spec.low_battery_dropout_rate)
        noise = rng.gauss(0.0, spec.noise_c)
        lost = rng.random() < dropout
        spike = rng.random() < spec.spike_rate
        if lost:
            return
        value = true_c + noise + (spec.spike_c if spike else 0.0)
        if ev.active(self.s.events, ev.SENSOR_STUCK, t) and self.last_value is not None:
            value = self.last_value
        value = _quantize(value, spec.resolution_c)
        self.last_value = value
        device_s = self.origin_s + t + spec.clock_offset_s + spec.clock_drift_ppm * 1e-6 * t
        payload = LoggedReading(
            self.s.sensor,
            datetime.fromtimestamp(device_s, UTC),
            value,
            seq,
            None if battery is None else round(battery, 1),
            self.cabinet.door_open(t),
            self.cabinet.powered(t),
        )
        if self._offline(t):
            self.backlog.append(payload)
            return
        self.pending.append(payload)
        if live or not spec.upload_interval_s or t >= self.next_upload_s:
            while spec.upload_interval_s and self.next_upload_s <= t:
                self.next_upload_s += spec.upload_interval_s
            yield from self._upload(t)

    def _upload(self, t: float) -> Iterator[Message]:
        """The live readings first, then whatever was buffered while offline."""
        live, self.pending = self.pending, []
        batch = bool(self.s.spec.upload_interval_s) or len(live) > 1
        yield from self._chunks(t, live, batch=batch)
        backlog, self.backlog = self.backlog, []
        yield from self._chunks(t, backlog, batch=True)

    def _chunks(self, t: float, readings: list[LoggedReading], *, batch: bool) -> Iterator[Message]:
        n = self.s.spec.per_message
        for i in range(0, len(readings), n):
            chunk = tuple(readings[i : i + n])
            yield Message(t, self.s.facility, self.s.unit, self.s.sensor, chunk, batch)

    def _offline(self, t: float) -> bool:
        return ev.active(self.s.events, ev.UPLINK_DOWN, t)

    def _battery(self, t: float) -> float | None:
        spec = self.s.spec
        if spec.battery_pct is None:
            return None
        return max(0.0, spec.battery_pct - spec.battery_drain_pct_per_day * t / 86_400.0)


def _quantize(value: float, resolution: float) -> float:
    if resolution <= 0:
        return round(value, 3)
    steps = math.floor(value / resolution + 0.5)
    return round(steps * resolution, 6)
