"""The simulators publish every reading over a real Mosquitto, in the wire format."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ingest.wire import DEFAULT_PREFIX, subscription_for
from simulators.fleet import demo_fleet
from simulators.publisher import Publisher, backfill, live
from tests.servers import Mosquitto


def subscribe(broker: Mosquitto, received: list[tuple[str, object]]) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = lambda _c, _u, msg: received.append((msg.topic, orjson.loads(msg.payload)))
    client.connect(broker.host, broker.port)
    client.subscribe(subscription_for(DEFAULT_PREFIX), qos=1)
    client.loop_start()
    time.sleep(0.3)
    return client


def wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():  # type: ignore[operator]
        time.sleep(0.05)


def test_backfill_publishes_every_reading_with_its_original_time(mosquitto: Mosquitto) -> None:
    received: list[tuple[str, object]] = []
    subscriber = subscribe(mosquitto, received)
    fleet = demo_fleet(hours=6, interval_s=600)
    origin = datetime(2026, 11, 1, tzinfo=UTC)
    publisher = Publisher(mosquitto.host, mosquitto.port)
    sent = backfill(publisher, fleet, origin, 6 * 3600, per_message=10)
    publisher.close()

    readings = lambda: [r for _t, batch in received for r in batch]  # noqa: E731
    wait_until(lambda: len(readings()) >= sent)
    subscriber.loop_stop()

    assert sent == len(fleet) * 36
    got = readings()
    assert len(got) == sent
    first = next(r for r in got if r["sensor"] == "S-CLN1-FR1" and r["seq"] == 0)
    assert first["ts"] == "2026-11-01T00:00:00.000000Z"
    assert {t for t, _ in received} >= {"coldchain/v1/CLN1/CLN1-FR1/S-CLN1-FR1/reading"}


def test_live_publishes_one_reading_per_sensor_per_interval(mosquitto: Mosquitto) -> None:
    received: list[tuple[str, object]] = []
    subscriber = subscribe(mosquitto, received)
    fleet = demo_fleet(hours=1, interval_s=600)[:2]
    origin = datetime.now(UTC) - timedelta(hours=1)
    publisher = Publisher(mosquitto.host, mosquitto.port)
    stop = threading.Event()
    worker = threading.Thread(
        target=live,
        args=(publisher, fleet, origin, 3600.0),
        kwargs={"stop": stop, "interval_s": 0.5},
    )
    worker.start()
    wait_until(lambda: len(received) >= 6)
    stop.set()
    worker.join(5)
    publisher.close()
    subscriber.loop_stop()

    per_sensor = {s.sensor: [r for _t, r in received if r["sensor"] == s.sensor] for s in fleet}
    assert all(len(rs) >= 3 for rs in per_sensor.values())
    for rs in per_sensor.values():
        assert [r["seq"] for r in rs] == sorted(r["seq"] for r in rs)
