"""Builders and hand-written fakes for the ingest pipeline's unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ingest.decode import DecodeConfig, Decoder
from ingest.readings import Reading
from ingest.registry import (
    Binding,
    RegistrySnapshot,
    SensorDirectory,
    SensorInfo,
    static_directory,
    to_ns,
)
from ingest.sinks.base import Rejected, SinkUnavailable, WriteResult
from ingest.transport import Message
from ingest.wire import encode_reading, topic_for

PREFIX = "coldchain/v1"
NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
NOW_NS = to_ns(NOW)


def directory(*sensors: tuple[str, str, str]) -> SensorDirectory:
    """A registry with each (sensor, facility, unit) bound since 2020."""
    since = to_ns(datetime(2020, 1, 1, tzinfo=UTC))
    return static_directory(
        RegistrySnapshot(
            sensors={s: SensorInfo(s, 600, (Binding(f, u, since, None),)) for s, f, u in sensors}
        )
    )


def decoder(config: DecodeConfig | None = None, *sensors: tuple[str, str, str]) -> Decoder:
    return Decoder(config or DecodeConfig(), directory(*sensors))


def message(
    sensor: str = "S1",
    t: float = 5.0,
    *,
    seconds: int = 0,
    mid: int = 1,
    payload: bytes | None = None,
    topic: str | None = None,
    epoch: int = 1,
) -> Message:
    return Message(
        topic=topic or topic_for(PREFIX, "F1", "U1", sensor),
        payload=payload
        if payload is not None
        else encode_reading(sensor, (NOW_NS // 1_000_000_000) - 3600 + seconds, t),
        mid=mid,
        qos=1,
        epoch=epoch,
        received_at_ns=NOW_NS,
    )


class FakeTransport:
    """Hands out queued messages and records acks (and what the sink had stored by then)."""

    def __init__(self, messages: Sequence[Message] = ()) -> None:
        self.queue = list(messages)
        self.acked: list[Message] = []
        self.receiving = True

    def get(self, timeout: float) -> Message | None:
        return self.queue.pop(0) if self.queue else None

    def ack(self, messages: Sequence[Message]) -> int:
        self.acked.extend(messages)
        return len(messages)

    def stop_receiving(self) -> None:
        self.receiving = False


class FakeSink:
    """Stores readings keyed like InfluxDB; can be down for N calls and refuse temperatures."""

    def __init__(
        self,
        *,
        down_for: int = 0,
        refuse_t: float | None = None,
        transport: FakeTransport | None = None,
    ) -> None:
        self.down_for = down_for
        self.refuse_t = refuse_t
        self.transport = transport
        self.calls = 0
        self.stored: dict[tuple[str, int], Reading] = {}
        self.acked_before_write: list[int] = []

    def write(self, readings: Sequence[Reading]) -> WriteResult:
        self.calls += 1
        if self.transport is not None:
            self.acked_before_write.append(len(self.transport.acked))
        if self.down_for > 0:
            self.down_for -= 1
            raise SinkUnavailable("connection refused")
        rejected = []
        for i, reading in enumerate(readings):
            if reading.temperature_c == self.refuse_t:
                rejected.append(Rejected(i, "field type conflict"))
            else:
                self.stored[(reading.sensor_id, reading.device_time_ns)] = reading
        return WriteResult(written=len(readings) - len(rejected), rejected=tuple(rejected))

    def close(self) -> None:
        pass


class FakeDeadLetters:
    def __init__(self, *, down_for: int = 0) -> None:
        self.down_for = down_for
        self.letters: list[object] = []
        self.unregistered: dict[str, object] = {}

    def record(self, letters: Sequence[object], unregistered: object) -> None:
        if self.down_for > 0:
            self.down_for -= 1
            raise RuntimeError("database is locked")
        self.letters.extend(letters)
        assert isinstance(unregistered, dict)
        self.unregistered.update(unregistered)
