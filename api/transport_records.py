"""A shipment's transport record (domain rule 27): what the receiver reads before deciding.

The ledger knows the journey (dispatch, arrival, the loggers on it), telemetry its readings
and the alarms package its episodes and alarms; neither imports the other, so the record is
assembled by the composition root (``coldchain.transport_record``), and the routes and
pages ask ``ApiDeps.transport_records``, any object with ``for_shipment(shipment_id,
until, leg)``, through ``record_of`` and ``record_covers``. A refused shipment has two
legs: out to the receiver until the refusal, and back to the sender until its receipt
there; the loggers stay on for both.

Invariant: ``covers`` is False whenever the readings do not show the whole journey (no
logger, no reading, a late first or early last reading, a long silence), and ``problems``
says why in plain words; a receipt that accepts such a record needs a supervisor's override.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from ingest.detect.coverage import Issue, describe
from ingest.queries import TelemetryUnavailable
from inventory import queries

if TYPE_CHECKING:
    from api.deps import ApiDeps


@dataclass(frozen=True, slots=True)
class RecordLogger:
    sensor_id: str
    reporting_interval_s: int
    attached_at: datetime
    detached_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecordGap:
    start: datetime
    end: datetime
    minutes: float


@dataclass(frozen=True, slots=True)
class RecordAlarm:
    key: str
    type: str
    severity: str
    state: str  # raised | cleared
    started_at: datetime
    raised_at: datetime
    cleared_at: datetime | None
    peak_c: float | None


@dataclass(frozen=True, slots=True)
class RecordExcursion:
    key: str
    direction: str  # above | below
    start: datetime
    end: datetime | None  # None: still open
    min_c: float | None
    max_c: float | None
    minutes_above: float | None
    minutes_below: float | None
    mkt_c: float | None


@dataclass(frozen=True, slots=True)
class RecordHold:
    lot_id: int
    lot_number: str
    reference: str  # the excursion that asked for it
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class TransportRecord:
    shipment_id: int
    status: str
    unit: str  # the journey's transit unit code (telemetry files its readings under it)
    profile: str
    range_low_c: float
    range_high_c: float
    dispatched_at: datetime
    arrived_at: datetime  # the receipt, or the time asked for (now) while on the road
    loggers: tuple[RecordLogger, ...]
    reading_count: int
    first_reading_at: datetime | None
    last_reading_at: datetime | None
    start_late_minutes: float | None
    end_early_minutes: float | None
    gaps: tuple[RecordGap, ...]
    min_c: float | None
    max_c: float | None
    mean_c: float | None
    minutes_above: float
    minutes_below: float
    unknown_minutes: float
    mkt_c: float | None
    # why the readings do not cover the journey, as (code, minutes): no_logger, no_reading,
    # start_late, end_early, silence (``ingest.detect.coverage``); none when they do
    issues: tuple[Issue, ...]
    alarms: tuple[RecordAlarm, ...]
    excursions: tuple[RecordExcursion, ...]
    holds: tuple[RecordHold, ...]
    leg: Leg = "outbound"

    @property
    def covers(self) -> bool:
        return not self.issues

    @property
    def problems(self) -> tuple[str, ...]:
        """The issues in plain English (the API's and the CLI's words)."""
        return tuple(describe(issue) for issue in self.issues)


Leg = Literal["outbound", "return"]


class TransportRecords(Protocol):
    def for_shipment(
        self, shipment_id: int, until: datetime | None = None, leg: Leg = "outbound"
    ) -> TransportRecord:
        """The record of the shipment's journey from dispatch to its receipt or refusal (or
        to ``until``, default now, while it is on the road); with ``leg="return"``, of a
        refused shipment's journey back, from the refusal to the sender's receipt of it."""
        ...


def record_of(
    deps: ApiDeps, shipment_id: int, until: datetime | None, leg: Leg = "outbound"
) -> TransportRecord:
    if until is not None:
        deps.window.check_instant("until", until)
    if deps.transport_records is None:
        raise TelemetryUnavailable("no telemetry store is configured: no transport record")
    return deps.transport_records.for_shipment(shipment_id, until, leg)


def record_covers(deps: ApiDeps, shipment_id: int, until: datetime | None) -> bool | None:
    """Whether the record covers the journey to ``until``; None when the shipment carried
    no logger or no record can be read (nothing to check). With a transport record required
    (``ApiDeps.transport_record_required``), a shipment that carried no logger has no
    record: False, so accepting it needs the same supervisor's override."""
    if not queries.shipment_loggers(deps.inventory_uow(), shipment_id):
        return False if deps.transport_record_required else None
    if deps.transport_records is None:
        return None
    return record_of(deps, shipment_id, until).covers
