"""Alarms, acknowledgements and excursion episodes as the API shows them
(``AcknowledgementCreate`` in; ``AlarmPublic``, ``AlarmDetailPublic``, ``EpisodePublic``,
``EpisodeDetailPublic`` out), read from the alarms package's frozen views.

Times are aware UTC; doses are ints. ``exposed_lots`` is null while the ledger has not
answered yet and ``[]`` when nothing was exposed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.alarms.views import AlarmDetail, AlarmView, EpisodeDetail, EpisodeView


class _FromView(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ExposedLotPublic(_FromView):
    lot_id: int
    product: str = Field(description="product code")
    lot_number: str
    expiry: date
    doses: int = Field(description="every dose of the lot that was in the unit in the window")
    freeze_sensitive: bool
    present_from: datetime
    present_to: datetime


class AlarmPublic(_FromView):
    id: int
    key: str
    type: str = Field(description="the rule id (e.g. who-heat) or SENSOR_OFFLINE")
    severity: str = Field(description="warning | alarm")
    state: str = Field(description="raised | cleared; acknowledging never clears")
    facility: str = Field(description="facility code")
    unit: str | None = Field(
        description="storage unit code; null for a facility alarm (expiry, reconciliation,"
        " ledger check)"
    )
    sensor: str | None = Field(description="the silent sensor of a SENSOR_OFFLINE alarm")
    episode_key: str | None
    started_at: datetime = Field(description="device time the condition began")
    raised_at: datetime = Field(description="device time the rule fired")
    recorded_at: datetime
    cleared_at: datetime | None
    peak_c: float | None
    unknown_minutes: float | None
    rule: dict[str, Any] | None = Field(description="the rule as configured when it fired")
    acknowledged: bool
    acknowledged_at: datetime | None = Field(description="the latest acknowledgement")
    acknowledged_by: str | None
    acknowledgement_comment: str | None
    last_notified_at: datetime | None
    escalation_level: int
    exposed_lots: list[ExposedLotPublic] | None
    exposed_doses: int | None
    quarantine_scope: str = Field(description="none | freeze_sensitive | all")
    quarantined_at: datetime | None
    details: dict[str, Any] | None = Field(
        default=None, description="a facility alarm's particulars: summary, steps, findings"
    )

    @classmethod
    def of(cls, view: AlarmView) -> AlarmPublic:
        return cls.model_validate(view)


AckAction = Literal["kept_cold", "moved_stock", "called_technician", "other"]


class AcknowledgementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(
        min_length=1,
        max_length=2000,
        description="required: what was done about it (who is taken from the token)",
        examples=["Moved the vaccine to the backup fridge; technician called."],
    )
    action: AckAction | None = Field(
        default=None,
        description="what was done: kept_cold, moved_stock, called_technician or other",
    )


class AcknowledgementPublic(_FromView):
    id: int
    user: str
    comment: str
    acknowledged_at: datetime
    alarm_state: str = Field(description="the alarm's state when it was acknowledged")
    action: str | None = Field(default=None, description="what was done (null: not said)")


class AlarmDetailPublic(AlarmPublic):
    acknowledgements: list[AcknowledgementPublic] = Field(description="oldest first")

    @classmethod
    def of_detail(cls, detail: AlarmDetail) -> AlarmDetailPublic:
        acks = [AcknowledgementPublic.model_validate(a) for a in detail.acknowledgements]
        return cls(**AlarmPublic.of(detail.alarm).model_dump(), acknowledgements=acks)


class EpisodePublic(_FromView):
    id: int
    key: str
    facility: str
    unit: str
    profile: str
    direction: str = Field(description="above | below (the reading that opened it)")
    open: bool
    start_at: datetime
    end_at: datetime | None = Field(description="null while open (statistics too)")
    duration_minutes: float | None
    min_c: float | None
    min_at: datetime | None
    max_c: float | None
    max_at: datetime | None
    mean_c: float | None
    mkt_c: float | None = Field(description="mean kinetic temperature")
    minutes_above: float | None
    minutes_below: float | None
    unknown_minutes: float | None
    reading_count: int | None
    late_reading_count: int | None
    freeze_exposed_at: datetime | None
    rules: list[dict[str, Any]] = Field(description="the rules that fired, as configured then")
    exposed_lots: list[ExposedLotPublic] | None
    exposed_doses: int | None
    quarantine_scope: str
    quarantined_at: datetime | None

    @classmethod
    def of(cls, view: EpisodeView) -> EpisodePublic:
        return cls.model_validate(view)


class EpisodeDetailPublic(EpisodePublic):
    alarms: list[AlarmPublic] = Field(description="alarms raised while it was open")

    @classmethod
    def of_detail(cls, detail: EpisodeDetail) -> EpisodeDetailPublic:
        alarms = [AlarmPublic.of(a) for a in detail.alarms]
        return cls(**EpisodePublic.of(detail.episode).model_dump(), alarms=alarms)
