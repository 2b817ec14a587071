"""The telemetry read side gives the same answers on every store: InfluxQL on a real influxd
1.6.7 (v1 API with no auth, and with a token through the v2 relay as on InfluxDB 2's
v1-compatibility API), and SQL on the embedded store in SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from coldchain import db
from ingest.queries import (
    EmbeddedTelemetryReader,
    InfluxQLTelemetryReader,
    LatestReading,
    TelemetryReader,
    TelemetryUnavailable,
)
from ingest.readings import Reading
from ingest.sinks.base import Bucket, Sink
from ingest.sinks.embedded import EmbeddedSink
from ingest.sinks.influx_v1 import InfluxV1Sink
from ingest.sinks.influx_v2 import InfluxV2Sink
from tests.influx_v2_relay import start_relay
from tests.servers import InfluxDB

DB = "coldchain"
ORG = "province"
TOKEN = "s3cret-token"
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
T0 = 1_709_280_000_000_000_000  # START in ns
MINUTE = 60 * 10**9


def make_reading(minute: float, temperature_c: float = 4.0, **changes: Any) -> Reading:
    at = T0 + int(minute * MINUTE)
    values: dict[str, Any] = {
        "facility": "HQ",
        "unit": "fridge-1",
        "sensor_id": "s-1",
        "device_time_ns": at,
        "temperature_c": temperature_c,
        "received_at_ns": at + 2 * 10**9,
    }
    values.update(changes)
    return Reading(**values)


@dataclass
class Telemetry:
    sink: Sink
    reader: TelemetryReader

    def write(self, readings: list[Reading]) -> None:
        result = self.sink.write(readings)
        assert result.rejected == ()


@pytest.fixture(
    params=[
        "influxdb-v1",
        "influxdb-v2",
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def telemetry(request: pytest.FixtureRequest) -> Iterator[Telemetry]:
    store: str = request.param
    if store.startswith("influxdb"):
        influxdb: InfluxDB = request.getfixturevalue("influxdb")
        influxdb.create_database(DB)
        if store == "influxdb-v1":
            sink: Sink = InfluxV1Sink(influxdb.url, DB)
            reader = InfluxQLTelemetryReader(influxdb.url, DB)
            yield Telemetry(sink, reader)
        else:
            relay = start_relay(influxdb.url, org=ORG, token=TOKEN)
            sink = InfluxV2Sink(relay.url, ORG, DB, TOKEN)
            reader = InfluxQLTelemetryReader(relay.url, DB, token=TOKEN)
            yield Telemetry(sink, reader)
            relay.stop()
        sink.close()
        reader.close()
    else:
        url: str = request.getfixturevalue("sqlite_url" if store == "sqlite" else "postgres_url")
        engine = db.make_engine(url)
        yield Telemetry(EmbeddedSink(engine), EmbeddedTelemetryReader(engine))
        engine.dispose()


def test_a_single_hot_reading_stays_visible_as_the_max_of_its_window(
    telemetry: Telemetry,
) -> None:
    readings = [make_reading(m, 14.0 if m == 25 else 4.0) for m in range(0, 60, 5)]
    telemetry.write(readings)
    [hour] = telemetry.reader.buckets(
        unit="fridge-1", start=START, end=START + timedelta(hours=1), every_s=3600
    )
    assert (hour.start_ns, hour.count, hour.min_c, hour.max_c) == (T0, 12, 4.0, 14.0)
    assert hour.mean_c == pytest.approx((11 * 4.0 + 14.0) / 12)
    assert hour.mean_c < 8.0 < hour.max_c  # the mean alone would hide the excursion


def test_windows_are_aligned_on_the_epoch_and_empty_ones_are_left_out(
    telemetry: Telemetry,
) -> None:
    telemetry.write(
        [
            make_reading(2, 1.0),  # before start: not counted, though in the first window
            make_reading(7, 5.0),
            make_reading(8, 7.0),
            make_reading(35, 3.0),
            make_reading(60, 9.0),  # at end: not counted
        ]
    )
    buckets = telemetry.reader.buckets(
        unit="fridge-1",
        start=START + timedelta(minutes=5),
        end=START + timedelta(hours=1),
        every_s=600,
    )
    assert buckets == [
        Bucket(start_ns=T0, count=2, min_c=5.0, max_c=7.0, mean_c=6.0),
        Bucket(start_ns=T0 + 30 * MINUTE, count=1, min_c=3.0, max_c=3.0, mean_c=3.0),
    ]


def test_a_sensor_is_read_on_its_own_or_with_its_unit(telemetry: Telemetry) -> None:
    telemetry.write(
        [
            make_reading(1, 4.0, sensor_id="s-1"),
            make_reading(1, 6.0, sensor_id="s-2"),
            make_reading(2, 3.0, sensor_id="s-2", unit="freezer-9"),
        ]
    )
    window: dict[str, Any] = {"start": START, "end": START + timedelta(minutes=10), "every_s": 600}
    by_unit = telemetry.reader.buckets(unit="fridge-1", **window)
    by_sensor = telemetry.reader.buckets(sensor="s-2", **window)
    both = telemetry.reader.buckets(unit="fridge-1", sensor="s-2", **window)
    assert [(b.count, b.min_c, b.max_c) for b in by_unit] == [(2, 4.0, 6.0)]
    assert [(b.count, b.min_c, b.max_c) for b in by_sensor] == [(2, 3.0, 6.0)]
    assert [(b.count, b.min_c, b.max_c) for b in both] == [(1, 6.0, 6.0)]


def test_latest_is_the_newest_reading_of_each_unit_by_device_time(telemetry: Telemetry) -> None:
    telemetry.write([make_reading(1, 4.0), make_reading(30, 5.5, seq=30, battery_pct=71.0)])
    telemetry.write(
        [
            # arrives last, measured earlier (a device emptying its buffer): not the latest
            make_reading(20, 9.0, received_at_ns=T0 + 90 * MINUTE),
            make_reading(12, -18.5, unit="freezer-2", sensor_id="s-7", facility="CL-3",
                         door_open=True, power_on=False),
        ]
    )  # fmt: skip
    latest = telemetry.reader.latest()
    assert latest["freezer-2"].door_open is True and latest["freezer-2"].power_on is False
    assert latest == {
        "fridge-1": LatestReading(
            unit="fridge-1",
            facility="HQ",
            sensor_id="s-1",
            device_time_ns=T0 + 30 * MINUTE,
            temperature_c=5.5,
            received_at_ns=T0 + 30 * MINUTE + 2 * 10**9,
            battery_pct=71.0,
        ),
        "freezer-2": LatestReading(
            unit="freezer-2",
            facility="CL-3",
            sensor_id="s-7",
            device_time_ns=T0 + 12 * MINUTE,
            temperature_c=-18.5,
            received_at_ns=T0 + 12 * MINUTE + 2 * 10**9,
            door_open=True,
            power_on=False,
        ),
    }
    assert telemetry.reader.latest(["freezer-2", "never-heard"]) == {
        "freezer-2": latest["freezer-2"]
    }
    assert telemetry.reader.latest([]) == {}


def test_unit_codes_with_quotes_cannot_widen_a_query(telemetry: Telemetry) -> None:
    sly = "x' OR unit = 'fridge-1"
    telemetry.write([make_reading(1, 4.0), make_reading(1, 30.0, unit=sly, sensor_id="s-9")])
    assert list(telemetry.reader.latest([sly])) == [sly]
    [bucket] = telemetry.reader.buckets(
        unit=sly, start=START, end=START + timedelta(hours=1), every_s=3600
    )
    assert (bucket.count, bucket.max_c) == (1, 30.0)


def test_nothing_stored_gives_no_windows_and_no_units(telemetry: Telemetry) -> None:
    end = START + timedelta(days=1)
    assert telemetry.reader.buckets(unit="fridge-1", start=START, end=end, every_s=3600) == []
    assert telemetry.reader.latest() == {}
    assert telemetry.reader.flag_readings("fridge-1", start=START, end=end) == []


def test_flag_readings_are_the_readings_with_a_door_or_power_flag(telemetry: Telemetry) -> None:
    telemetry.write(
        [
            make_reading(0, door_open=False, power_on=True),
            make_reading(10),  # no flag: left out
            make_reading(20, door_open=True),
            make_reading(30, power_on=False),
            make_reading(40, door_open=True, unit="fridge-2", sensor_id="s-2"),
            make_reading(70, door_open=False),  # after the end
        ]
    )
    found = telemetry.reader.flag_readings("fridge-1", start=START, end=START + timedelta(hours=1))
    assert [((f.device_time_ns - T0) // MINUTE, f.door_open, f.power_on) for f in found] == [
        (0, False, True),
        (20, True, None),
        (30, None, False),
    ]


# --- InfluxDB only: what the reader says when it cannot answer ---


def test_a_stopped_influxdb_makes_the_reader_unavailable(influxdb: InfluxDB) -> None:
    influxdb.create_database(DB)
    reader = InfluxQLTelemetryReader(influxdb.url, DB, timeout_s=2.0)
    try:
        assert reader.latest() == {}
        influxdb.stop()
        with pytest.raises(TelemetryUnavailable, match="unreachable"):
            reader.latest()
    finally:
        reader.close()


def test_an_unknown_database_is_named(influxdb: InfluxDB) -> None:
    reader = InfluxQLTelemetryReader(influxdb.url, "nope")
    try:
        with pytest.raises(TelemetryUnavailable, match="database not found: nope"):
            reader.latest()
    finally:
        reader.close()


def test_a_wrong_token_on_the_v2_compatibility_api_is_named(influxdb: InfluxDB) -> None:
    influxdb.create_database(DB)
    relay = start_relay(influxdb.url, org=ORG, token=TOKEN)
    reader = InfluxQLTelemetryReader(relay.url, DB, token="wrong")
    try:
        with pytest.raises(TelemetryUnavailable, match=r"refused the credentials.*INFLUX_TOKEN"):
            reader.latest()
    finally:
        reader.close()
        relay.stop()
