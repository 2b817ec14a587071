"""Publishes simulated readings over real MQTT (QoS 1) in coldchain's wire format.

Two phases: ``backfill`` publishes a stretch of past device time at full speed as buffered
batches (a logger that was offline republishes with its original timestamps); ``live``
then publishes one reading per sensor per interval in real time. Device time is
``origin + simulated seconds``, so the past is replayed with its own times. Every publish
is QoS 1 and waits for the broker's PUBACK, so a reading counted as sent reached the broker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ingest.wire import DEFAULT_PREFIX, encode_batch, encode_reading, reading_payload, topic_for
from simulators.fleet import Sample, SimulatedSensor, samples
from simulators.thermal import Cabinet


class Publisher:
    """A connected paho client; ``send`` returns once the broker has the message."""

    def __init__(self, host: str, port: int, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self.sent_messages = 0
        self.sent_readings = 0
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self._client.max_inflight_messages_set(100)
        self._client.connect(host, port)
        self._client.loop_start()

    def send(self, sensor: SimulatedSensor, payload: bytes, readings: int) -> None:
        topic = topic_for(self.prefix, sensor.facility, sensor.unit, sensor.sensor)
        info = self._client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=30)
        if not info.is_published():
            raise TimeoutError(f"the broker did not acknowledge a reading on {topic}")
        self.sent_messages += 1
        self.sent_readings += readings

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()


def _payload(sample: Sample, origin: datetime) -> dict[str, object]:
    return reading_payload(
        sample.sensor.sensor,
        origin + timedelta(seconds=sample.t_s),
        sample.temperature_c,
        seq=sample.seq,
        power=sample.power,
        door=sample.door,
    )


def backfill(
    publisher: Publisher,
    fleet: Sequence[SimulatedSensor],
    origin: datetime,
    seconds: float,
    *,
    per_message: int = 50,
) -> int:
    """Publish every reading on [0, seconds) of simulated time; return how many."""
    total = 0
    for sensor in fleet:
        batch: list[dict[str, object]] = []
        for sample in samples(sensor, 0.0, seconds):
            batch.append(_payload(sample, origin))
            if len(batch) == per_message:
                publisher.send(sensor, encode_batch(batch), len(batch))
                total += len(batch)
                batch = []
        if batch:
            publisher.send(sensor, encode_batch(batch), len(batch))
            total += len(batch)
    return total


def live(
    publisher: Publisher,
    fleet: Sequence[SimulatedSensor],
    origin: datetime,
    start_s: float,
    *,
    stop: threading.Event,
    interval_s: float | None = None,
    clock: Callable[[], float] = time.time,
) -> None:
    """Publish in real time from simulated second ``start_s`` until ``stop`` is set,
    every ``interval_s`` seconds (default: each sensor's own interval)."""
    cabinets: dict[str, Cabinet] = {s.sensor: s.cabinet() for s in fleet}
    # Bring each cabinet to its state at start_s without publishing.
    for sensor in fleet:
        cabinet = cabinets[sensor.sensor]
        t = 0.0
        while t < start_s:
            cabinet.step(t, sensor.interval_s)
            t += sensor.interval_s
    next_due = {s.sensor: start_s for s in fleet}
    seq = {s.sensor: int(start_s // s.interval_s) for s in fleet}
    while not stop.is_set():
        now_s = clock() - origin.timestamp()
        for sensor in fleet:
            if now_s < next_due[sensor.sensor]:
                continue
            cabinet = cabinets[sensor.sensor]
            value = cabinet.step(now_s, interval_s or sensor.interval_s)
            payload = encode_reading(
                sensor.sensor,
                origin + timedelta(seconds=now_s),
                value,
                seq=seq[sensor.sensor],
                power=cabinet.powered(now_s),
                door=cabinet.door_open(now_s),
            )
            publisher.send(sensor, payload, 1)
            seq[sensor.sensor] += 1
            next_due[sensor.sensor] = now_s + (interval_s or sensor.interval_s)
        stop.wait(0.2)
