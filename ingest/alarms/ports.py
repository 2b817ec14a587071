"""The ports of the alarms package: what the composition root must provide to it.

``ingest`` imports nothing of ``inventory`` (style: the rooms). The ledger, the unit
directory and the notification channels reach this package only through these protocols,
which ``coldchain/wiring.py`` implements. The value types here are frozen and hold only
``str``/``int``/``float``/``bool``/``date``/aware UTC ``datetime`` values so that a notifier
can serialise them as they are (``dataclasses.asdict``).

Invariants the implementations must keep:
- ``LedgerPort.exposure`` answers from the ledger's storage *history* (rule 20): the lots
  that were in the unit at some moment of [start, end), not the stock that is there now.
- ``LedgerPort.quarantine_exposed`` holds every lot of the request in one transaction and is
  idempotent by ``reference`` (an episode, alarm or freeze-exposure key): calling it again
  with the same reference changes nothing; a lot already quarantined stays so.
- ``Notifier.notify`` never blocks and never raises into the caller: it enqueues.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from ingest.detect.rules import Rule
from ingest.readings import Reading

SENSOR_OFFLINE = "SENSOR_OFFLINE"  # the alarm type of a silent sensor (not a detector rule)


@dataclass(frozen=True, slots=True)
class ExposedLot:
    """One lot that was in a storage unit during (part of) a window.

    ``doses`` counts every dose of the lot that was in the unit at some moment of the window
    (the balance at ``present_from`` plus the doses that arrived during the window), an int.
    ``present_from``/``present_to`` are the part of the window the lot spent in the unit.
    """

    lot_id: int
    product: str  # product code
    lot_number: str
    expiry: date
    doses: int
    freeze_sensitive: bool
    present_from: datetime
    present_to: datetime


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """What detection needs to know about a storage unit (by its code)."""

    facility: str  # facility code
    profile: str  # "2-8" | "freezer" | "ultracold"
    time_zone: str  # IANA name of the facility's time zone (local day of the summaries)
    reporting_interval_s: int = 600
    rules: tuple[Rule, ...] | None = None  # None: the profile's default rules


class NoticeKind(StrEnum):
    RAISED = "raised"
    RENOTIFIED = "renotified"
    ESCALATED = "escalated"
    CLEARED = "cleared"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True, slots=True)
class AlarmNotice:
    """One thing to tell people about an alarm. ``notice_id`` is stable for the same fact
    (``"{kind}:{key}"`` for raised/cleared, ``"escalated:{key}:{level}"``,
    ``"renotified:{key}:{occurred_at ISO}"``, ``"acknowledged:{key}:{acknowledgement id}"``):
    receivers may de-duplicate on it.

    ``notify_facilities`` are the facility codes to notify at ``escalation_level``: the
    alarm's facility and every level of its escalation chain up to that level (level 0: the
    facility alone; 1: + its parent (county); 2: + city; 3: + province).
    """

    notice_id: str
    kind: NoticeKind
    alarm_id: int
    key: str  # the alarm's unique key
    rule_id: str  # the detector rule id, or SENSOR_OFFLINE
    severity: str  # "warning" | "alarm"
    facility: str
    unit: str | None  # None: a facility alarm (no storage unit)
    sensor: str | None  # the silent sensor of a SENSOR_OFFLINE alarm, else None
    started_at: datetime  # device time the condition began (the run start / last seen)
    fired_at: datetime  # device time the alarm fired (raised_at)
    occurred_at: datetime  # when this notice's fact happened (fired, cleared, wall clock …)
    peak_c: float | None  # hottest/coldest reading counted; None for SENSOR_OFFLINE
    escalation_level: int
    notify_facilities: tuple[str, ...]
    exposed_lots: tuple[ExposedLot, ...]  # () when none or not known yet
    exposed_doses: int  # sum of exposed_lots' doses
    message: str  # one human sentence, ready for an e-mail subject or an SMS
    cleared_at: datetime | None = None
    acknowledged_by: str | None = None
    comment: str | None = None  # the acknowledgement comment (kind ACKNOWLEDGED)
    steps: tuple[str, ...] = ()  # a facility alarm's "what to do now" (unit alarms: none)


@dataclass(frozen=True, slots=True)
class QuarantineRequest:
    """Quarantine the exposed lots in the unit ("do not use"), citing the excursion.

    ``reference`` is a detector key (``{facility}/{unit}/{rule}/{start ns}``: the alarm's, the
    episode's, or the episode's freeze exposure): the ledger parses it into its own typed
    reference, records it on the quarantine and is idempotent on it.
    """

    unit_code: str
    reference: str
    lots: tuple[ExposedLot, ...]
    reason: str


class LedgerPort(Protocol):
    def exposure(self, unit_code: str, start: datetime, end: datetime) -> list[ExposedLot]:
        """The lots and doses that were in the unit during [start, end) (storage history)."""
        ...

    def quarantine_exposed(self, request: QuarantineRequest) -> None:
        """Quarantine the request's lots in its unit, all in one transaction; idempotent by
        ``request.reference`` (a second call adds nothing). An unknown unit: nothing."""
        ...


class UnitDirectory(Protocol):
    def unit(self, unit_code: str) -> UnitInfo | None:
        """The unit's facility, profile, time zone and reporting interval; None if unknown."""
        ...

    def units_of(self, unit_codes: Collection[str]) -> dict[str, UnitInfo | None]:
        """``unit`` of each code, resolved together (one lookup for a batch of new units)."""
        ...

    def escalation_chain(self, facility_code: str) -> list[str]:
        """``facility_code`` first, then its ancestors up to the root: clinic → county →
        city → province. Unknown facility: ``[facility_code]``."""
        ...


class Notifier(Protocol):
    def notify(self, notice: AlarmNotice) -> None:
        """Enqueue the notice for every channel; must not block and must not raise."""
        ...


class ReadingSource(Protocol):
    """Raw readings of a unit from the telemetry store (``ingest.queries``'s readers have it:
    ``EmbeddedTelemetryReader.raw_readings``, ``InfluxQLTelemetryReader.raw_readings``)."""

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]:
        """Readings of ``unit`` with start <= device time < end, by (device time, sensor)."""
        ...

    def raw_readings_of(
        self, units: Sequence[str], *, start: datetime, end: datetime
    ) -> list[Reading]:
        """``raw_readings`` of several units in one query, by (device time, sensor)."""
        ...
