"""The embedded store (SQL table telemetry_readings) on real SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from coldchain import db
from ingest.models import TelemetryReadingRow
from ingest.readings import Reading
from ingest.sinks.base import SinkUnavailable
from ingest.sinks.embedded import EmbeddedSink
from tests.servers import free_port

T0 = 1_709_280_000_000_000_000  # 2024-03-01T08:00:00Z


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


def stored(engine: Engine) -> list[tuple[Any, ...]]:
    t = TelemetryReadingRow.__table__.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                t.sensor_id,
                t.device_time_ns,
                t.facility,
                t.unit,
                t.temperature_c,
                t.received_at_ns,
                t.seq,
                t.battery_pct,
                t.door_open,
                t.power_on,
            ).order_by(t.device_time_ns, t.sensor_id)
        )
        return [tuple(row) for row in rows]  # fmt: skip


def test_a_batch_is_stored_with_every_column(engine: Engine) -> None:
    batch = [
        make_reading(0, seq=2**40, battery_pct=87.5, door_open=True, power_on=False),
        make_reading(1, sensor_id="s-2", unit="freezer-2", temperature_c=-20.25),
    ]
    result = EmbeddedSink(engine).write(batch)
    assert (result.written, result.rejected) == (2, ())
    assert stored(engine) == [
        ("s-1", T0, "HQ", "fridge-1", 4.0, T0 + 500_000_000, 2**40, 87.5, True, False),
        (
            "s-2", T0 + 60 * 10**9, "HQ", "freezer-2", -20.25,
            T0 + 60 * 10**9 + 500_000_000, None, None, None, None,
        ),
    ]  # fmt: skip


def test_writing_the_same_batch_twice_stores_each_reading_once(engine: Engine) -> None:
    sink = EmbeddedSink(engine)
    batch = [make_reading(i, sensor_id=f"s-{i % 3}") for i in range(30)]
    assert sink.write(batch).written == 30
    assert sink.write(batch).written == 30
    assert sink.write([make_reading(4, sensor_id="s-1", temperature_c=9.5, seq=7)]).written == 1
    rows = stored(engine)
    assert len(rows) == 30
    assert [(r[4], r[6]) for r in rows if r[1] == batch[4].device_time_ns] == [(9.5, 7)]


def test_the_same_reading_twice_in_one_batch_keeps_the_last(engine: Engine) -> None:
    # PostgreSQL refuses to upsert one row twice in a statement; the sink must not ask it to.
    batch = [
        make_reading(0, temperature_c=3.0),
        make_reading(1),
        make_reading(0, temperature_c=5.0),
    ]
    result = EmbeddedSink(engine).write(batch)
    assert (result.written, result.rejected) == (3, ())
    assert [r[4] for r in stored(engine)] == [5.0, 4.1]


def test_readings_the_table_cannot_hold_are_rejected_and_the_rest_stored(engine: Engine) -> None:
    batch = [
        make_reading(0),
        make_reading(1, temperature_c=float("nan")),
        make_reading(2, sensor_id="x" * 65),
        make_reading(3, unit=""),
        make_reading(4, device_time_ns=2**63),
        make_reading(5, battery_pct=float("inf")),
        make_reading(6, facility="bad\x00byte"),
        make_reading(7, unit="o'brien, cold room = 2"),  # fine in SQL
    ]
    result = EmbeddedSink(engine).write(batch)
    assert [r.index for r in result.rejected] == [1, 2, 3, 4, 5, 6]
    reasons = {r.index: r.reason for r in result.rejected}
    assert "temperature_c is nan" in reasons[1]
    assert "64-bit" in reasons[4]
    assert result.written == 2
    assert [r[3] for r in stored(engine)] == ["fridge-1", "o'brien, cold room = 2"]


@pytest.mark.parametrize(
    "dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_database_that_cannot_be_reached_makes_the_sink_unavailable(
    dialect: str, tmp_path: Path
) -> None:
    url = (
        f"sqlite:///{tmp_path}/missing-dir/coldchain.db"
        if dialect == "sqlite"
        else f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/coldchain"
    )
    engine = db.make_engine(url)
    try:
        with pytest.raises(SinkUnavailable, match="unavailable"):
            EmbeddedSink(engine).write([make_reading(0)])
    finally:
        engine.dispose()


def test_a_missing_table_makes_the_sink_unavailable_not_the_readings_rejected(
    database_url: str,
) -> None:
    # The table is dropped from under the sink (a restore gone wrong), then put back.
    engine = db.make_engine(database_url)
    sink = EmbeddedSink(engine)
    table = TelemetryReadingRow.__table__
    try:
        table.drop(engine)
        with pytest.raises(SinkUnavailable):
            sink.write([make_reading(0)])
        table.create(engine)
        assert sink.write([make_reading(0)]).written == 1
    finally:
        engine.dispose()


def test_rows_the_database_itself_refuses_are_found_and_only_they_are_rejected(
    engine: Engine,
) -> None:
    # A rule the sink does not know about (added by an operator), so the database refuses.
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER no_poison BEFORE INSERT ON telemetry_readings "
                "WHEN NEW.unit = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned unit'); END"
            )
        else:
            connection.exec_driver_sql(
                "ALTER TABLE telemetry_readings ADD CONSTRAINT no_poison CHECK (unit <> 'poison')"
            )
    batch = [make_reading(i, unit="poison" if i in (3, 8) else "fridge-1") for i in range(10)]
    result = EmbeddedSink(engine).write(batch)
    assert [r.index for r in result.rejected] == [3, 8]
    assert all("the database refused the reading" in r.reason for r in result.rejected)
    assert result.written == 8
    assert len(stored(engine)) == 8
