"""Shipments on the road (rule 27): loggers attached to a shipment, its transport record,
and the refusal of a delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict, model_validator

from api.schemas.movements import RecordedCreate
from api.transport_records import Leg, TransportRecord
from inventory.results import ShipmentLoggerView

SensorId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^/+#\s\x00]+$")]


class LoggerAttach(BaseModel):
    """Name the logger by ``sensor_id`` or by a ``scan`` of its label (not both)."""

    model_config = ConfigDict(extra="forbid")

    sensor_id: SensorId | None = None
    scan: str | None = Field(
        default=None, min_length=1, max_length=512, description="the logger's label, scanned"
    )
    reporting_interval_s: Annotated[int, Strict()] = Field(
        default=300, ge=1, le=1800, description="how often it records (transport: ≤ 300 s)"
    )
    attached_at: AwareDatetime | None = Field(
        default=None, description="from when it travels with the shipment; default: dispatch"
    )

    @model_validator(mode="after")
    def _one_name(self) -> Self:
        if (self.sensor_id is None) == (self.scan is None):
            raise ValueError("name the logger once: give sensor_id or scan")
        return self


class LoggerDetach(BaseModel):
    model_config = ConfigDict(extra="forbid")

    detached_at: AwareDatetime | None = Field(default=None, description="default: now")


class LoggerPublic(BaseModel):
    shipment_id: int
    sensor_id: str
    unit: str = Field(description="the transit unit its readings are filed under")
    reporting_interval_s: int
    attached_at: datetime
    attached_by: str
    detached_at: datetime | None
    detached_by: str | None

    @classmethod
    def of(cls, view: ShipmentLoggerView) -> LoggerPublic:
        return cls(
            shipment_id=view.shipment_id,
            sensor_id=view.sensor_id,
            unit=view.unit,
            reporting_interval_s=view.reporting_interval_s,
            attached_at=view.attached_at,
            attached_by=view.attached_by,
            detached_at=view.detached_at,
            detached_by=view.detached_by,
        )


class ShipmentRefusalCreate(RecordedCreate):
    reason: str = Field(min_length=1, max_length=500, description="why it is refused")


class GapPublic(BaseModel):
    start: datetime
    end: datetime
    minutes: float


class RecordAlarmPublic(BaseModel):
    key: str
    type: str
    severity: str
    state: str
    started_at: datetime
    raised_at: datetime
    cleared_at: datetime | None
    peak_c: float | None


class RecordExcursionPublic(BaseModel):
    key: str
    direction: str
    start: datetime
    end: datetime | None
    min_c: float | None
    max_c: float | None
    minutes_above: float | None
    minutes_below: float | None
    mkt_c: float | None


class RecordHoldPublic(BaseModel):
    lot_id: int
    lot_number: str
    reference: str
    requested_at: datetime


class RecordLoggerPublic(BaseModel):
    sensor_id: str
    reporting_interval_s: int
    attached_at: datetime
    detached_at: datetime | None


class TransportRecordPublic(BaseModel):
    """The readings of the journey against dispatch and arrival (rule 27)."""

    shipment_id: int
    status: str
    unit: str
    profile: str
    range_low_c: float
    range_high_c: float
    dispatched_at: datetime
    arrived_at: datetime = Field(description="the receipt, or `until` (now) on the road")
    loggers: list[RecordLoggerPublic]
    reading_count: int
    first_reading_at: datetime | None
    last_reading_at: datetime | None
    start_late_minutes: float | None
    end_early_minutes: float | None
    gaps: list[GapPublic] = Field(description="silences longer than 3 × the logger's interval")
    min_c: float | None
    max_c: float | None
    mean_c: float | None
    minutes_above: float
    minutes_below: float
    unknown_minutes: float
    mkt_c: float | None
    covers: bool = Field(description="false: accepting needs a supervisor's override")
    problems: list[str]
    alarms: list[RecordAlarmPublic]
    excursions: list[RecordExcursionPublic]
    holds: list[RecordHoldPublic] = Field(description="lots an excursion on the road held")
    leg: Leg = Field("outbound", description="outbound, or return: a refused shipment's way back")

    @classmethod
    def of(cls, record: TransportRecord) -> TransportRecordPublic:
        return cls(
            shipment_id=record.shipment_id,
            status=record.status,
            unit=record.unit,
            profile=record.profile,
            range_low_c=record.range_low_c,
            range_high_c=record.range_high_c,
            dispatched_at=record.dispatched_at,
            arrived_at=record.arrived_at,
            loggers=[
                RecordLoggerPublic.model_validate(x, from_attributes=True) for x in record.loggers
            ],
            reading_count=record.reading_count,
            first_reading_at=record.first_reading_at,
            last_reading_at=record.last_reading_at,
            start_late_minutes=record.start_late_minutes,
            end_early_minutes=record.end_early_minutes,
            gaps=[GapPublic.model_validate(x, from_attributes=True) for x in record.gaps],
            min_c=record.min_c,
            max_c=record.max_c,
            mean_c=record.mean_c,
            minutes_above=record.minutes_above,
            minutes_below=record.minutes_below,
            unknown_minutes=record.unknown_minutes,
            mkt_c=record.mkt_c,
            covers=record.covers,
            problems=list(record.problems),
            alarms=[
                RecordAlarmPublic.model_validate(x, from_attributes=True) for x in record.alarms
            ],
            excursions=[
                RecordExcursionPublic.model_validate(x, from_attributes=True)
                for x in record.excursions
            ],
            holds=[RecordHoldPublic.model_validate(x, from_attributes=True) for x in record.holds],
            leg=record.leg,
        )


class JourneyRecordPublic(BaseModel):
    """A journey's transport record in short, as the lot trace shows it."""

    covers: bool
    problems: list[str]
    loggers: list[str] = Field(description="sensor ids")
    reading_count: int
    first_reading_at: datetime | None
    last_reading_at: datetime | None
    min_c: float | None
    max_c: float | None
    minutes_above: float
    minutes_below: float
    unknown_minutes: float
    mkt_c: float | None
    excursions: list[RecordExcursionPublic]
    alarms: list[RecordAlarmPublic]

    @classmethod
    def of(cls, record: TransportRecord) -> JourneyRecordPublic:
        full = TransportRecordPublic.of(record)
        return cls(
            covers=full.covers,
            problems=full.problems,
            loggers=[x.sensor_id for x in full.loggers],
            reading_count=full.reading_count,
            first_reading_at=full.first_reading_at,
            last_reading_at=full.last_reading_at,
            min_c=full.min_c,
            max_c=full.max_c,
            minutes_above=full.minutes_above,
            minutes_below=full.minutes_below,
            unknown_minutes=full.unknown_minutes,
            mkt_c=full.mkt_c,
            excursions=full.excursions,
            alarms=full.alarms,
        )
