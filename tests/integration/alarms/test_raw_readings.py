"""``raw_readings`` (added to the telemetry readers for detector recovery and daily
summaries) gives every stored reading of a unit in [start, end), sorted, on InfluxDB 1.x and
on the embedded store in SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from coldchain import db
from ingest.alarms.ports import ReadingSource
from ingest.queries import EmbeddedTelemetryReader, InfluxQLTelemetryReader, TelemetryQueryError
from ingest.readings import Reading
from ingest.sinks.base import Sink
from ingest.sinks.embedded import EmbeddedSink
from ingest.sinks.influx_v1 import InfluxV1Sink
from tests.servers import InfluxDB
from tests.unit.alarms.fakes import UNIT, at, reading


@pytest.fixture(
    params=["influxdb-v1", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest) -> Iterator[tuple[Sink, ReadingSource]]:
    if request.param == "influxdb-v1":
        influxdb: InfluxDB = request.getfixturevalue("influxdb")
        influxdb.create_database("coldchain")
        reader = InfluxQLTelemetryReader(influxdb.url, "coldchain")
        sink = InfluxV1Sink(influxdb.url, "coldchain")
        yield sink, reader
        sink.close()
        reader.close()
        return
    url: str = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_url"
    )
    engine = db.make_engine(url)
    yield EmbeddedSink(engine), EmbeddedTelemetryReader(engine)
    engine.dispose()


def test_raw_readings_of_a_unit_come_back_whole_and_in_device_time_order(
    store: tuple[Sink, ReadingSource],
) -> None:
    sink, reader = store
    mine = [
        reading(20, 5.5, sensor="s-b"),
        reading(10, 4.0),
        reading(20, 6.0),
        reading(0, 3.25),
        reading(30, 9.0),
    ]
    detailed = Reading("clinic-1", UNIT, "s-1", at_ns(5), 4.5, at_ns(5) + 7, 42, 88.5, True, False)
    other = reading(10, 20.0, unit="fridge-2", sensor="s-9")
    assert sink.write([*mine, detailed, other]).rejected == ()

    found = reader.raw_readings(UNIT, start=at(0), end=at(30))
    assert [(r.device_time_ns, r.sensor_id, r.temperature_c) for r in found] == [
        (at_ns(0), "s-1", 3.25),
        (at_ns(5), "s-1", 4.5),
        (at_ns(10), "s-1", 4.0),
        (at_ns(20), "s-1", 6.0),
        (at_ns(20), "s-b", 5.5),
    ]
    assert found[1] == detailed
    assert reader.raw_readings(UNIT, start=at(31), end=at(60)) == []
    with pytest.raises(TelemetryQueryError):
        reader.raw_readings(UNIT, start=at(10), end=at(10))


def at_ns(minute: float) -> int:
    return (at(minute) - at(0)) // timedelta(microseconds=1) * 1000 + reading(0, 0).device_time_ns


def test_raw_readings_of_several_units_come_in_one_answer_with_their_units(
    store: tuple[Sink, ReadingSource],
) -> None:
    sink, reader = store
    stored = [
        reading(10, 4.0),
        reading(0, 20.0, unit="fridge-2", sensor="s-9"),
        reading(10, 21.0, unit="fridge-2", sensor="s-9"),
        reading(5, -18.0, unit="freezer-o'1", sensor="s-f"),
        reading(5, 7.0, unit="fridge-3", sensor="s-3"),  # not asked for
        reading(40, 5.0),  # after end
    ]
    assert sink.write(stored).rejected == ()

    found = reader.raw_readings_of([UNIT, "fridge-2", "freezer-o'1"], start=at(0), end=at(30))
    assert [(r.device_time_ns, r.unit, r.sensor_id, r.temperature_c) for r in found] == [
        (at_ns(0), "fridge-2", "s-9", 20.0),
        (at_ns(5), "freezer-o'1", "s-f", -18.0),
        (at_ns(10), UNIT, "s-1", 4.0),
        (at_ns(10), "fridge-2", "s-9", 21.0),
    ]
    assert reader.raw_readings_of([], start=at(0), end=at(30)) == []
