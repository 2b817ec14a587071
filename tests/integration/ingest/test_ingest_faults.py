"""Zero readings lost under faults: the store, the ingest process or the broker taken away
mid-stream. After each, every published reading is in InfluxDB and none is there twice."""

from __future__ import annotations

import threading
import time

import pytest

from tests.integration.ingest.conftest import MakeIngest
from tests.integration.ingest.harness import (
    Publisher,
    Sent,
    assert_exactly_once,
    fleet_readings,
    wait_for_points,
)
from tests.servers import InfluxDB, Mosquitto


def publish_in_background(fleet: Publisher, items: list[Sent], rate: float) -> threading.Thread:
    thread = threading.Thread(target=fleet.publish, args=(items,), kwargs={"rate_per_s": rate})
    thread.start()
    return thread


def wait_until_published(fleet: Publisher, n: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while len(fleet.sent) < n and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.slow
def test_influxdb_down_for_30_seconds_mid_stream_loses_nothing(
    make_ingest: MakeIngest, fleet: Publisher, influxdb: InfluxDB
) -> None:
    ingest = make_ingest().start()
    sent = fleet_readings(3000, sensors=30)
    publisher = publish_in_background(fleet, sent, rate=250)
    wait_until_published(fleet, 800)
    influxdb.stop()
    down_since = time.monotonic()
    time.sleep(30)
    assert time.monotonic() - down_since >= 30
    influxdb.start()
    publisher.join()
    fleet.settle()
    points = wait_for_points(influxdb, len(sent))
    assert_exactly_once(points, sent)
    assert "sink unavailable" in ingest.log()
    assert ingest.process is not None and ingest.process.poll() is None


@pytest.mark.slow
def test_ingest_killed_twice_mid_stream_loses_nothing(
    make_ingest: MakeIngest, fleet: Publisher, influxdb: InfluxDB
) -> None:
    ingest = make_ingest().start()
    sent = fleet_readings(4000, sensors=40)
    publisher = publish_in_background(fleet, sent, rate=500)
    for at in (1000, 2500):
        wait_until_published(fleet, at)
        ingest.kill()  # SIGKILL: no flush, no ack, no goodbye
        time.sleep(1.0)
        ingest.start()
    publisher.join()
    fleet.settle()
    points = wait_for_points(influxdb, len(sent))
    assert_exactly_once(points, sent)


@pytest.mark.slow
def test_broker_restarted_mid_stream_and_with_a_backlog_loses_nothing(
    make_ingest: MakeIngest, fleet: Publisher, influxdb: InfluxDB, mosquitto: Mosquitto
) -> None:
    ingest = make_ingest().start()
    sent = fleet_readings(3000, sensors=30)
    publisher = publish_in_background(fleet, sent, rate=400)
    wait_until_published(fleet, 1000)
    mosquitto.restart()
    publisher.join()
    fleet.settle()
    assert ingest.log().count("subscription granted") >= 2  # it came back by itself
    # Now a backlog held only by the broker: ingest away, readings queued, broker restarted.
    assert ingest.terminate() == 0
    backlog = fleet_readings(1000, sensors=30, start_s=sent[-1].ts_s + 1)
    fleet.publish(backlog)
    fleet.settle()
    mosquitto.restart()
    ingest.start()
    fleet.settle()
    points = wait_for_points(influxdb, len(sent) + len(backlog))
    assert_exactly_once(points, sent + backlog)
    assert "broker had no session" not in ingest.log()
