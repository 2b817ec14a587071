"""COLDCHAIN_TELEMETRY_STORE and COLDCHAIN_INFLUX_* build a working sink and reader pair."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from coldchain import db
from coldchain.settings import ConfigurationError, load_settings
from coldchain.wiring import build_sink, build_telemetry_reader
from ingest.queries import TelemetryReader
from ingest.readings import Reading
from ingest.sinks.base import Sink
from tests.influx_v2_relay import start_relay
from tests.servers import InfluxDB

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
T0 = 1_709_280_000_000_000_000


def round_trip(sink: Sink, reader: TelemetryReader) -> None:
    """Write one reading through the sink and find it with the reader."""
    reading = Reading("HQ", "fridge-1", "s-1", T0, 6.5, T0 + 10**9)
    try:
        assert sink.write([reading]).written == 1
    finally:
        sink.close()
    latest = reader.latest(["fridge-1"])
    assert latest["fridge-1"].temperature_c == 6.5
    end = START + timedelta(hours=1)
    [bucket] = reader.buckets(unit="fridge-1", start=START, end=end, every_s=3600)
    assert bucket.max_c == 6.5


def test_the_embedded_store_is_the_default(sqlite_url: str) -> None:
    settings = load_settings(database_url=sqlite_url)
    engine = db.make_engine(sqlite_url)
    try:
        assert settings.telemetry_store == "embedded"
        round_trip(build_sink(settings), build_telemetry_reader(settings, engine))
    finally:
        engine.dispose()


def test_influxdb_v1_settings_write_and_read_the_configured_database(
    influxdb: InfluxDB, sqlite_url: str
) -> None:
    settings = load_settings(
        telemetry_store="influxdb-v1", influx_url=influxdb.url, influx_database="cc_v1"
    )
    engine = db.make_engine(sqlite_url)
    try:
        round_trip(build_sink(settings), build_telemetry_reader(settings, engine))
    finally:
        engine.dispose()


def test_influxdb_v2_settings_write_and_read_bucket_db_slash_rp(
    influxdb: InfluxDB, sqlite_url: str
) -> None:
    influxdb.create_database("cc")
    influxdb.create_retention_policy("cc", "week")
    relay = start_relay(influxdb.url, org="province", token="tok")
    settings = load_settings(
        telemetry_store="influxdb-v2",
        influx_url=relay.url,
        influx_org="province",
        influx_bucket="cc/week",
        influx_token="tok",
    )
    engine = db.make_engine(sqlite_url)
    try:
        round_trip(build_sink(settings), build_telemetry_reader(settings, engine))
    finally:
        engine.dispose()
        relay.stop()
    answer: Any = influxdb.query('SELECT count(temperature_c) FROM "cc"."week"."temperature"')
    assert answer["results"][0]["series"][0]["values"][0][1] == 1


def test_influxdb_v2_without_its_settings_names_the_missing_variables() -> None:
    settings = load_settings(telemetry_store="influxdb-v2", influx_org="province")
    with pytest.raises(ConfigurationError, match="COLDCHAIN_INFLUX_BUCKET, COLDCHAIN_INFLUX_TOKEN"):
        build_sink(settings)
