"""Readings published over MQTT arrive in InfluxDB exactly once, under their binding."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import Engine

from coldchain import db
from ingest.dead_letters import StoredDeadLetter, recent_dead_letters
from ingest.registry import bind_sensor, register_sensor
from tests.integration.ingest.conftest import MakeIngest
from tests.integration.ingest.harness import (
    DATABASE,
    Publisher,
    assert_exactly_once,
    fleet_readings,
    wait_for_points,
)
from tests.servers import InfluxDB


def test_published_readings_arrive_once_with_their_binding_tags_and_device_time(
    make_ingest: MakeIngest, fleet: Publisher, influxdb: InfluxDB, sqlite_url: str
) -> None:
    engine = db.make_engine(sqlite_url)
    for i in range(5):  # five sensors known and bound to FR-7; the topics say U1
        register_sensor(engine, f"S-{i:03d}")
        bind_sensor(
            engine,
            f"S-{i:03d}",
            facility="F1",
            unit="FR-7",
            valid_from=datetime(2020, 1, 1, tzinfo=UTC),
        )
    engine.dispose()
    make_ingest().start()
    sent = fleet_readings(1000, sensors=10)
    fleet.publish(sent)
    fleet.settle()
    points = wait_for_points(influxdb, len(sent))
    assert_exactly_once(points, sent)
    units = {p.sensor: (p.facility, p.unit) for p in points}
    assert units["S-000"] == ("F1", "FR-7")  # the binding decides
    assert units["S-009"] == ("F1", "U1")  # unregistered: the topic, flagged
    by_key = {(s.sensor, s.ts_s * 1_000_000_000): s for s in sent}
    for point in points[:50]:
        assert (
            by_key[(point.sensor, point.time_ns)].payload.count(
                f'"t":{point.temperature_c}'.encode()
            )
            == 1
        )


def test_malformed_messages_are_dead_lettered_with_reasons_and_the_rest_stored(
    make_ingest: MakeIngest, fleet: Publisher, influxdb: InfluxDB, sqlite_url: str
) -> None:
    make_ingest().start()
    sent = fleet_readings(2000, sensors=20)
    valid, bad = [], []
    for i, item in enumerate(sent):
        if i % 100 == 50:  # 1 %: truncated JSON, a text temperature, a far-future time
            kind = (i // 100) % 3
            payload = [
                item.payload[:-5],
                item.payload.replace(b'"t":', b'"t":"warm","x":'),
                item.payload.replace(b'"ts":', b'"ts":4102444800,"y":'),
            ][kind]
            bad.append((item.topic, payload, ["not_json", "bad_field", "future_timestamp"][kind]))
            fleet.publish([type(item)(item.topic, payload, item.sensor, item.ts_s)])
        else:
            valid.append(item)
            fleet.publish([item])
    fleet.settle()
    points = wait_for_points(influxdb, len(valid))
    assert_exactly_once(points, valid)
    engine = db.make_engine(sqlite_url)
    letters = _wait_for_letters(engine, len(bad))
    engine.dispose()
    assert sorted((x.topic, x.payload, x.reason) for x in letters) == sorted(bad)
    assert all(x.detail for x in letters)


def _wait_for_letters(engine: Engine, n: int) -> list[StoredDeadLetter]:
    deadline = time.monotonic() + 30
    letters: list[StoredDeadLetter] = []
    while time.monotonic() < deadline:
        letters = recent_dead_letters(engine)
        if len(letters) >= n:
            break
        time.sleep(0.2)
    return letters


def test_ingest_creates_the_influxdb_database_before_the_first_reading(
    make_ingest: MakeIngest, influxdb: InfluxDB
) -> None:
    # The alarm recorder reads a unit's recent readings back on first sight: the database
    # must exist before the first batch, not only after the sink's first write.
    assert DATABASE not in databases(influxdb)
    make_ingest().start()
    assert DATABASE in databases(influxdb)


def databases(influxdb: InfluxDB) -> set[str]:
    result = influxdb.query("SHOW DATABASES")
    series = result["results"][0].get("series", [])  # type: ignore[index]
    return {row[0] for one in series for row in one.get("values", [])}
