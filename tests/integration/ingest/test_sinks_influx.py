"""The InfluxDB sinks against a real influxd 1.6.7: the v1 sink on its /write, the v2 sink
(influxdb-client) through the v2 relay onto the same real storage (tests/influx_v2_relay.py).

Every test reads back what influxd stored with InfluxQL; nothing here is a fake.
"""

from __future__ import annotations

import signal
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS

from ingest.readings import Reading
from ingest.sinks.base import Sink, SinkMisconfigured, SinkUnavailable
from ingest.sinks.influx_v1 import InfluxV1Sink
from ingest.sinks.influx_v2 import InfluxV2Sink
from tests.influx_v2_relay import InfluxV2Relay, start_relay
from tests.servers import InfluxDB

DB = "coldchain"
ORG = "province"
TOKEN = "s3cret-token"
T0 = 1_709_280_000_000_000_000  # 2024-03-01T08:00:00Z
WEEK_NS = 7 * 86_400 * 10**9


def make_reading(i: int = 0, **changes: Any) -> Reading:
    values: dict[str, Any] = {
        "facility": "HQ",
        "unit": "fridge-1",
        "sensor_id": "s-1",
        "device_time_ns": T0 + i * 60 * 10**9,
        "temperature_c": 4.0 + i / 10,
        "received_at_ns": T0 + i * 60 * 10**9 + 500_000_000,
    }
    values.update(changes)
    return Reading(**values)


def stored_points(influxdb: InfluxDB, source: str = '"temperature"') -> list[dict[str, Any]]:
    """Every stored point as one dict of tags and fields, in time then sensor order."""
    answer: Any = influxdb.query(f"SELECT * FROM {source} GROUP BY *", DB)
    points = [
        {**series["tags"], **dict(zip(series["columns"], values, strict=True))}
        for series in answer["results"][0].get("series", [])
        for values in series["values"]
    ]
    return sorted(points, key=lambda p: (p["time"], p["sensor"]))


def write_raw(influxdb: InfluxDB, line: str) -> None:
    url = f"{influxdb.url}/write?db={DB}&precision=ns"
    with urllib.request.urlopen(url, data=line.encode(), timeout=10) as response:
        assert response.status == 204


@dataclass
class Store:
    """One InfluxDB API in front of the real influxd, and sinks on it that are closed after."""

    api: str
    influxdb: InfluxDB
    relay: InfluxV2Relay | None
    sinks: list[Sink] = field(default_factory=list)

    def sink(self, *, timeout_s: float = 10.0, bucket: str = DB, token: str = TOKEN) -> Sink:
        made: Sink
        if self.relay is None:
            made = InfluxV1Sink(self.influxdb.url, DB, timeout_s=timeout_s)
        else:
            made = InfluxV2Sink(self.relay.url, ORG, bucket, token, timeout_s=timeout_s)
        self.sinks.append(made)
        return made

    def stop(self) -> None:
        """Take the write endpoint away: influxd itself (v1) or the v2 server (the relay)."""
        if self.relay is None:
            self.influxdb.stop()
        else:
            self.relay.stop()

    def start(self) -> None:
        if self.relay is None:
            self.influxdb.start()
        else:
            self.relay.start()


@pytest.fixture(params=["v1", "v2"])
def store(request: pytest.FixtureRequest, influxdb: InfluxDB) -> Iterator[Store]:
    influxdb.create_database(DB)
    relay = start_relay(influxdb.url, org=ORG, token=TOKEN) if request.param == "v2" else None
    made = Store(request.param, influxdb, relay)
    yield made
    for sink in made.sinks:
        sink.close()
    if relay is not None:
        relay.stop()


def test_a_batch_is_stored_with_its_tags_fields_and_device_time(store: Store) -> None:
    batch = [
        make_reading(0, seq=41, battery_pct=87.5, door_open=True, power_on=False),
        make_reading(1, sensor_id="s-2", unit="freezer-2", temperature_c=-20.25),
    ]
    result = store.sink().write(batch)
    assert (result.written, result.rejected) == (2, ())
    assert stored_points(store.influxdb) == [
        {
            "time": T0,
            "facility": "HQ",
            "unit": "fridge-1",
            "sensor": "s-1",
            "temperature_c": 4.0,
            "received_at_ns": T0 + 500_000_000,
            "seq": 41,
            "battery_pct": 87.5,
            "door_open": True,
            "power_on": False,
        },
        {
            "time": T0 + 60 * 10**9,
            "facility": "HQ",
            "unit": "freezer-2",
            "sensor": "s-2",
            "temperature_c": -20.25,
            "received_at_ns": T0 + 60 * 10**9 + 500_000_000,
            "seq": None,
            "battery_pct": None,
            "door_open": None,
            "power_on": None,
        },
    ]
    answer: Any = store.influxdb.query('SHOW FIELD KEYS FROM "temperature"', DB)
    assert dict(answer["results"][0]["series"][0]["values"]) == {
        "battery_pct": "float",
        "door_open": "boolean",
        "power_on": "boolean",
        "received_at_ns": "integer",
        "seq": "integer",
        "temperature_c": "float",
    }


def test_writing_the_same_batch_twice_stores_each_point_once(store: Store) -> None:
    batch = [make_reading(i, sensor_id=f"s-{i % 3}") for i in range(60)]
    sink = store.sink()
    assert sink.write(batch).written == 60
    assert sink.write(batch).written == 60
    redelivered = [make_reading(5, sensor_id="s-2", temperature_c=9.5)]
    assert sink.write(redelivered).written == 1
    points = stored_points(store.influxdb)
    assert len(points) == 60
    assert [p["temperature_c"] for p in points if p["time"] == batch[5].device_time_ns] == [9.5]


def test_bad_lines_are_rejected_and_every_good_line_is_stored(store: Store) -> None:
    # A week in which temperature_c was once written as a string: every float written to that
    # shard is a field type conflict, which influxd drops without naming the line.
    poisoned = T0 - 3 * WEEK_NS
    write_raw(store.influxdb, f'temperature,sensor=old temperature_c="warm" {poisoned}')
    batch = [make_reading(i) for i in range(12)]
    batch[2] = make_reading(2, device_time_ns=poisoned + 1)
    batch[5] = make_reading(5, device_time_ns=poisoned + 2)
    batch[7] = make_reading(7, temperature_c=float("nan"))  # refused before sending
    batch[8] = make_reading(8, device_time_ns=2**63 - 1)  # influxd cannot parse: out of range
    batch[10] = make_reading(10, sensor_id="back\\slash")  # refused before sending

    result = store.sink().write(batch)

    assert [r.index for r in result.rejected] == [2, 5, 7, 8, 10]
    reasons = {r.index: r.reason for r in result.rejected}
    assert "field type conflict" in reasons[2] and "field type conflict" in reasons[5]
    assert "temperature_c is nan" in reasons[7]
    assert "time outside range" in reasons[8]
    assert "backslash" in reasons[10]
    assert result.written == 7
    good = {batch[i].device_time_ns for i in (0, 1, 3, 4, 6, 9, 11)}
    assert {p["time"] for p in stored_points(store.influxdb) if p["sensor"] == "s-1"} == good


def test_tags_with_commas_spaces_and_equals_signs_read_back_unchanged(store: Store) -> None:
    odd = make_reading(0, facility="St. Mary's, ward=2", unit="cold room A", sensor_id="a=b,c d")
    assert store.sink().write([odd]).written == 1
    [point] = stored_points(store.influxdb)
    assert (point["facility"], point["unit"], point["sensor"]) == (
        "St. Mary's, ward=2",
        "cold room A",
        "a=b,c d",
    )


def test_a_stopped_server_makes_the_sink_unavailable_until_it_is_back(store: Store) -> None:
    sink = store.sink(timeout_s=2.0)
    assert sink.write([make_reading(0)]).written == 1  # the connection is open and pooled
    batch = [make_reading(i) for i in range(1, 20)]
    store.stop()
    with pytest.raises(SinkUnavailable, match="unreachable"):
        sink.write(batch)
    store.start()
    assert sink.write(batch).written == 19
    assert len(stored_points(store.influxdb)) == 20


def test_a_hung_server_is_unavailable_after_the_timeout(store: Store) -> None:
    sink = store.sink(timeout_s=0.5)
    process = store.influxdb.process
    assert process is not None
    process.send_signal(signal.SIGSTOP)
    try:
        with pytest.raises(SinkUnavailable):
            sink.write([make_reading(0)])
    finally:
        process.send_signal(signal.SIGCONT)
    assert store.sink().write([make_reading(0)]).written == 1


# --- v1 only ---


def test_a_missing_database_is_created_by_the_first_write(influxdb: InfluxDB) -> None:
    sink = InfluxV1Sink(influxdb.url, DB)
    try:
        assert sink.write([make_reading(0)]).written == 1
        sink.ensure_database()  # idempotent: the data survives
    finally:
        sink.close()
    assert len(stored_points(influxdb)) == 1


def test_a_missing_database_is_a_configuration_error_when_creating_is_off(
    influxdb: InfluxDB,
) -> None:
    sink = InfluxV1Sink(influxdb.url, DB, create_database=False)
    try:
        with pytest.raises(SinkMisconfigured, match="database not found"):
            sink.write([make_reading(0)])
    finally:
        sink.close()


def test_readings_go_to_the_configured_retention_policy(influxdb: InfluxDB) -> None:
    influxdb.create_database(DB)
    influxdb.create_retention_policy(DB, "week")
    sink = InfluxV1Sink(influxdb.url, DB, retention_policy="week")
    unknown = InfluxV1Sink(influxdb.url, DB, retention_policy="nope")
    try:
        assert sink.write([make_reading(0)]).written == 1
        with pytest.raises(SinkMisconfigured, match="retention policy not found"):
            unknown.write([make_reading(1)])
    finally:
        sink.close()
        unknown.close()
    assert len(stored_points(influxdb, f'"{DB}"."week"."temperature"')) == 1
    assert stored_points(influxdb) == []  # nothing in the default policy


def test_refused_credentials_are_a_configuration_error(influxdb: InfluxDB) -> None:
    _enable_authentication(influxdb, user="ingest", password="right")
    wrong = InfluxV1Sink(influxdb.url, DB, username="ingest", password="wrong")
    right = InfluxV1Sink(influxdb.url, DB, username="ingest", password="right")
    try:
        with pytest.raises(SinkMisconfigured, match=r"refused the credentials .*USERNAME"):
            wrong.write([make_reading(0)])
        assert right.write([make_reading(0)]).written == 1
    finally:
        wrong.close()
        right.close()


def _enable_authentication(influxdb: InfluxDB, *, user: str, password: str) -> None:
    influxdb.query(f"CREATE USER \"{user}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES")
    influxdb.stop()
    conf = influxdb.workdir / "influxdb.conf"
    conf.write_text(conf.read_text().replace("[http]\n", "[http]\n  auth-enabled = true\n"))
    influxdb.start()


# --- v2 only (through the relay) ---


@pytest.fixture
def relay(influxdb: InfluxDB) -> Iterator[InfluxV2Relay]:
    influxdb.create_database(DB)
    made = start_relay(influxdb.url, org=ORG, token=TOKEN)
    yield made
    made.stop()


def _v2_sink(relay: InfluxV2Relay, **changes: str) -> InfluxV2Sink:
    settings = {"org": ORG, "bucket": DB, "token": TOKEN} | changes
    return InfluxV2Sink(relay.url, settings["org"], settings["bucket"], settings["token"])


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"token": "wrong"}, r"refused the credentials \(401.*COLDCHAIN_INFLUX_TOKEN"),
        ({"org": "elsewhere"}, 'organization name "elsewhere" not found'),
        ({"bucket": "nope"}, 'bucket "nope" not found'),
    ],
)
def test_a_wrong_token_org_or_bucket_is_a_configuration_error_that_says_so(
    relay: InfluxV2Relay, influxdb: InfluxDB, changes: dict[str, str], says: str
) -> None:
    sink = _v2_sink(relay, **changes)
    try:
        with pytest.raises(SinkMisconfigured, match=says):
            sink.write([make_reading(0)])
    finally:
        sink.close()
    assert stored_points(influxdb) == []


def test_bucket_db_slash_rp_writes_to_that_retention_policy(
    relay: InfluxV2Relay, influxdb: InfluxDB
) -> None:
    influxdb.create_retention_policy(DB, "week")
    sink = _v2_sink(relay, bucket=f"{DB}/week")
    try:
        assert sink.write([make_reading(0), make_reading(1)]).written == 2
    finally:
        sink.close()
    assert relay.writes[-1] == {"db": DB, "rp": "week", "precision": "n"}
    assert len(stored_points(influxdb, f'"{DB}"."week"."temperature"')) == 2
    assert stored_points(influxdb) == []


def test_storage_down_behind_the_v2_api_is_unavailable(
    relay: InfluxV2Relay, influxdb: InfluxDB
) -> None:
    sink = _v2_sink(relay)
    try:
        influxdb.stop()  # (a kill -9 within a second of CREATE DATABASE loses the database)
        with pytest.raises(SinkUnavailable, match="503"):
            sink.write([make_reading(0)])
        influxdb.start()
        assert sink.write([make_reading(0)]).written == 1
    finally:
        sink.close()


def test_the_v2_sink_on_an_influxdb_without_the_v2_api_says_so(influxdb: InfluxDB) -> None:
    sink = InfluxV2Sink(influxdb.url, ORG, DB, TOKEN)  # influxd 1.6.7 answers 404 here
    try:
        with pytest.raises(SinkMisconfigured, match="has no such API"):
            sink.write([make_reading(0)])
    finally:
        sink.close()


def test_the_relay_maps_precision_like_influxdb_2(relay: InfluxV2Relay, influxdb: InfluxDB) -> None:
    with InfluxDBClient(url=relay.url, token=TOKEN, org=ORG) as client:
        api = client.write_api(write_options=SYNCHRONOUS)
        for sensor, precision, digits in (("p", "s", 10), ("q", "ms", 13), ("r", "us", 16)):
            stamp = str(T0)[:digits]
            api.write(DB, ORG, f"temperature,sensor={sensor} temperature_c=1.0 {stamp}", precision)
    assert [p["time"] for p in stored_points(influxdb)] == [T0, T0, T0]
