"""Scenarios: a readable TOML file that says what to simulate, loaded into sensors.

A scenario names its seed, its length, its time zone, the room (ambient), sensor defaults,
the facility tree (listed, or generated level by level from a compact description for
national-scale fleets), the units with their equipment presets and sensors, and the named
events at times. ``simulators/README.md`` documents the format; ``simulators/scenarios/``
holds the ones we ship. Transport: ``shipments`` (origin, destination, what they carry,
when they leave, their lead time) and the ``loggers`` that ride them (a cold box or a
vaccine carrier with its own events, timed from the dispatch); a logger publishes on its
shipment's transit unit, ``shipment-{id}`` at the origin, from the dispatch to the expected
arrival. The ledger's ids are given at run time (``with_shipment_ids``); the simulators only
publish, and the ledger part (dispatching, attaching the logger) is the caller's.

Invariant: loading is all or nothing (a bad file raises ``ScenarioError`` naming what is
wrong, and nothing is half-built), and a loaded scenario is deterministic: the same file
and the same start instant give the same messages.
"""

from __future__ import annotations

import heapq
import itertools
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.wire import transit_unit
from simulators import events as ev
from simulators.ambient import Ambient
from simulators.equipment import PRESETS, Equipment
from simulators.sensor import Message, SensorSpec, SimulatedSensor, derived_seed

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
SECTIONS = {
    "scenario",
    "ambient",
    "sensor",
    "facilities",
    "generate",
    "units",
    "events",
    "shipments",
    "loggers",
}
_SHIPMENT_KEYS = {
    "code",
    "id",
    "origin",
    "destination",
    "unit",
    "items",
    "dispatch_at",
    "lead_time",
}
_ITEM_KEYS = {"product", "lot", "doses"}
_LOGGER_KEYS = {"id", "shipment", "preset", "ambient", "sensor", "events"}
_LOGGER_EVENT_KEYS = {"kind", "at", "for"}
# Transport loggers read at least every 5 minutes (docs/domain.md rule 5).
LOGGER_INTERVAL_S = 300.0
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_UNITS_S = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0}
# TOML key -> SensorSpec field (durations given as "10m" strings)
_SENSOR_KEYS = {
    "interval": "interval_s",
    "upload_interval": "upload_interval_s",
    "noise": "noise_c",
    "resolution": "resolution_c",
    "dropout_rate": "dropout_rate",
    "spike_rate": "spike_rate",
    "spike": "spike_c",
    "battery": "battery_pct",
    "battery_drain_per_day": "battery_drain_pct_per_day",
    "clock_offset": "clock_offset_s",
    "clock_drift_ppm": "clock_drift_ppm",
    "per_message": "per_message",
}
_DURATION_KEYS = {"interval", "upload_interval", "clock_offset"}
_AMBIENT_KEYS = {"mean": "mean_c", "amplitude": "amplitude_c", "peak_hour": "peak_hour"}


class ScenarioError(ValueError):
    """The scenario file is not valid; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Facility:
    code: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    facility: str
    equipment: Equipment
    kind: str  # the ledger's storage unit kind
    profile: str  # the ledger's temperature profile


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    seed: int
    duration_s: float
    timezone: str
    facilities: tuple[Facility, ...]
    units: tuple[Unit, ...]
    sensors: tuple[SimulatedSensor, ...] = field(repr=False)
    shipments: tuple[Shipment, ...] = ()
    loggers: tuple[Logger, ...] = field(default=(), repr=False)

    def messages(
        self, origin_s: float, *, follow_interval_s: float | None = None
    ) -> Iterator[Message]:
        """Every sensor's and logger's messages, merged in publish order (ties: file
        order, units before loggers), for the span [0, duration) that starts at Unix second
        ``origin_s``."""
        streams = [
            _keyed(i, s.messages(origin_s, self.duration_s, follow_interval_s=follow_interval_s))
            for i, s in enumerate(self.sensors)
        ]
        streams += [
            _keyed(
                len(self.sensors) + i, logger.messages(origin_s, self.duration_s, follow_interval_s)
            )
            for i, logger in enumerate(self.loggers)
        ]
        for _t, _i, _k, message in heapq.merge(*streams):
            yield message

    def shipment(self, code: str) -> Shipment:
        for shipment in self.shipments:
            if shipment.code == code:
                return shipment
        raise ScenarioError(f"no shipment {code!r} in the scenario")

    def with_shipment_ids(self, ids: Mapping[str, int]) -> Scenario:
        """The same scenario with the ledger's ids for its shipments (by code): their
        loggers then publish on ``shipment-{id}`` of those ids."""
        for code, shipment_id in ids.items():
            self.shipment(code)  # refuses an unknown code
            if isinstance(shipment_id, bool) or not isinstance(shipment_id, int) or shipment_id < 1:
                raise ScenarioError(f"shipment {code!r}: id must be a whole number >= 1")
        shipments = tuple(replace(s, id=ids.get(s.code, s.id)) for s in self.shipments)
        by_code = {s.code: s for s in shipments}
        loggers = tuple(
            replace(
                lg,
                sensor=replace(lg.sensor, unit=transit_unit(by_code[lg.shipment].id)),
            )
            for lg in self.loggers
        )
        return replace(self, shipments=shipments, loggers=loggers)


@dataclass(frozen=True, slots=True)
class ShipmentItem:
    product: str  # the ledger's product code
    doses: int
    lot: str | None  # a lot number; None: the ledger picks (FEFO)


@dataclass(frozen=True, slots=True)
class Shipment:
    """A journey: what leaves ``origin`` for ``destination`` at ``dispatch_s`` (seconds from
    the scenario's start), expected ``lead_time_s`` later. ``id`` is the ledger's shipment
    id its loggers publish under (the file's ``id``, else its place in the file, unless
    the run gives the ledger's: ``Scenario.with_shipment_ids``)."""

    code: str
    id: int
    origin: str
    destination: str
    unit: str | None  # the origin's unit the doses leave from (None: the caller's choice)
    items: tuple[ShipmentItem, ...]
    dispatch_s: float
    lead_time_s: float

    @property
    def arrival_s(self) -> float:
        return self.dispatch_s + self.lead_time_s


@dataclass(frozen=True, slots=True)
class Logger:
    """A transport logger (a cold box's or a carrier's) riding ``shipment``: its sensor
    publishes on the transit unit at the origin, from the dispatch until the expected
    arrival, with what it holds uploaded then (its timeline, and its events', start at the
    dispatch). A journey still on the road when the span ends goes on live with the rest."""

    shipment: str
    sensor: SimulatedSensor
    start_s: float  # the dispatch, from the scenario's start
    end_s: float  # the expected arrival

    def messages(
        self, origin_s: float, duration_s: float, follow_interval_s: float | None
    ) -> Iterator[Message]:
        if self.start_s >= duration_s:
            return
        span = min(self.end_s, duration_s) - self.start_s
        follow = follow_interval_s if self.end_s > duration_s else None
        shift = self.start_s
        ride = self.sensor.messages(origin_s + shift, span, follow_interval_s=follow)
        for message in itertools.takewhile(lambda m: m.publish_s + shift <= self.end_s, ride):
            yield replace(message, publish_s=message.publish_s + shift)


def _keyed(i: int, messages: Iterator[Message]) -> Iterator[tuple[float, int, int, Message]]:
    for k, message in enumerate(messages):
        yield message.publish_s, i, k, message


def load(path: str | Path, *, reference: datetime | None = None) -> Scenario:
    """Read a scenario file (a bare name means one of ``simulators/scenarios/``)."""
    file = Path(path)
    if not file.suffix and not file.exists():
        file = SCENARIOS_DIR / f"{file}.toml"
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {file}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{file} is not valid TOML: {exc}") from exc
    try:
        return parse(doc, reference=reference)
    except ScenarioError as exc:
        raise ScenarioError(f"{file}: {exc}") from exc


def parse(doc: Mapping[str, Any], *, reference: datetime | None = None) -> Scenario:
    """Build a scenario from a parsed TOML document."""
    unknown = doc.keys() - SECTIONS
    if unknown:
        raise ScenarioError(f"unknown section {sorted(unknown)[0]!r}; known: {sorted(SECTIONS)}")
    head = _table(doc, "scenario")
    seed = _int(head.get("seed", 1), "scenario.seed")
    duration_s = duration(head.get("duration", "24h"), "scenario.duration")
    timezone = str(head.get("timezone", "UTC"))
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScenarioError(f"scenario.timezone {timezone!r} is not a known time zone") from exc
    offset = zone.utcoffset(reference or datetime.now(UTC))
    base_ambient = _ambient(_table(doc, "ambient"), Ambient(), "ambient")
    base_ambient = replace(base_ambient, utc_offset_s=offset.total_seconds() if offset else 0.0)
    base_sensor = _sensor_spec(_table(doc, "sensor"), SensorSpec(), "sensor")
    facilities = _facilities(doc)
    units, sensor_rows = _units(doc, facilities, base_ambient, base_sensor)
    events = _events(doc, {u.code for u in units}, {row[0] for row in sensor_rows})
    sensors = tuple(
        SimulatedSensor(
            facility=unit.facility,
            unit=unit.code,
            sensor=sensor_id,
            equipment=unit.equipment,
            seed=derived_seed(seed, sensor_id),
            spec=spec,
            events=events.get(unit.code, ()) + events.get(sensor_id, ()),
            ambient=ambient,
        )
        for sensor_id, unit, spec, ambient in sensor_rows
    )
    shipments = _shipments(doc, facilities, {u.code: u.facility for u in units}, duration_s)
    taken = {row[0] for row in sensor_rows}
    loggers = _loggers(doc, shipments, base_ambient, base_sensor, seed, taken)
    name = str(head.get("name", "scenario"))
    return Scenario(
        name,
        seed,
        duration_s,
        timezone,
        tuple(facilities),
        tuple(units),
        sensors,
        tuple(shipments),
        tuple(loggers),
    )


def duration(value: object, where: str) -> float:
    """``"10m"``, ``"1h30m"``, ``"7d"`` or a number of seconds."""
    if isinstance(value, bool):
        raise ScenarioError(f"{where} must be a duration like '10m' or a number of seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.replace(" ", "")
        parts = _DURATION.findall(text)
        if "".join(n + u for n, u in parts) != text:
            raise ScenarioError(f"{where} {value!r} is not a duration like '10m', '1h30m', '7d'")
        seconds = sum(float(n) * _UNITS_S[u] for n, u in parts)
    else:
        raise ScenarioError(f"{where} must be a duration like '10m' or a number of seconds")
    if seconds < 0:
        raise ScenarioError(f"{where} must not be negative")
    return seconds


# -- sections -------------------------------------------------------------------------------


def _facilities(doc: Mapping[str, Any]) -> list[Facility]:
    out: list[Facility] = []
    for i, row in enumerate(_list(doc, "facilities")):
        where = f"facilities[{i}]"
        code = _str(row, "code", where)
        out.append(
            Facility(
                code,
                str(row.get("name", code)),
                _str(row, "level", where),
                str(row["parent"]) if row.get("parent") is not None else None,
            )
        )
    levels: dict[str, list[Facility]] = {}
    for i, row in enumerate(_list(doc, "generate")):
        where = f"generate[{i}]"
        level = _str(row, "level", where)
        count = _int(row.get("count"), f"{where}.count")
        if "under" in row:
            parents = [str(row["under"])]
        elif "under_level" in row:
            parents = [f.code for f in levels.get(str(row["under_level"]), [])]
            if not parents:
                raise ScenarioError(f"{where}.under_level names no level generated before it")
        else:
            raise ScenarioError(f"{where} needs 'under' (a facility) or 'under_level'")
        code_t = str(row.get("code", "{parent}-{n}"))
        name_t = str(row.get("name", "{code}"))
        width = len(str(count))
        made = levels.setdefault(level, [])
        for parent in parents:
            for n in range(1, count + 1):
                number = str(n).zfill(width)
                code = code_t.format(parent=parent, n=number)
                made.append(Facility(code, name_t.format(code=code, n=number), level, parent))
        out.extend(made[len(made) - len(parents) * count :])
    seen: set[str] = set()
    for f in out:
        if f.code in seen:
            raise ScenarioError(f"facility {f.code!r} appears twice")
        seen.add(f.code)
    for f in out:
        if f.parent is not None and f.parent not in seen:
            raise ScenarioError(f"facility {f.code!r} has parent {f.parent!r}, which is not listed")
    return out


SensorRow = tuple[str, Unit, SensorSpec, Ambient]


def _units(
    doc: Mapping[str, Any], facilities: list[Facility], ambient: Ambient, spec: SensorSpec
) -> tuple[list[Unit], list[SensorRow]]:
    by_level: dict[str, list[str]] = {}
    for f in facilities:
        by_level.setdefault(f.level, []).append(f.code)
    rows: list[tuple[str, dict[str, Any], str]] = []
    for i, row in enumerate(_list(doc, "units")):
        where = f"units[{i}]"
        if "level" in row:  # one unit per facility of a level: code "{facility}-{suffix}"
            level = str(row["level"])
            if level not in by_level:
                raise ScenarioError(f"{where}.level {level!r} has no facilities")
            suffix = _str(row, "suffix", where)
            rows += [(f"{c}-{suffix}", dict(row, facility=c), where) for c in by_level[level]]
        else:
            rows.append((_str(row, "code", where), row, where))
    codes = {f.code for f in facilities}
    units: list[Unit] = []
    sensors: list[SensorRow] = []
    seen_units: set[str] = set()
    seen_sensors: set[str] = set()
    for code, row, where in rows:
        facility = _str(row, "facility", where)
        if facility not in codes:
            raise ScenarioError(f"{where}: facility {facility!r} is not in the tree")
        preset = _str(row, "preset", where)
        if preset not in PRESETS:
            raise ScenarioError(f"{where}: unknown preset {preset!r}; known: {sorted(PRESETS)}")
        equipment = PRESETS[preset]
        unit = Unit(
            code,
            facility,
            equipment,
            str(row.get("kind", equipment.unit_kind)),
            str(row.get("profile", equipment.profile)),
        )
        if code in seen_units:
            raise ScenarioError(f"unit {code!r} appears twice")
        seen_units.add(code)
        units.append(unit)
        unit_ambient = _ambient(row.get("ambient", {}), ambient, f"{where}.ambient")
        unit_spec = _sensor_spec(row.get("sensor", {}), spec, f"{where}.sensor")
        for sensor_id in row.get("sensors", [f"S-{code}"]):
            if sensor_id in seen_sensors:
                raise ScenarioError(f"sensor {sensor_id!r} appears twice")
            seen_sensors.add(sensor_id)
            sensors.append((str(sensor_id), unit, unit_spec, unit_ambient))
    return units, sensors


def _events(
    doc: Mapping[str, Any], units: set[str], sensors: set[str]
) -> dict[str, tuple[ev.Event, ...]]:
    out: dict[str, list[ev.Event]] = {}
    for i, row in enumerate(_list(doc, "events")):
        where = f"events[{i}]"
        kind = _str(row, "kind", where)
        if kind not in ev.KINDS:
            raise ScenarioError(f"{where}: unknown event {kind!r}; known: {sorted(ev.KINDS)}")
        target_key = "sensor" if kind in ev.SENSOR_EVENTS else "unit"
        target = _str(row, target_key, where)
        if target not in (sensors if target_key == "sensor" else units):
            raise ScenarioError(f"{where}: {target_key} {target!r} is not in the scenario")
        start = duration(row.get("at", 0), f"{where}.at")
        lasts = 0.0 if kind in ev.INSTANT else duration(row.get("for"), f"{where}.for")
        end = start + lasts
        try:
            out.setdefault(target, []).append(ev.Event(kind, start, end))
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from exc
    return {k: tuple(v) for k, v in out.items()}


def _shipments(
    doc: Mapping[str, Any], facilities: list[Facility], units: Mapping[str, str], duration_s: float
) -> list[Shipment]:
    codes = {f.code for f in facilities}
    out: list[Shipment] = []
    for i, row in enumerate(_list(doc, "shipments")):
        where = f"shipments[{i}]"
        _known_keys(row, _SHIPMENT_KEYS, where)
        code = _str(row, "code", where)
        if any(s.code == code for s in out):
            raise ScenarioError(f"shipment {code!r} appears twice")
        shipment_id = _int(row.get("id", i + 1), f"{where}.id")
        if shipment_id < 1:
            raise ScenarioError(f"{where}.id must be a whole number >= 1")
        origin, destination = _str(row, "origin", where), _str(row, "destination", where)
        for key, facility in (("origin", origin), ("destination", destination)):
            if facility not in codes:
                raise ScenarioError(f"{where}.{key}: facility {facility!r} is not in the tree")
        if origin == destination:
            raise ScenarioError(f"{where}: origin and destination are both {origin!r}")
        unit = row.get("unit")
        if unit is not None:
            unit = _str(row, "unit", where)
            if units.get(unit) != origin:
                raise ScenarioError(f"{where}.unit {unit!r} is not a unit of {origin!r}")
        dispatch_s = duration(row.get("dispatch_at"), f"{where}.dispatch_at")
        if dispatch_s >= duration_s:
            raise ScenarioError(f"{where}.dispatch_at must fall within the scenario's duration")
        lead_time_s = duration(row.get("lead_time"), f"{where}.lead_time")
        if lead_time_s <= 0:
            raise ScenarioError(f"{where}.lead_time must be longer than nothing")
        out.append(
            Shipment(
                code,
                shipment_id,
                origin,
                destination,
                unit,
                _items(row.get("items"), f"{where}.items"),
                dispatch_s,
                lead_time_s,
            )
        )
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        raise ScenarioError("two shipments have the same id")
    return out


def _items(value: object, where: str) -> tuple[ShipmentItem, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise ScenarioError(f"{where} must be a non-empty list of {{ product, doses, lot? }}")
    items: list[ShipmentItem] = []
    for j, row in enumerate(value):
        at = f"{where}[{j}]"
        _known_keys(row, _ITEM_KEYS, at)
        doses = _int(row.get("doses"), f"{at}.doses")
        if doses < 1:
            raise ScenarioError(f"{at}.doses must be at least 1")
        lot = _str(row, "lot", at) if "lot" in row else None
        items.append(ShipmentItem(_str(row, "product", at), doses, lot))
    return tuple(items)


def _loggers(
    doc: Mapping[str, Any],
    shipments: list[Shipment],
    ambient: Ambient,
    spec: SensorSpec,
    seed: int,
    taken: set[str],
) -> list[Logger]:
    by_code = {s.code: s for s in shipments}
    containers = sorted(name for name, e in PRESETS.items() if e.unit_kind == "cold_box")
    base_spec = replace(spec, interval_s=min(spec.interval_s, LOGGER_INTERVAL_S))
    out: list[Logger] = []
    for i, row in enumerate(_list(doc, "loggers")):
        where = f"loggers[{i}]"
        _known_keys(row, _LOGGER_KEYS, where)
        sensor_id = _str(row, "id", where)
        if sensor_id in taken:
            raise ScenarioError(f"sensor {sensor_id!r} appears twice")
        taken.add(sensor_id)
        code = _str(row, "shipment", where)
        shipment = by_code.get(code)
        if shipment is None:
            raise ScenarioError(f"{where}.shipment {code!r} is not in [[shipments]]")
        preset = _str(row, "preset", where)
        if preset not in containers:
            raise ScenarioError(
                f"{where}: preset {preset!r} is not a transport container; known: {containers}"
            )
        logger_spec = _sensor_spec(row.get("sensor", {}), base_spec, f"{where}.sensor")
        if logger_spec.interval_s > 1800:
            raise ScenarioError(
                f"{where}.sensor.interval: a transport logger reads every 30 min or less"
            )
        sensor = SimulatedSensor(
            facility=shipment.origin,
            unit=transit_unit(shipment.id),
            sensor=sensor_id,
            equipment=PRESETS[preset],
            seed=derived_seed(seed, sensor_id),
            spec=logger_spec,
            events=_logger_events(row.get("events", []), f"{where}.events"),
            ambient=_ambient(row.get("ambient", {}), ambient, f"{where}.ambient"),
        )
        out.append(Logger(code, sensor, shipment.dispatch_s, shipment.arrival_s))
    return out


def _logger_events(value: object, where: str) -> tuple[ev.Event, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ScenarioError(f"{where} must be a list of {{ kind, at, for }}")
    out: list[ev.Event] = []
    for j, row in enumerate(value):
        at = f"{where}[{j}]"
        _known_keys(row, _LOGGER_EVENT_KEYS, at)
        kind = _str(row, "kind", at)
        if kind not in ev.KINDS:
            raise ScenarioError(f"{at}: unknown event {kind!r}; known: {sorted(ev.KINDS)}")
        start = duration(row.get("at", 0), f"{at}.at")
        end = start if kind in ev.INSTANT else start + duration(row.get("for"), f"{at}.for")
        try:
            out.append(ev.Event(kind, start, end))
        except ValueError as exc:
            raise ScenarioError(f"{at}: {exc}") from exc
    return tuple(out)


def _known_keys(row: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = row.keys() - known
    if unknown:
        raise ScenarioError(f"{where}: unknown key {sorted(unknown)[0]!r}; known: {sorted(known)}")


def _ambient(row: object, base: Ambient, where: str) -> Ambient:
    table = _as_table(row, where)
    unknown = table.keys() - _AMBIENT_KEYS.keys()
    if unknown:
        raise ScenarioError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    values = {_AMBIENT_KEYS[k]: _float(v, f"{where}.{k}") for k, v in table.items()}
    return replace(base, **values)


def _sensor_spec(row: object, base: SensorSpec, where: str) -> SensorSpec:
    table = _as_table(row, where)
    unknown = table.keys() - _SENSOR_KEYS.keys()
    if unknown:
        raise ScenarioError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = _SENSOR_KEYS[key]
        if key == "clock_offset":  # the one signed duration: a clock behind is negative
            values[name] = _signed_duration(value, f"{where}.{key}")
        elif key in _DURATION_KEYS:
            values[name] = duration(value, f"{where}.{key}")
        elif key == "per_message":
            values[name] = _int(value, f"{where}.{key}")
        else:
            values[name] = _float(value, f"{where}.{key}")
    try:
        return replace(base, **values)
    except ValueError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc


def _signed_duration(value: object, where: str) -> float:
    if isinstance(value, str) and value.strip().startswith("-"):
        return -duration(value.strip()[1:], where)
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return float(value)
    return duration(value, where)


# -- small readers ----------------------------------------------------------------------------


def _as_table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where} must be a table")
    return value


def _table(doc: Mapping[str, Any], key: str) -> dict[str, Any]:
    return _as_table(doc.get(key, {}), key)


def _list(doc: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ScenarioError(f"{key} must be an array of tables ([[{key}]])")
    return value


def _str(row: Mapping[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{where}.{key} is missing (a non-empty string)")
    return value


def _int(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ScenarioError(f"{where} must be a whole number >= 0")
    return value


def _float(value: object, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ScenarioError(f"{where} must be a number")
    return float(value)
