"""What the read side returns: frozen views of alarms, acknowledgements, episodes, unit
status and daily summaries, and the mapping from stored rows to them (pure).

Times are aware UTC ``datetime``s; doses are ints; ``exposed_lots`` is None while the
ledger has not answered yet and ``()`` when nothing was exposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ingest.alarms.ports import SENSOR_OFFLINE, ExposedLot
from ingest.alarms.records import lots_from_json
from ingest.models import AlarmAcknowledgementRow, AlarmRow, ExcursionEpisodeRow
from ingest.queries import LatestReading


@dataclass(frozen=True, slots=True)
class AlarmView:
    id: int
    key: str
    type: str  # rule id or SENSOR_OFFLINE
    severity: str  # warning | alarm
    state: str  # raised | cleared
    facility: str
    unit: str | None  # None: a facility alarm of the programme's routine
    sensor: str | None
    episode_key: str | None
    started_at: datetime
    raised_at: datetime  # device time that fired
    recorded_at: datetime
    cleared_at: datetime | None
    peak_c: float | None
    unknown_minutes: float | None
    rule: dict[str, Any] | None  # snapshot as configured when it fired
    acknowledged_at: datetime | None  # the latest acknowledgement
    acknowledged_by: str | None
    acknowledgement_comment: str | None
    last_notified_at: datetime | None
    escalation_level: int
    exposed_lots: tuple[ExposedLot, ...] | None
    exposed_doses: int | None
    quarantine_scope: str  # none | freeze_sensitive | all
    quarantined_at: datetime | None
    details: dict[str, Any] | None = None  # a facility alarm's particulars

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass(frozen=True, slots=True)
class AcknowledgementView:
    id: int
    user: str
    comment: str
    acknowledged_at: datetime
    alarm_state: str  # the alarm's state when it was acknowledged
    action: str | None = None  # what was done (services.ACK_ACTIONS); None: not said


@dataclass(frozen=True, slots=True)
class NotificationView:
    """One notice of an alarm to one recipient (the escalation ladder): raised, renotified,
    escalated or cleared, by which channel to where, and whether it was delivered."""

    kind: str
    channel: str
    address: str
    status: str  # pending | delivered | failed
    attempts: int
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class AlarmDetail:
    alarm: AlarmView
    acknowledgements: tuple[AcknowledgementView, ...]  # oldest first


@dataclass(frozen=True, slots=True)
class EpisodeView:
    id: int
    key: str
    facility: str
    unit: str
    profile: str
    direction: str  # above | below (of the reading that opened it)
    start_at: datetime
    end_at: datetime | None  # None: still open (statistics below are None too)
    duration_minutes: float | None
    min_c: float | None
    min_at: datetime | None
    max_c: float | None
    max_at: datetime | None
    mean_c: float | None
    mkt_c: float | None
    minutes_above: float | None
    minutes_below: float | None
    unknown_minutes: float | None
    reading_count: int | None
    late_reading_count: int | None
    freeze_exposed_at: datetime | None
    rules: tuple[dict[str, Any], ...]
    exposed_lots: tuple[ExposedLot, ...] | None
    exposed_doses: int | None
    quarantine_scope: str
    quarantined_at: datetime | None

    @property
    def open(self) -> bool:
        return self.end_at is None


@dataclass(frozen=True, slots=True)
class EpisodeDetail:
    episode: EpisodeView
    alarms: tuple[AlarmView, ...]  # raised while it was open (by episode key)


UNIT_OK, UNIT_EXCURSION, UNIT_ALARM, UNIT_OFFLINE = "ok", "excursion", "alarm", "offline"


@dataclass(frozen=True, slots=True)
class UnitStatus:
    """``state``: ``alarm`` (a temperature alarm or warning raised) > ``offline`` (a
    SENSOR_OFFLINE raised) > ``excursion`` (an episode open) > ``ok``."""

    unit: str
    facility: str | None
    state: str
    latest: LatestReading | None
    open_alarms: tuple[AlarmView, ...]
    open_episode: EpisodeView | None


@dataclass(frozen=True, slots=True)
class DailySummaryView:
    """The Fridge-tag record of one unit and local day (domain rule 7)."""

    unit: str
    day: date
    time_zone: str
    start: datetime  # local midnight, in UTC
    end: datetime  # next local midnight, or now for the day in progress
    complete: bool  # False for the day in progress
    reading_count: int
    min_c: float | None
    min_at: datetime | None
    max_c: float | None
    max_at: datetime | None
    mean_c: float | None
    mkt_c: float | None
    minutes_above: float  # above the profile's range (+8 °C for 2-8)
    minutes_below: float  # below the profile's range (+2 °C for 2-8)
    minutes_at_or_below_freeze: float  # ≤ −0.5 °C
    unknown_minutes: float
    alarms: tuple[str, ...]  # types (rule ids, SENSOR_OFFLINE) raised that day, sorted


def _lots(data: list[dict[str, object]] | None) -> tuple[ExposedLot, ...] | None:
    return None if data is None else lots_from_json(data)


def _doses(lots: tuple[ExposedLot, ...] | None) -> int | None:
    return None if lots is None else sum(lot.doses for lot in lots)


def alarm_view(row: AlarmRow) -> AlarmView:
    lots = _lots(row.exposed_lots)
    return AlarmView(
        id=row.id,
        key=row.key,
        type=row.type,
        severity=row.severity,
        state=row.state,
        facility=row.facility_code,
        unit=row.unit_code,
        sensor=row.sensor_id,
        episode_key=row.episode_key,
        started_at=row.started_at,
        raised_at=row.raised_at,
        recorded_at=row.recorded_at,
        cleared_at=row.cleared_at,
        peak_c=row.peak_c,
        unknown_minutes=row.unknown_minutes,
        rule=dict(row.rule) if row.rule is not None else None,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        acknowledgement_comment=row.acknowledgement_comment,
        last_notified_at=row.last_notified_at,
        escalation_level=row.escalation_level,
        exposed_lots=lots,
        exposed_doses=_doses(lots),
        quarantine_scope=row.quarantine_scope,
        quarantined_at=row.quarantined_at,
        details=dict(row.details) if row.details is not None else None,
    )


def acknowledgement_view(row: AlarmAcknowledgementRow) -> AcknowledgementView:
    return AcknowledgementView(
        row.id, row.user, row.comment, row.acknowledged_at, row.alarm_state, row.action
    )


def episode_view(row: ExcursionEpisodeRow) -> EpisodeView:
    lots = _lots(row.exposed_lots)
    return EpisodeView(
        id=row.id,
        key=row.key,
        facility=row.facility_code,
        unit=row.unit_code,
        profile=row.profile,
        direction=row.direction,
        start_at=row.start_at,
        end_at=row.end_at,
        duration_minutes=row.duration_minutes,
        min_c=row.min_c,
        min_at=row.min_at,
        max_c=row.max_c,
        max_at=row.max_at,
        mean_c=row.mean_c,
        mkt_c=row.mkt_c,
        minutes_above=row.minutes_above,
        minutes_below=row.minutes_below,
        unknown_minutes=row.unknown_minutes,
        reading_count=row.reading_count,
        late_reading_count=row.late_reading_count,
        freeze_exposed_at=row.freeze_exposed_at,
        rules=tuple(dict(r) for r in row.rules),
        exposed_lots=lots,
        exposed_doses=_doses(lots),
        quarantine_scope=row.quarantine_scope,
        quarantined_at=row.quarantined_at,
    )


def unit_state(open_alarms: tuple[AlarmView, ...], episode: EpisodeView | None) -> str:
    if any(a.type != SENSOR_OFFLINE for a in open_alarms):
        return UNIT_ALARM
    if open_alarms:
        return UNIT_OFFLINE
    return UNIT_EXCURSION if episode is not None else UNIT_OK
