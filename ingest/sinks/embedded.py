"""Embedded telemetry store: readings in the SQL table ``telemetry_readings``.

Used when no InfluxDB is configured (the demo, a single clinic). Same semantics as InfluxDB:
(sensor_id, device_time_ns) is the key and a write is an upsert (``INSERT … ON CONFLICT DO
UPDATE`` on SQLite and PostgreSQL), so a redelivered reading overwrites itself.

Invariants: one transaction per batch. A reading the table cannot hold faithfully (a
non-finite number, an id that is empty, longer than 64 characters or holds NUL, an integer
outside 64 bits) is rejected before the transaction. A database that is down, locked or
not migrated raises ``SinkUnavailable``; if it refuses a batch for a row's values anyway
(a data or integrity error), the batch is split so that only the refused rows are rejected.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from ingest.models import TelemetryReadingRow
from ingest.readings import Reading
from ingest.sinks.base import Rejected, SinkUnavailable, WriteResult

_ID_LENGTH = 64
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_KEY = ("sensor_id", "device_time_ns")
_VALUES = (
    "facility",
    "unit",
    "temperature_c",
    "received_at_ns",
    "seq",
    "battery_pct",
    "door_open",
    "power_on",
)


class EmbeddedSink:
    """Writes readings to ``telemetry_readings`` in the database behind ``engine``."""

    def __init__(self, engine: Engine, *, dispose_engine: bool = False) -> None:
        self._engine = engine
        self._dispose_engine = dispose_engine  # True when the engine was made for this sink
        table = TelemetryReadingRow.__table__
        dialects: dict[str, Any] = {"sqlite": sqlite, "postgresql": postgresql}
        dialect = dialects.get(engine.dialect.name)
        if dialect is None:
            raise ValueError(f"the embedded store needs SQLite or PostgreSQL, not {engine.url}")
        insert = dialect.insert(table)
        self._upsert = insert.on_conflict_do_update(
            index_elements=[table.c[name] for name in _KEY],
            set_={name: insert.excluded[name] for name in _VALUES},
        )

    def write(self, readings: Sequence[Reading]) -> WriteResult:
        rejected: list[Rejected] = []
        latest: dict[tuple[str, int], int] = {}  # key -> batch index; the last one wins
        for index, reading in enumerate(readings):
            problem = _problem(reading)
            if problem is not None:
                rejected.append(Rejected(index, problem))
            else:
                latest[(reading.sensor_id, reading.device_time_ns)] = index
        indices = sorted(latest.values())
        rejected += self._store([_row(readings[i]) for i in indices], indices)
        rejected.sort(key=lambda r: r.index)
        return WriteResult(written=len(readings) - len(rejected), rejected=tuple(rejected))

    def close(self) -> None:
        """Dispose of the engine only if it was made for this sink."""
        if self._dispose_engine:
            self._engine.dispose()

    def _store(self, rows: list[dict[str, Any]], indices: list[int]) -> list[Rejected]:
        if not rows:
            return []
        try:
            with self._engine.begin() as connection:
                connection.execute(self._upsert, rows)
            return []
        except (sa_exc.DataError, sa_exc.IntegrityError) as exc:
            # A row's values: find it, store the others.
            if exc.connection_invalidated:
                raise SinkUnavailable(f"the telemetry database went away: {exc}") from exc
            if len(rows) == 1:
                return [Rejected(indices[0], f"the database refused the reading: {exc.orig}")]
        except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
            # Down, locked, or not migrated: nothing a reading can be blamed for.
            raise SinkUnavailable(f"the telemetry database is unavailable: {exc}") from exc
        middle = len(rows) // 2
        return self._store(rows[:middle], indices[:middle]) + self._store(
            rows[middle:], indices[middle:]
        )


def _row(reading: Reading) -> dict[str, Any]:
    return {
        "sensor_id": reading.sensor_id,
        "device_time_ns": reading.device_time_ns,
        "facility": reading.facility,
        "unit": reading.unit,
        "temperature_c": float(reading.temperature_c),
        "received_at_ns": reading.received_at_ns,
        "seq": reading.seq,
        "battery_pct": None if reading.battery_pct is None else float(reading.battery_pct),
        "door_open": reading.door_open,
        "power_on": reading.power_on,
    }


def _problem(reading: Reading) -> str | None:
    """Why the table cannot hold ``reading`` faithfully, or None."""
    for name, value in (
        ("facility", reading.facility),
        ("unit", reading.unit),
        ("sensor", reading.sensor_id),
    ):
        if not isinstance(value, str) or not 0 < len(value) <= _ID_LENGTH or "\x00" in value:
            return f"{name} {value!r} must be 1 to {_ID_LENGTH} characters without NUL"
    for name, number in (
        ("temperature_c", reading.temperature_c),
        ("battery_pct", reading.battery_pct),
    ):
        if number is not None and not (
            isinstance(number, int | float)
            and not isinstance(number, bool)
            and -sys.float_info.max <= number <= sys.float_info.max
        ):
            return f"{name} is {number!r}: only finite numbers can be stored"
    for name, integer in (
        ("device_time_ns", reading.device_time_ns),
        ("received_at_ns", reading.received_at_ns),
        ("seq", reading.seq),
    ):
        if integer is not None and not (
            type(integer) is int and _INT64_MIN <= integer <= _INT64_MAX
        ):
            return f"{name} is {integer!r}: not a 64-bit integer"
    for name, flag in (("door_open", reading.door_open), ("power_on", reading.power_on)):
        if flag is not None and not isinstance(flag, bool):
            return f"{name} is {flag!r}: not a boolean"
    return None
