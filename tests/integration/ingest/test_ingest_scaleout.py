"""Scale-out and shutdown: shared subscriptions split one stream between two processes,
MQTT 3.1.1 keeps the batch within the broker's window, SIGTERM acks the last batch."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.integration.ingest.conftest import MakeIngest
from tests.integration.ingest.harness import (
    IngestProcess,
    Publisher,
    assert_exactly_once,
    fleet_readings,
    ingest_env,
    wait_for_points,
)
from tests.servers import InfluxDB, Mosquitto, free_port, start_mosquitto


def metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith(name + " ") or line.startswith(name + "{")
    )


def test_two_ingest_processes_on_a_shared_subscription_store_every_reading_once(
    make_ingest: MakeIngest, fleet: Publisher, influxdb: InfluxDB
) -> None:
    ports = [free_port(), free_port()]
    for name, port in zip("ab", ports, strict=True):
        make_ingest(
            f"ingest-{name}",
            COLDCHAIN_MQTT_CLIENT_ID=f"ingest-{name}",
            COLDCHAIN_MQTT_SHARED_GROUP="ingest",
            COLDCHAIN_INGEST_METRICS_PORT=str(port),
        ).start()
    sent = fleet_readings(3000, sensors=30)
    fleet.publish(sent)
    fleet.settle()
    points = wait_for_points(influxdb, len(sent))
    assert_exactly_once(points, sent)
    written = [metric(port, "coldchain_ingest_readings_written_total") for port in ports]
    assert all(w > 0 for w in written), f"one process took no share: {written}"
    assert sum(written) >= len(sent)


def test_mqtt311_against_a_20_message_inflight_window_loses_nothing(
    tmp_path: Path, influxdb: InfluxDB, sqlite_url: str
) -> None:
    broker = start_mosquitto(tmp_path / "mosquitto-311", inflight=20)
    env = ingest_env(
        broker,
        influxdb,
        sqlite_url,
        COLDCHAIN_MQTT_PROTOCOL="3.1.1",
        COLDCHAIN_MQTT_BROKER_INFLIGHT="20",
        COLDCHAIN_INGEST_BATCH_SIZE="500",
        COLDCHAIN_INGEST_BATCH_SECONDS="1.0",
    )
    ingest = IngestProcess(env, tmp_path / "ingest.log")
    fleet = Publisher(broker)
    try:
        ingest.start()
        sent = fleet_readings(3000, sensors=30)
        fleet.publish(sent)
        fleet.settle()
        points = wait_for_points(influxdb, len(sent), timeout=40)
        assert_exactly_once(points, sent)
    finally:
        fleet.close()
        ingest.ensure_stopped()
        broker.kill()


def test_sigterm_stores_and_acks_everything_received_then_leaves_the_session(
    make_ingest: MakeIngest, fleet: Publisher, influxdb: InfluxDB, mosquitto: Mosquitto
) -> None:
    metrics_port = free_port()
    ingest = make_ingest(
        COLDCHAIN_INGEST_BATCH_SIZE="5000",
        COLDCHAIN_INGEST_BATCH_SECONDS="1.0",
        COLDCHAIN_INGEST_METRICS_PORT=str(metrics_port),
    ).start()
    sent = fleet_readings(600, sensors=6)
    fleet.publish(sent)
    fleet.settle()
    # The broker has them all; SIGTERM only once ingest holds them all too (on a loaded
    # machine the last ones can still be in flight, and would rightly stay at the broker).
    wait_for_received(metrics_port, len(sent))
    # With natural batching the last batch is usually written before the signal; the path
    # that commits a batch still in hand on stop is tests/unit/ingest/test_pipeline.py's.
    assert ingest.terminate() == 0
    points = wait_for_points(influxdb, len(sent), timeout=10)
    assert_exactly_once(points, sent)
    # Everything was acknowledged: the session, taken over now, has nothing to redeliver;
    # and it still exists, so a reading published while ingest is away is kept for it.
    fleet.publish(fleet_readings(1, sensors=1, start_s=1_700_000_000))
    fleet.settle()
    assert _drain_session(mosquitto, "ingest-test") == 1


def wait_for_received(metrics_port: int, expected: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    received = 0.0
    while time.monotonic() < deadline:
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            for line in response.read().decode().splitlines():
                if line.startswith("coldchain_ingest_messages_received_total"):
                    received = float(line.split()[-1])
        if received >= expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"ingest received {received:.0f} of {expected} messages")


def _drain_session(mosquitto: Mosquitto, client_id: str) -> int:
    received: list[bytes] = []
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
    )
    client.on_message = lambda _c, _u, msg: received.append(bytes(msg.payload))
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 3600
    client.connect(mosquitto.host, mosquitto.port, 30, clean_start=False, properties=props)
    client.loop_start()
    time.sleep(2.0)
    client.disconnect()
    client.loop_stop()
    return len(received)
