"""Telemetry as the API shows it: downsampled readings (``ReadingsPublic``), the unit status
board (``UnitStatusPublic``) and the daily Fridge-tag summaries (``DailySummaryPublic``).

Invariant: a bucket always carries min and max next to mean and count, so an excursion is
never averaged away. Times are aware UTC; temperatures are °C.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.alarms import AlarmPublic, EpisodePublic
from ingest.alarms.views import DailySummaryView, UnitStatus
from ingest.queries import LatestReading
from ingest.sinks.base import Bucket

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_ns(ns: int) -> datetime:
    """An aware UTC datetime from nanoseconds since the epoch (microsecond precision)."""
    return _EPOCH + timedelta(microseconds=ns // 1000)


class BucketPublic(BaseModel):
    start: datetime
    end: datetime
    count: int
    min_c: float
    max_c: float
    mean_c: float

    @classmethod
    def of(cls, bucket: Bucket, every_s: int) -> BucketPublic:
        start = from_ns(bucket.start_ns)
        return cls(
            start=start,
            end=start + timedelta(seconds=every_s),
            count=bucket.count,
            min_c=bucket.min_c,
            max_c=bucket.max_c,
            mean_c=bucket.mean_c,
        )


class ReadingsPublic(BaseModel):
    unit: str | None
    sensor: str | None
    start: datetime
    end: datetime
    every_s: int
    buckets: list[BucketPublic] = Field(description="windows without readings are left out")

    @classmethod
    def of(
        cls,
        buckets: list[Bucket],
        *,
        unit: str | None,
        sensor: str | None,
        start: datetime,
        end: datetime,
        every_s: int,
    ) -> ReadingsPublic:
        return cls(
            unit=unit,
            sensor=sensor,
            start=start,
            end=end,
            every_s=every_s,
            buckets=[BucketPublic.of(b, every_s) for b in buckets],
        )


class LatestReadingPublic(BaseModel):
    sensor_id: str
    measured_at: datetime = Field(description="device time of the newest reading")
    temperature_c: float
    received_at: datetime = Field(description="last seen: when ingest received it")
    battery_pct: float | None
    door_open: bool | None
    power_on: bool | None

    @classmethod
    def of(cls, latest: LatestReading) -> LatestReadingPublic:
        return cls(
            sensor_id=latest.sensor_id,
            measured_at=from_ns(latest.device_time_ns),
            temperature_c=latest.temperature_c,
            received_at=from_ns(latest.received_at_ns),
            battery_pct=latest.battery_pct,
            door_open=latest.door_open,
            power_on=latest.power_on,
        )


class UnitStatusPublic(BaseModel):
    unit: str
    facility: str | None
    state: str = Field(description="alarm > offline > excursion > ok")
    latest: LatestReadingPublic | None = Field(description="null: never heard from")
    last_seen: datetime | None
    open_alarms: list[AlarmPublic]
    open_episode: EpisodePublic | None

    @classmethod
    def of(cls, status: UnitStatus) -> UnitStatusPublic:
        latest = LatestReadingPublic.of(status.latest) if status.latest else None
        episode = status.open_episode
        return cls(
            unit=status.unit,
            facility=status.facility,
            state=status.state,
            latest=latest,
            last_seen=latest.received_at if latest else None,
            open_alarms=[AlarmPublic.of(a) for a in status.open_alarms],
            open_episode=EpisodePublic.of(episode) if episode is not None else None,
        )


class DailySummaryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    unit: str
    day: date = Field(description="the local day in the unit's facility time zone")
    time_zone: str
    start: datetime
    end: datetime
    complete: bool = Field(description="false for the day in progress")
    reading_count: int
    min_c: float | None
    min_at: datetime | None
    max_c: float | None
    max_at: datetime | None
    mean_c: float | None
    mkt_c: float | None
    minutes_above: float = Field(description="above the profile's range (+8 °C for 2-8)")
    minutes_below: float = Field(description="below the profile's range (+2 °C for 2-8)")
    minutes_at_or_below_freeze: float = Field(description="at or below −0.5 °C")
    unknown_minutes: float
    alarms: list[str] = Field(description="alarm types raised that day")

    @classmethod
    def of(cls, view: DailySummaryView) -> DailySummaryPublic:
        return cls.model_validate(view)
