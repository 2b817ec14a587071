"""The transport record of a shipment (domain rule 27): ``api.transport_records`` over the
ledger (journey, loggers, holds), telemetry (the readings filed under the transit unit)
and the alarms (episodes and alarms of the transit unit).

Data flow: ``inventory.queries.get_shipment`` + ``transit_places`` + ``shipment_loggers`` →
the leg ``[dispatched_at, received_at or refused_at or until)`` (``leg="return"``:
``[refused_at, returned_at or until)``) → ``TelemetryReader.raw_readings(transit
unit, journey)`` → ``ingest.detect.coverage.journey_coverage`` (interval: the loggers'
shortest; tolerance: the settings) → ``AlarmQueries.alarms/episodes(unit=…)``.

Invariants: only translation and assembly here (no SQL, no rule); a shipment not yet
dispatched has no record (``InvalidState``, 409); a shipment without a logger has a record
that does not cover its journey.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from api.transport_records import (
    Leg,
    RecordAlarm,
    RecordExcursion,
    RecordGap,
    RecordHold,
    RecordLogger,
    TransportRecord,
)
from ingest.alarms.queries import AlarmQueries
from ingest.detect.coverage import CoverageTolerance, journey_coverage
from ingest.detect.profiles import get_profile
from ingest.queries import TelemetryReader
from inventory import queries
from inventory.errors import InvalidState, NotFound
from inventory.unit_of_work import UnitOfWork
from kit.clock import utc_now

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


def _ns(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _at(ns: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ns // 1_000)


class LedgerTransportRecords:
    """``api.transport_records.TransportRecords`` over the ledger, telemetry and alarms."""

    def __init__(
        self,
        ledger: UnitOfWork,
        telemetry: TelemetryReader,
        alarms: AlarmQueries,
        tolerance: CoverageTolerance = CoverageTolerance(),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._ledger = ledger
        self._telemetry = telemetry
        self._alarms = alarms
        self._tolerance = tolerance
        self._clock = clock

    def for_shipment(
        self, shipment_id: int, until: datetime | None = None, leg: Leg = "outbound"
    ) -> TransportRecord:
        shipment = queries.get_shipment(self._ledger, shipment_id)
        place = queries.transit_places(self._ledger, [shipment_id]).get(shipment_id)
        if place is None:  # pragma: no cover - get_shipment found it
            raise NotFound(f"shipment {shipment_id} does not exist")
        if shipment.dispatched_at is None:
            raise InvalidState(f"shipment {shipment_id} is {shipment.status}: no journey yet")
        if leg == "return":
            if shipment.refused_at is None:
                raise InvalidState(
                    f"shipment {shipment_id} is {shipment.status}: it was not refused, so it "
                    "has no journey back"
                )
            start = shipment.refused_at
            end = shipment.returned_at or until or self._clock()
        else:
            start = shipment.dispatched_at
            end = shipment.received_at or shipment.refused_at or until or self._clock()
        end = max(end, start + _TICK)
        loggers = queries.shipment_loggers(self._ledger, shipment_id)
        interval = min((lg.reporting_interval_s for lg in loggers), default=300)
        readings = self._telemetry.raw_readings(place.unit, start=start, end=end)
        profile = get_profile(place.profile)
        coverage = journey_coverage(
            [r.device_time_ns for r in readings],
            [r.temperature_c for r in readings],
            _ns(start),
            _ns(end),
            interval,
            profile,
            self._tolerance,
        )
        issues = coverage.issues
        if not loggers:
            issues = (("no_logger", None), *issues)
        # the leg's own: an excursion belongs to the leg on which it began
        since = start if leg == "return" else None  # the outbound leg has all before its end

        def on_leg(began: datetime) -> bool:
            return began < end and (since is None or began >= since)

        alarms = [
            a for a in self._alarms.alarms(unit=place.unit, limit=1000) if on_leg(a.started_at)
        ]
        episodes = [
            e for e in self._alarms.episodes(unit=place.unit, limit=1000) if on_leg(e.start_at)
        ]
        holds = queries.shipment_holds(self._ledger, shipment_id)
        return TransportRecord(
            shipment_id=shipment_id,
            status=shipment.status,
            unit=place.unit,
            profile=profile.name,
            range_low_c=profile.low_c,
            range_high_c=profile.high_c,
            dispatched_at=start,
            arrived_at=end,
            loggers=tuple(
                RecordLogger(lg.sensor_id, lg.reporting_interval_s, lg.attached_at, lg.detached_at)
                for lg in loggers
            ),
            reading_count=coverage.reading_count,
            first_reading_at=None if coverage.first_ns is None else _at(coverage.first_ns),
            last_reading_at=None if coverage.last_ns is None else _at(coverage.last_ns),
            start_late_minutes=coverage.start_late_minutes,
            end_early_minutes=coverage.end_early_minutes,
            gaps=tuple(RecordGap(_at(g.start_ns), _at(g.end_ns), g.minutes) for g in coverage.gaps),
            min_c=coverage.min_c,
            max_c=coverage.max_c,
            mean_c=coverage.mean_c,
            minutes_above=coverage.minutes_above,
            minutes_below=coverage.minutes_below,
            unknown_minutes=coverage.unknown_minutes,
            mkt_c=coverage.mkt_c,
            issues=issues,
            alarms=tuple(
                RecordAlarm(
                    a.key,
                    a.type,
                    a.severity,
                    a.state,
                    a.started_at,
                    a.raised_at,
                    a.cleared_at,
                    a.peak_c,
                )
                for a in sorted(alarms, key=lambda a: (a.raised_at, a.id))
            ),
            excursions=tuple(
                RecordExcursion(
                    e.key,
                    e.direction,
                    e.start_at,
                    e.end_at,
                    e.min_c,
                    e.max_c,
                    e.minutes_above,
                    e.minutes_below,
                    e.mkt_c,
                )
                for e in sorted(episodes, key=lambda e: (e.start_at, e.id))
            ),
            holds=tuple(
                RecordHold(h.lot_id, h.lot_number, h.reference, h.requested_at) for h in holds
            ),
            leg=leg,
        )
