"""Read side of telemetry: downsampled windows and the latest reading per storage unit.

``TelemetryReader`` has two implementations with the same answers:

- ``InfluxQLTelemetryReader``: InfluxQL over ``/query``. On InfluxDB 1.x natively (basic
  auth with username and password); on InfluxDB 2.x through its v1-compatibility API with
  ``Authorization: Token`` and a DBRP mapping from (database, retention policy) to the bucket
  (2.x maps buckets named ``db/rp`` by itself). So the same class serves the v1 and the v2
  settings; only the credentials differ.
- ``EmbeddedTelemetryReader``: SQL over the embedded store's ``telemetry_readings``.

Invariants: a window (``Bucket``) always carries min and max next to the mean and count, so
a single hot reading is never averaged away. Windows are aligned on multiples of ``every_s``
since the Unix epoch (InfluxQL's ``GROUP BY time``), hold readings with ``start <=
device time < end``, and windows without readings are left out. Arguments are checked before
any I/O, and a query of more than ``MAX_BUCKETS`` windows is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Protocol, TypeVar

import httpx
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    TextualSelect,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy import exc as sa_exc

from ingest.errors import IngestError
from ingest.line_protocol import MEASUREMENT
from ingest.models import TelemetryReadingRow
from ingest.readings import Reading
from ingest.sinks.base import Bucket

T = TypeVar("T")

MAX_BUCKETS = 10_000
MIN_EVERY_S = 60  # a bucket of a minute: sensors report every minute or slower
MAX_EVERY_S = 90 * 86_400  # a bucket of 90 days
MAX_UNITS_PER_QUERY = 200  # raw_readings_of, latest: keeps one query a few kB long
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TelemetryQueryError(IngestError, ValueError):
    """A telemetry query with arguments that cannot be answered; the message says which."""


class TelemetryUnavailable(IngestError):
    """The telemetry store could not answer: unreachable, an error, or refused credentials."""


@dataclass(frozen=True, slots=True)
class LatestReading:
    """The newest reading (by device time) of a storage unit, for the status board."""

    unit: str
    facility: str
    sensor_id: str
    device_time_ns: int  # when the newest reading was measured
    temperature_c: float
    received_at_ns: int  # last seen: when ingest received that reading
    battery_pct: float | None = None
    door_open: bool | None = None
    power_on: bool | None = None


@dataclass(frozen=True, slots=True)
class FlagReading:
    """The door and power flags of one reading that carries at least one of them."""

    device_time_ns: int
    door_open: bool | None
    power_on: bool | None


class TelemetryReader(Protocol):
    def buckets(
        self,
        *,
        unit: str | None = None,
        sensor: str | None = None,
        start: datetime,
        end: datetime,
        every_s: int,
    ) -> list[Bucket]:
        """Count, min, max and mean of temperature_c per window of ``every_s`` seconds, for
        one unit and/or one sensor, over [start, end); empty windows are left out."""
        ...

    def latest(self, units: Sequence[str] | None = None) -> dict[str, LatestReading]:
        """The newest reading per unit code (of ``units``, or of every unit heard)."""
        ...

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]:
        """Readings of ``unit`` with start <= device time < end, by (device time, sensor)."""
        ...

    def raw_readings_of(
        self, units: Sequence[str], *, start: datetime, end: datetime
    ) -> list[Reading]:
        """``raw_readings`` of several units at once, by (device time, sensor)."""
        ...

    def flag_readings(self, unit: str, *, start: datetime, end: datetime) -> list[FlagReading]:
        """The door and power flags of ``unit``'s readings with start <= device time < end
        that carry a flag, by device time: three small columns, so a 90-day chart can show
        the door and power events without reading every reading whole."""
        ...


@dataclass(frozen=True, slots=True)
class Window:
    """Checked arguments of ``buckets``: [start_ns, end_ns) in windows of every_ns."""

    start_ns: int
    end_ns: int
    every_ns: int
    every_s: int


def to_ns(moment: datetime) -> int:
    """Nanoseconds since the Unix epoch of an aware datetime (exact, no float)."""
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def check_window(
    unit: str | None, sensor: str | None, start: datetime, end: datetime, every_s: int
) -> Window:
    """The window arguments of ``buckets``, or ``TelemetryQueryError`` saying what is wrong."""
    if unit is None and sensor is None:
        raise TelemetryQueryError("give a unit, a sensor or both: units differ in their ranges")
    for name, value in (("unit", unit), ("sensor", sensor)):
        if value is not None:
            check_code(name, value)
    for name, moment in (("start", start), ("end", end)):
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise TelemetryQueryError(f"{name} must be a timezone-aware datetime, not {moment!r}")
    if not start < end:
        raise TelemetryQueryError(
            f"start ({start.isoformat()}) must be before end ({end.isoformat()})"
        )
    if type(every_s) is not int or every_s <= 0:
        raise TelemetryQueryError(f"every_s must be a positive whole number, not {every_s!r}")
    if not MIN_EVERY_S <= every_s <= MAX_EVERY_S:
        raise TelemetryQueryError(
            f"every_s must be from {MIN_EVERY_S} to {MAX_EVERY_S} (90 days), not {every_s}"
        )
    start_ns, end_ns, every_ns = to_ns(start), to_ns(end), every_s * 1_000_000_000
    windows = -(-(end_ns - start_ns // every_ns * every_ns) // every_ns)
    if windows > MAX_BUCKETS:
        raise TelemetryQueryError(
            f"{windows} windows of {every_s} s from {start.isoformat()} to {end.isoformat()}: "
            f"at most {MAX_BUCKETS}; choose a longer every_s or a shorter range"
        )
    return Window(start_ns, end_ns, every_ns, every_s)


def check_raw_window(unit: str, start: datetime, end: datetime) -> Window:
    """The arguments of ``raw_readings`` (no window count: raw readings are not bucketed)."""
    check_code("unit", unit)
    for name, moment in (("start", start), ("end", end)):
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise TelemetryQueryError(f"{name} must be a timezone-aware datetime, not {moment!r}")
    if not start < end:
        raise TelemetryQueryError(
            f"start ({start.isoformat()}) must be before end ({end.isoformat()})"
        )
    return Window(to_ns(start), to_ns(end), 0, 0)


def check_raw_units(
    units: Sequence[str], start: datetime, end: datetime
) -> tuple[list[str], Window]:
    """The arguments of ``raw_readings_of``: the distinct unit codes and the window."""
    codes = check_units(units) or []
    window = check_raw_window(codes[0], start, end) if codes else Window(0, 0, 0, 0)
    return list(dict.fromkeys(codes)), window


def chunked(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def check_code(name: str, value: str) -> str:
    if not isinstance(value, str) or not value or not value.isprintable():
        raise TelemetryQueryError(f"{name} must be a non-empty printable string, not {value!r}")
    return value


def check_units(units: Sequence[str] | None) -> list[str] | None:
    if units is None:
        return None
    if isinstance(units, str):
        raise TelemetryQueryError("units must be a sequence of unit codes, not one string")
    return [check_code("unit", unit) for unit in units]


_LATEST_COLUMNS = (
    "unit",
    "facility",
    "sensor_id",
    "device_time_ns",
    "temperature_c",
    "received_at_ns",
    "battery_pct",
    "door_open",
    "power_on",
)


@cache
def _newest_of(units: int) -> TextualSelect:
    """The newest reading of each of ``units`` units (binds ``u0`` …; of two sensors at the
    same device time, the greater sensor id): a UNION ALL of two index seeks per unit on
    (unit, device_time_ns), max() first (``ORDER BY device_time_ns DESC, sensor_id DESC``
    sorts every reading of the unit). Plain SQL, made once per count: building the same
    statement with ``select()`` cost ~0.5 ms per unit, more than the seeks."""
    table, name = TelemetryReadingRow.__table__, TelemetryReadingRow.__tablename__
    columns = ", ".join(_LATEST_COLUMNS)
    sql = text(
        " UNION ALL ".join(
            f"SELECT * FROM (SELECT {columns} FROM {name} WHERE unit = :u{i} "
            f"AND device_time_ns = (SELECT max(device_time_ns) FROM {name} "
            f"WHERE unit = :u{i}) ORDER BY sensor_id DESC LIMIT 1) AS newest_{i}"
            for i in range(units)
        )
    )
    # typed like the table's columns, so that SQLite's 0/1 come back as booleans
    return sql.columns(*(table.c[name] for name in _LATEST_COLUMNS))


class EmbeddedTelemetryReader:
    """Reads the embedded store (``telemetry_readings``) behind ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def buckets(
        self,
        *,
        unit: str | None = None,
        sensor: str | None = None,
        start: datetime,
        end: datetime,
        every_s: int,
    ) -> list[Bucket]:
        window = check_window(unit, sensor, start, end, every_s)
        t = TelemetryReadingRow.__table__.c
        # An int we made, inlined: PostgreSQL matches GROUP BY to SELECT only without binds.
        every: ColumnElement[int] = literal_column(str(window.every_ns), BigInteger)
        window_start = (t.device_time_ns // every) * every
        query = (
            select(
                window_start,
                func.count(),
                func.min(t.temperature_c),
                func.max(t.temperature_c),
                func.avg(t.temperature_c),
            )
            .where(t.device_time_ns >= window.start_ns, t.device_time_ns < window.end_ns)
            .group_by(window_start)
            .order_by(window_start)
        )
        if unit is not None:
            query = query.where(t.unit == unit)
        if sensor is not None:
            query = query.where(t.sensor_id == sensor)
        rows = self._run(lambda connection: connection.execute(query).all())
        return [
            Bucket(int(w), int(n), float(lo), float(hi), float(mean)) for w, n, lo, hi, mean in rows
        ]

    def latest(self, units: Sequence[str] | None = None) -> dict[str, LatestReading]:
        wanted = check_units(units)
        t = TelemetryReadingRow.__table__.c

        def newest(connection: Connection) -> dict[str, LatestReading]:
            codes = wanted
            if codes is None:
                codes = list(connection.scalars(select(t.unit).distinct()))
            found: dict[str, LatestReading] = {}
            # The status board asks for thousands of units: one statement per
            # MAX_UNITS_PER_QUERY units, not one per unit.
            for chunk in chunked(list(dict.fromkeys(codes)), MAX_UNITS_PER_QUERY):
                params = {f"u{i}": code for i, code in enumerate(chunk)}
                for row in connection.execute(_newest_of(len(chunk)), params):
                    found[row[0]] = LatestReading(*row)
            return found

        return self._run(newest)

    # --- raw readings of a unit (added for ingest/alarms: detector recovery, summaries) ---

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]:
        """Every stored reading of ``unit`` with start <= device time < end, sorted by
        (device time, sensor)."""
        return self.raw_readings_of([unit], start=start, end=end)

    def raw_readings_of(
        self, units: Sequence[str], *, start: datetime, end: datetime
    ) -> list[Reading]:
        """``raw_readings`` of several units, ``MAX_UNITS_PER_QUERY`` per query, sorted by
        (device time, sensor)."""
        codes, window = check_raw_units(units, start, end)
        t = TelemetryReadingRow.__table__.c
        columns = (
            t.facility,
            t.unit,
            t.sensor_id,
            t.device_time_ns,
            t.temperature_c,
            t.received_at_ns,
            t.seq,
            t.battery_pct,
            t.door_open,
            t.power_on,
        )

        def read(connection: Connection) -> list[Any]:
            rows: list[Any] = []
            for chunk in chunked(codes, MAX_UNITS_PER_QUERY):
                query = select(*columns).where(
                    t.unit.in_(chunk),
                    t.device_time_ns >= window.start_ns,
                    t.device_time_ns < window.end_ns,
                )
                rows.extend(connection.execute(query).all())
            return rows

        found = [
            Reading(
                facility=f,
                unit=u,
                sensor_id=sensor,
                device_time_ns=int(t_ns),
                temperature_c=float(temp),
                received_at_ns=int(received),
                seq=seq,
                battery_pct=battery,
                door_open=door,
                power_on=power,
            )
            for f, u, sensor, t_ns, temp, received, seq, battery, door, power in self._run(read)
        ]
        found.sort(key=lambda r: (r.device_time_ns, r.sensor_id))
        return found

    # --- end of raw readings ---

    def flag_readings(self, unit: str, *, start: datetime, end: datetime) -> list[FlagReading]:
        window = check_raw_window(unit, start, end)
        t = TelemetryReadingRow.__table__.c
        query = (
            select(t.device_time_ns, t.door_open, t.power_on)
            .where(
                t.unit == unit,
                t.device_time_ns >= window.start_ns,
                t.device_time_ns < window.end_ns,
                (t.door_open.is_not(None)) | (t.power_on.is_not(None)),
            )
            .order_by(t.device_time_ns)
        )
        rows = self._run(lambda connection: connection.execute(query).all())
        return [FlagReading(int(at), door, power) for at, door, power in rows]

    def _run(self, work: Callable[[Connection], T]) -> T:
        try:
            with self._engine.connect() as connection:
                return work(connection)
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as exc:
            raise TelemetryUnavailable(f"the telemetry database is unavailable: {exc}") from exc


class InfluxQLTelemetryReader:
    """Reads ``database`` (and ``retention_policy``) of the InfluxDB at ``url`` with InfluxQL.

    InfluxDB 1.x: ``username``/``password`` (basic auth) when authentication is on.
    InfluxDB 2.x: ``token`` (sent as ``Authorization: Token``); ``database`` and
    ``retention_policy`` name the DBRP mapping of the bucket (bucket ``db/rp`` -> ``db``, ``rp``).
    """

    def __init__(
        self,
        url: str,
        database: str,
        retention_policy: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._url = url.rstrip("/")
        self._params = {"db": database, "epoch": "ns"}
        if retention_policy:
            self._params["rp"] = retention_policy
        self._client = httpx.Client(
            base_url=self._url,
            auth=httpx.BasicAuth(username, password or "") if username else None,
            headers={"Authorization": f"Token {token}"} if token else None,
            timeout=timeout_s,
        )

    def buckets(
        self,
        *,
        unit: str | None = None,
        sensor: str | None = None,
        start: datetime,
        end: datetime,
        every_s: int,
    ) -> list[Bucket]:
        window = check_window(unit, sensor, start, end, every_s)
        where = [f"time >= {window.start_ns}", f"time < {window.end_ns}"]
        if unit is not None:
            where.append(f"unit = {_literal(unit)}")
        if sensor is not None:
            where.append(f"sensor = {_literal(sensor)}")
        series = self._query(
            "SELECT count(temperature_c), min(temperature_c), max(temperature_c), "
            f'mean(temperature_c) FROM "{MEASUREMENT}" WHERE {" AND ".join(where)} '
            f"GROUP BY time({window.every_s}s) fill(none)"
        )
        return [
            Bucket(int(w), int(n), float(lo), float(hi), float(mean))
            for one in series
            for w, n, lo, hi, mean in one["values"]
            if n
        ]

    def latest(self, units: Sequence[str] | None = None) -> dict[str, LatestReading]:
        wanted = check_units(units)
        if wanted == []:
            return {}
        where = ""
        if wanted is not None:
            where = " WHERE " + " OR ".join(f"unit = {_literal(u)}" for u in wanted)
        series = self._query(
            f'SELECT * FROM "{MEASUREMENT}"{where} GROUP BY "unit" ORDER BY time DESC LIMIT 1'
        )
        found: dict[str, LatestReading] = {}
        for one in series:
            unit = one.get("tags", {}).get("unit")
            for values in one["values"]:
                point = dict(zip(one["columns"], values, strict=True))
                if unit is None or point.get("temperature_c") is None:
                    continue
                found[unit] = LatestReading(
                    unit=unit,
                    facility=str(point.get("facility")),
                    sensor_id=str(point.get("sensor")),
                    device_time_ns=int(point["time"]),
                    temperature_c=float(point["temperature_c"]),
                    received_at_ns=int(point.get("received_at_ns") or 0),
                    battery_pct=_maybe_float(point.get("battery_pct")),
                    door_open=point.get("door_open"),
                    power_on=point.get("power_on"),
                )
        return found

    # --- raw readings of a unit (added for ingest/alarms: detector recovery, summaries) ---

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]:
        """Every stored reading of ``unit`` with start <= device time < end, sorted by
        (device time, sensor)."""
        return self.raw_readings_of([unit], start=start, end=end)

    def raw_readings_of(
        self, units: Sequence[str], *, start: datetime, end: datetime
    ) -> list[Reading]:
        """``raw_readings`` of several units, ``MAX_UNITS_PER_QUERY`` per query (``unit =
        'a' OR unit = 'b' …``, grouped by unit), sorted by (device time, sensor)."""
        codes, window = check_raw_units(units, start, end)
        found: list[Reading] = []
        for chunk in chunked(codes, MAX_UNITS_PER_QUERY):
            which = " OR ".join(f"unit = {_literal(unit)}" for unit in chunk)
            series = self._query(
                f'SELECT * FROM "{MEASUREMENT}" WHERE ({which}) '
                f'AND time >= {window.start_ns} AND time < {window.end_ns} GROUP BY "unit"'
            )
            for one in series:
                found.extend(_raw_points(one))
        found.sort(key=lambda r: (r.device_time_ns, r.sensor_id))
        return found

    # --- end of raw readings ---

    def flag_readings(self, unit: str, *, start: datetime, end: datetime) -> list[FlagReading]:
        window = check_raw_window(unit, start, end)
        # InfluxQL returns only the points where a selected field is set.
        series = self._query(
            f'SELECT door_open, power_on FROM "{MEASUREMENT}" WHERE unit = {_literal(unit)} '
            f"AND time >= {window.start_ns} AND time < {window.end_ns}"
        )
        found = [
            FlagReading(int(at), door, power)
            for one in series
            for at, door, power in one["values"]
            if door is not None or power is not None
        ]
        found.sort(key=lambda r: r.device_time_ns)
        return found

    def close(self) -> None:
        self._client.close()

    def _query(self, q: str) -> list[dict[str, Any]]:
        where = f"InfluxDB at {self._url} (database {self._params['db']!r})"
        try:
            response = self._client.post("/query", data={**self._params, "q": q})
        except httpx.HTTPError as exc:
            raise TelemetryUnavailable(f"{where} is unreachable: {exc}") from exc
        if response.status_code in (401, 403):
            raise TelemetryUnavailable(
                f"{where} refused the credentials ({response.status_code}); check "
                "COLDCHAIN_INFLUX_USERNAME/PASSWORD (v1) or COLDCHAIN_INFLUX_TOKEN (v2)"
            )
        if response.status_code != 200:
            raise TelemetryUnavailable(f"{where} answered {response.status_code}: {response.text}")
        results = response.json().get("results") or [{}]
        if "error" in results[0]:
            raise TelemetryUnavailable(f"{where}: {results[0]['error']}")
        series: list[dict[str, Any]] = results[0].get("series", [])
        return series


def _literal(value: str) -> str:
    """An InfluxQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _raw_points(one: dict[str, Any]) -> list[Reading]:
    """The readings of one InfluxQL series of ``SELECT * … GROUP BY "unit"``."""
    tag = one.get("tags", {}).get("unit")
    found = []
    for values in one["values"]:
        point = dict(zip(one["columns"], values, strict=True))
        if point.get("temperature_c") is None:
            continue
        found.append(
            Reading(
                facility=str(point.get("facility")),
                unit=str(tag if tag is not None else point.get("unit")),
                sensor_id=str(point.get("sensor")),
                device_time_ns=int(point["time"]),
                temperature_c=float(point["temperature_c"]),
                received_at_ns=int(point.get("received_at_ns") or 0),
                seq=None if point.get("seq") is None else int(point["seq"]),
                battery_pct=_maybe_float(point.get("battery_pct")),
                door_open=point.get("door_open"),
                power_on=point.get("power_on"),
            )
        )
    return found


def _maybe_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
