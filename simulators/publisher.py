"""Publishes a scenario's messages over real MQTT (QoS 1), paced in simulated time.

``Pace`` places the scenario's span in device time so that device time never runs ahead
of the wall clock: at ``speed`` N (simulated seconds per wall second) the span ends when
the run ends, at speed 0 it is the past that ends now and is published at once (a logger
back from an outage), at speed 1 it starts now. After the span, with ``follow``, sensors
go on live in real time. ``run`` publishes each message when it is due; every publish is
QoS 1 and counted only once the broker acknowledged it.

Invariant: publish order is the scenario's order (live readings before a buffered
republish), whatever the pace.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ingest.wire import DEFAULT_PREFIX
from simulators.sensor import Message

IN_FLIGHT = 100  # unacknowledged publishes before the next one waits


class Publisher:
    """A connected paho client; ``flush`` returns once the broker has every message."""

    def __init__(self, host: str, port: int, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self.sent_messages = 0
        self.sent_readings = 0
        self._pending: deque[tuple[mqtt.MQTTMessageInfo, str, int]] = deque()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self._client.max_inflight_messages_set(IN_FLIGHT)
        self._client.connect(host, port)
        self._client.loop_start()

    def send(self, message: Message) -> None:
        topic = message.topic(self.prefix)
        info = self._client.publish(topic, message.payload(), qos=1)
        self._pending.append((info, topic, len(message.readings)))
        while len(self._pending) >= IN_FLIGHT:
            self._settle()

    def flush(self) -> None:
        while self._pending:
            self._settle()

    def _settle(self) -> None:
        info, topic, readings = self._pending.popleft()
        info.wait_for_publish(timeout=30)
        if not info.is_published():
            raise TimeoutError(f"the broker did not acknowledge a message on {topic}")
        self.sent_messages += 1
        self.sent_readings += readings

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._client.loop_stop()
            self._client.disconnect()


@dataclass(frozen=True, slots=True)
class Pace:
    """When (wall clock, Unix seconds) a message of simulated second ``t`` is due."""

    started_s: float  # wall clock at the start of the run
    span_s: float
    speed: float  # simulated seconds per wall second; 0: no waiting

    def __post_init__(self) -> None:
        if self.speed < 0 or 0 < self.speed < 1:
            raise ValueError("speed is 0 (as fast as possible) or at least 1 (real time)")

    @property
    def origin_s(self) -> float:
        """Device time of simulated second 0: the span ends when the run would end."""
        if self.speed == 0:
            return self.started_s - self.span_s
        return self.started_s - self.span_s * (1.0 - 1.0 / self.speed)

    def due_s(self, t_s: float) -> float:
        if t_s > self.span_s:  # following live, after the span: real time
            return self.origin_s + t_s
        return self.started_s + (t_s / self.speed if self.speed else 0.0)


def run(
    publisher: Publisher,
    messages: Iterable[Message],
    pace: Pace,
    *,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.time,
    on_span_end: Callable[[int], None] | None = None,
) -> int:
    """Publish every message when it is due, until the messages end or ``stop`` is set;
    return how many readings the broker acknowledged. ``on_span_end`` is told that count
    once, when the scenario's span is published and following live begins."""
    stop = stop or threading.Event()
    for message in messages:
        if on_span_end is not None and message.publish_s > pace.span_s:
            publisher.flush()
            on_span_end(publisher.sent_readings)
            on_span_end = None
        wait = pace.due_s(message.publish_s) - clock()
        if wait > 0:
            publisher.flush()
            if stop.wait(wait):
                break
        if stop.is_set():
            break
        publisher.send(message)
    publisher.flush()
    return publisher.sent_readings
