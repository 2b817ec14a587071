"""Allocations: a quota of a product for a facility and period, set by its parent; and the
status of a subtree (allocated vs dispatched vs received vs administered, rolled up)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.bounds import BodyId, DosesOrZero
from api.spreadsheet import spreadsheet_csv
from inventory.queries import AllocationStatus
from inventory.results import AllocationView


class AllocationCreate(BaseModel):
    """Set (or replace) the quota; it is set by the facility's parent. The period's days lie
    in the programme window and period_end is not before period_start."""

    model_config = ConfigDict(extra="forbid")

    facility_id: BodyId
    product_id: BodyId
    period_start: date
    period_end: date
    doses: DosesOrZero

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class AllocationPublic(BaseModel):
    id: int
    facility_id: int
    product_id: int
    period_start: date
    period_end: date
    doses: int
    set_by_facility_id: int
    set_by: str
    set_at: datetime

    @classmethod
    def of(cls, view: AllocationView) -> AllocationPublic:
        return cls(
            id=view.id,
            facility_id=view.facility_id,
            product_id=view.product_id,
            period_start=view.period_start,
            period_end=view.period_end,
            doses=view.doses,
            set_by_facility_id=view.set_by_facility_id,
            set_by=view.set_by,
            set_at=view.set_at,
        )


class AllocationStatusPublic(BaseModel):
    facility_id: int
    code: str
    level: str
    parent_id: int | None
    allocated: int = Field(description="this facility's quota")
    allocated_to_children: int = Field(description="quotas it gave to the level below")
    dispatched: int = Field(description="doses shipped to it in the period")
    received: int = Field(description="doses it received in the period")
    administered: int = Field(description="given at the facility itself")
    administered_in_subtree: int = Field(description="given at it and everywhere below it")

    @classmethod
    def of(cls, row: AllocationStatus) -> AllocationStatusPublic:
        return cls(
            facility_id=row.facility_id,
            code=row.code,
            level=row.level,
            parent_id=row.parent_id,
            allocated=row.allocated,
            allocated_to_children=row.allocated_to_children,
            dispatched=row.dispatched,
            received=row.received,
            administered=row.administered,
            administered_in_subtree=row.administered_in_subtree,
        )


ALLOCATION_CSV_COLUMNS = (
    "period_start",
    "period_end",
    "facility",
    "level",
    "parent_id",
    "allocated",
    "allocated_to_children",
    "dispatched",
    "received",
    "administered",
    "administered_in_subtree",
)


def allocation_status_csv(rows: Sequence[AllocationStatus], start: date, end: date) -> bytes:
    """One row per facility of the subtree, in tree order."""
    return spreadsheet_csv(
        ALLOCATION_CSV_COLUMNS,
        (
            (
                start,
                end,
                r.code,
                r.level,
                r.parent_id,
                r.allocated,
                r.allocated_to_children,
                r.dispatched,
                r.received,
                r.administered,
                r.administered_in_subtree,
            )
            for r in rows
        ),
    )
