"""What the ingest integration tests share: the `coldchain ingest` process, a QoS 1
publisher in the test process (never in the ingest process), and InfluxDB look-ups.

The publisher remembers every reading it sent and whether the broker acknowledged it; after
a fault it sends again whatever the broker never acknowledged, as a device with a buffer
would. So a reading missing from InfluxDB afterwards was lost by ingest, not by the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.wire import encode_reading, topic_for
from tests.servers import InfluxDB, Mosquitto

PREFIX = "coldchain/v1"
DATABASE = "coldchain_test"
ROOT = Path(__file__).resolve().parents[3]


def ingest_env(
    mosquitto: Mosquitto, influxdb: InfluxDB, database_url: str, **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    env.update(
        COLDCHAIN_DATABASE_URL=database_url,
        COLDCHAIN_MQTT_URL=mosquitto.url,
        COLDCHAIN_MQTT_CLIENT_ID="ingest-test",
        COLDCHAIN_TELEMETRY_STORE="influxdb-v1",
        COLDCHAIN_INFLUX_URL=influxdb.url,
        COLDCHAIN_INFLUX_DATABASE=DATABASE,
        COLDCHAIN_INGEST_METRICS_PORT="0",
        COLDCHAIN_INGEST_RETRY_MAX_S="1",
        COLDCHAIN_INGEST_BATCH_SIZE="200",
        COLDCHAIN_INGEST_BATCH_SECONDS="0.2",
    )
    env.update(extra)
    return env


@dataclass
class IngestProcess:
    """`python -m coldchain.cli ingest` as its own OS process, its log in a file."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, *, wait_subscribed: bool = True) -> IngestProcess:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "coldchain.cli", "ingest"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait_subscribed:
            self.wait_for_log("subscription granted", offset)
        return self

    def wait_for_log(self, text: str, offset: int = 0, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log()[offset:]:
                return
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"ingest exited early:\n{self.log()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} in the ingest log after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def terminate(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@dataclass(frozen=True)
class Sent:
    topic: str
    payload: bytes
    sensor: str
    ts_s: int


@dataclass
class Publisher:
    """A device fleet in one MQTT 5 client: QoS 1, persistent session, resend on fault."""

    mosquitto: Mosquitto
    client_id: str = "fleet"
    sent: list[Sent] = field(default_factory=list)
    infos: list[mqtt.MQTTMessageInfo] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
        )
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(1000)
        self.client.reconnect_delay_set(1, 2)
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = 3600
        self.client.connect(
            self.mosquitto.host, self.mosquitto.port, 30, clean_start=False, properties=props
        )
        self.client.loop_start()

    def publish(self, items: Iterable[Sent], *, rate_per_s: float | None = None) -> None:
        started = time.monotonic()
        for i, item in enumerate(items):
            self.sent.append(item)
            self.infos.append(self.client.publish(item.topic, item.payload, qos=1))
            if rate_per_s is not None:
                ahead = started + (i + 1) / rate_per_s - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)

    def settle(self, timeout: float = 60.0) -> None:
        """Wait for the broker's PUBACKs; send again what it never acknowledged."""
        deadline = time.monotonic() + timeout
        resend_at = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            missing = [i for i, info in enumerate(self.infos) if not _acknowledged(info)]
            if not missing:
                return
            if time.monotonic() >= resend_at and self.client.is_connected():
                for i in missing:
                    item = self.sent[i]
                    self.infos[i] = self.client.publish(item.topic, item.payload, qos=1)
                resend_at = time.monotonic() + 2.0
            time.sleep(0.02)
        raise AssertionError(f"the broker never acknowledged {len(missing)} publishes")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _acknowledged(info: mqtt.MQTTMessageInfo) -> bool:
    # A publish made while the connection was down carries rc NO_CONN; paho may still send
    # it after reconnecting, and then it counts as acknowledged like any other.
    try:
        return info.is_published()
    except RuntimeError:
        return False


def fleet_readings(
    n: int, sensors: int, *, facility: str = "F1", unit: str = "U1", start_s: int | None = None
) -> list[Sent]:
    """``n`` readings round-robin over ``sensors`` sensors, distinct device times, in the past."""
    base = start_s if start_s is not None else int(time.time()) - 7200
    items = []
    for i in range(n):
        sensor = f"S-{i % sensors:03d}"
        ts = base + i // sensors
        t = round(2.0 + (i % 70) / 10, 1)
        payload = encode_reading(sensor, ts, t, seq=i // sensors)
        items.append(Sent(topic_for(PREFIX, facility, unit, sensor), payload, sensor, ts))
    return items


@dataclass(frozen=True)
class Point:
    facility: str
    unit: str
    sensor: str
    time_ns: int
    temperature_c: float


def stored_points(influxdb: InfluxDB) -> list[Point]:
    result = influxdb.query("SELECT temperature_c FROM temperature GROUP BY *", DATABASE)
    points = []
    for statement in result.get("results", []):  # type: ignore[attr-defined]
        for series in statement.get("series", []):
            tags = series["tags"]
            for time_ns, value in series["values"]:
                points.append(Point(tags["facility"], tags["unit"], tags["sensor"], time_ns, value))
    return points


def wait_for_points(influxdb: InfluxDB, expected: int, timeout: float = 60.0) -> list[Point]:
    deadline = time.monotonic() + timeout
    points: list[Point] = []
    while time.monotonic() < deadline:
        try:
            points = stored_points(influxdb)
        except OSError:
            points = []
        if len(points) >= expected:
            time.sleep(0.5)  # anything more arriving would be a duplicate: look once more
            return stored_points(influxdb)
        time.sleep(0.25)
    return points


def assert_exactly_once(points: list[Point], sent: list[Sent]) -> None:
    keys = [(p.sensor, p.time_ns) for p in points]
    expected = {(s.sensor, s.ts_s * 1_000_000_000) for s in sent}
    assert len(set(keys)) == len(keys), "a reading is stored twice (in two series)"
    missing = expected - set(keys)
    assert not missing, f"{len(missing)} of {len(expected)} readings lost"
    assert set(keys) == expected, "InfluxDB holds readings that were never published"
