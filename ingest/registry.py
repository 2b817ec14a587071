"""The sensor registry: which storage unit a sensor measured at a given device time.

A sensor is bound to a storage unit (and its facility) for intervals [valid_from, valid_to):
sensors get moved and replaced, so the binding in force at a reading's *device* time decides
the unit a reading belongs to, never the topic it arrived on.

Invariants: the bindings of one sensor never overlap (``bind_sensor`` closes the open one
when a sensor moves and refuses anything else that overlaps); the hot path never queries
SQL per message — it reads an immutable ``RegistrySnapshot`` that ``SensorDirectory``
replaces periodically and, at most every few seconds, when it meets a sensor it does not know.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ingest.errors import BindingConflict, SensorAlreadyRegistered, SensorNotFound
from ingest.models import SensorBindingRow, SensorRow

log = logging.getLogger(__name__)

DEFAULT_REPORTING_INTERVAL_S = 600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ns(moment: datetime) -> int:
    """Nanoseconds since the Unix epoch of an aware datetime (exact, no float)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


@dataclass(frozen=True, slots=True)
class Binding:
    facility: str
    unit: str
    valid_from_ns: int
    valid_to_ns: int | None  # None: still bound

    def covers(self, t_ns: int) -> bool:
        return self.valid_from_ns <= t_ns and (self.valid_to_ns is None or t_ns < self.valid_to_ns)


@dataclass(frozen=True, slots=True)
class SensorInfo:
    sensor_id: str
    reporting_interval_s: int
    bindings: tuple[Binding, ...]  # sorted by valid_from, newest last

    def binding_at(self, t_ns: int) -> Binding | None:
        """The binding in force at device time ``t_ns`` (newest first: the usual case)."""
        for binding in reversed(self.bindings):
            if binding.covers(t_ns):
                return binding
        return None


@dataclass(frozen=True, slots=True)
class RegistrySnapshot:
    sensors: Mapping[str, SensorInfo]


EMPTY_SNAPSHOT = RegistrySnapshot(sensors={})


class SensorDirectory:
    """The hot path's view of the registry: an in-memory snapshot, refreshed in the background
    of the pipeline loop (``maybe_refresh``) and on a miss (rate-limited)."""

    def __init__(
        self,
        load: Callable[[], RegistrySnapshot],
        *,
        refresh_s: float = 60.0,
        miss_refresh_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._refresh_s = refresh_s
        self._miss_refresh_s = miss_refresh_s
        self._clock = clock
        self._snapshot = EMPTY_SNAPSHOT
        self._loaded_at = float("-inf")

    @property
    def snapshot(self) -> RegistrySnapshot:
        return self._snapshot

    def refresh(self) -> bool:
        """Reload now; on failure keep serving the last snapshot (and say so in the log)."""
        self._loaded_at = self._clock()
        try:
            self._snapshot = self._load()
        except Exception:
            log.exception("sensor registry refresh failed; keeping the previous snapshot")
            return False
        return True

    def maybe_refresh(self) -> None:
        if self._clock() - self._loaded_at >= self._refresh_s:
            self.refresh()

    def sensor(self, sensor_id: str) -> SensorInfo | None:
        info = self._snapshot.sensors.get(sensor_id)
        if info is None and self._clock() - self._loaded_at >= self._miss_refresh_s:
            self.refresh()
            info = self._snapshot.sensors.get(sensor_id)
        return info


def with_bindings(
    snapshot: RegistrySnapshot, extra: Mapping[str, tuple[int, tuple[Binding, ...]]]
) -> RegistrySnapshot:
    """``snapshot`` with more bindings per sensor (``sensor -> (interval, bindings)``): the
    journeys of loggers attached to shipments, which the composition root reads from the
    ledger. A sensor not registered here gets the given interval; a registered one keeps
    its own. Where windows overlap, the binding that began last wins (``binding_at``)."""
    if not extra:
        return snapshot
    sensors = dict(snapshot.sensors)
    for sensor_id, (interval, bindings) in extra.items():
        known = sensors.get(sensor_id)
        merged = sorted(
            (*(known.bindings if known else ()), *bindings), key=lambda b: b.valid_from_ns
        )
        sensors[sensor_id] = SensorInfo(
            sensor_id, known.reporting_interval_s if known else interval, tuple(merged)
        )
    return RegistrySnapshot(sensors=sensors)


def static_directory(snapshot: RegistrySnapshot) -> SensorDirectory:
    """A directory that never reloads (tests, benchmarks)."""
    directory = SensorDirectory(lambda: snapshot, refresh_s=float("inf"))
    directory.refresh()
    return directory


# --- services: one use case, one function, one transaction ---


def load_snapshot(engine: Engine) -> RegistrySnapshot:
    """Every sensor with its bindings, as the hot path needs them."""
    with Session(engine) as session:
        sensors = session.scalars(select(SensorRow)).all()
        rows = session.scalars(
            select(SensorBindingRow).order_by(
                SensorBindingRow.sensor_id, SensorBindingRow.valid_from
            )
        ).all()
    bindings: dict[str, list[Binding]] = {}
    for row in rows:
        bindings.setdefault(row.sensor_id, []).append(
            Binding(
                facility=row.facility_code,
                unit=row.unit_code,
                valid_from_ns=to_ns(row.valid_from),
                valid_to_ns=None if row.valid_to is None else to_ns(row.valid_to),
            )
        )
    return RegistrySnapshot(
        sensors={
            s.sensor_id: SensorInfo(
                s.sensor_id, s.reporting_interval_s, tuple(bindings.get(s.sensor_id, ()))
            )
            for s in sensors
        }
    )


def register_sensor(
    engine: Engine,
    sensor_id: str,
    *,
    reporting_interval_s: int = DEFAULT_REPORTING_INTERVAL_S,
    now: datetime | None = None,
) -> None:
    if reporting_interval_s <= 0:
        raise ValueError("reporting_interval_s must be positive")
    with Session(engine) as session, session.begin():
        if session.get(SensorRow, sensor_id) is not None:
            raise SensorAlreadyRegistered(sensor_id)
        session.add(
            SensorRow(
                sensor_id=sensor_id,
                reporting_interval_s=reporting_interval_s,
                created_at=now or datetime.now(UTC),
            )
        )


def bind_sensor(
    engine: Engine,
    sensor_id: str,
    *,
    facility: str,
    unit: str,
    valid_from: datetime,
    valid_to: datetime | None = None,
) -> None:
    """Bind a sensor to a unit from ``valid_from``; a sensor still bound elsewhere is moved
    (its open binding ends at ``valid_from``). Any other overlap is a ``BindingConflict``."""
    if valid_to is not None and valid_to <= valid_from:
        raise BindingConflict("valid_to must be after valid_from")
    with Session(engine) as session, session.begin():
        if session.get(SensorRow, sensor_id) is None:
            raise SensorNotFound(sensor_id)
        for row in _bindings_of(session, sensor_id):
            if row.valid_to is None and row.valid_from < valid_from:
                row.valid_to = valid_from  # the move: the old binding ends where this begins
            elif _overlaps(row.valid_from, row.valid_to, valid_from, valid_to):
                raise BindingConflict(
                    f"sensor {sensor_id!r} is bound to {row.facility_code}/{row.unit_code} "
                    f"from {row.valid_from.isoformat()}"
                    f" to {row.valid_to.isoformat() if row.valid_to else 'now'}"
                )
        session.add(
            SensorBindingRow(
                sensor_id=sensor_id,
                facility_code=facility,
                unit_code=unit,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )


def unbind_sensor(engine: Engine, sensor_id: str, *, at: datetime) -> None:
    """End the sensor's open binding at ``at`` (taken out of service, or removed)."""
    with Session(engine) as session, session.begin():
        if session.get(SensorRow, sensor_id) is None:
            raise SensorNotFound(sensor_id)
        open_rows = [r for r in _bindings_of(session, sensor_id) if r.valid_to is None]
        if not open_rows:
            raise BindingConflict(f"sensor {sensor_id!r} is not bound")
        row = open_rows[0]
        if at <= row.valid_from:
            raise BindingConflict("a binding cannot end before it starts")
        row.valid_to = at


def _bindings_of(session: Session, sensor_id: str) -> list[SensorBindingRow]:
    return list(
        session.scalars(select(SensorBindingRow).where(SensorBindingRow.sensor_id == sensor_id))
    )


def _overlaps(
    a_from: datetime, a_to: datetime | None, b_from: datetime, b_to: datetime | None
) -> bool:
    return (b_to is None or a_from < b_to) and (a_to is None or b_from < a_to)
