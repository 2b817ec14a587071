"""Shipments between facilities: create, dispatch (FEFO unless lots are named), receive
(per lot, with discrepancy reasons), mark lost; ``ShipmentPublic`` is the shipment now,
``ShipmentPostedPublic`` what one step posted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from api.schemas.bounds import BodyId, Doses, DosesOrZero
from api.schemas.lots import LotNamed, MaybeLotNamed
from api.schemas.movements import MovementPublic, RecordedCreate
from inventory.queries import OverdueShipment
from inventory.results import (
    DiscrepancyView,
    ShipmentDecisionView,
    ShipmentLineView,
    ShipmentPosted,
    ShipmentView,
)


class ShipmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origin_facility_id: BodyId
    destination_facility_id: BodyId
    expected_lead_time_hours: Annotated[float, Strict()] = Field(
        ge=0, le=24 * 90, description="overdue after this + 24 h without a receipt"
    )
    reference: str | None = Field(default=None, max_length=200)


class DispatchItemCreate(MaybeLotNamed):
    """``doses`` of a product: with a lot named (id or scan) that lot, else FEFO picks."""

    model_config = ConfigDict(extra="forbid")

    product_id: BodyId | None = Field(default=None, description="implied by a named lot")
    doses: Doses

    @model_validator(mode="after")
    def _product_or_lot(self) -> Self:
        if self.product_id is None and self.lot_id is None and self.scan is None:
            raise ValueError("give product_id (FEFO picks the lots) or name a lot")
        return self


class DispatchCreate(RecordedCreate):
    storage_unit_id: BodyId = Field(description="the origin's unit the doses leave from")
    items: list[DispatchItemCreate] = Field(min_length=1, max_length=1000)
    fefo_override_reason: str | None = Field(
        default=None,
        max_length=500,
        description="required when named lots are not the ones FEFO would pick",
    )


class ReceivedLotCreate(LotNamed):
    model_config = ConfigDict(extra="forbid")

    doses: DosesOrZero = Field(description="doses that arrived (0 if none)")
    discrepancy_reason: str | None = Field(
        default=None, max_length=500, description="required for a shortfall, excess or unknown lot"
    )


class ShipmentReceiptCreate(RecordedCreate):
    storage_unit_id: BodyId = Field(description="the destination's unit the doses go into")
    lots: list[ReceivedLotCreate] = Field(
        min_length=1, max_length=1000, description="every dispatched lot"
    )
    decision: Literal["accept", "accept_quarantined"] = Field(
        default="accept",
        description="after reading the transport record: accept, or accept with every lot"
        " quarantined (to refuse: POST /shipments/{id}/refusal)",
    )
    override_reason: str | None = Field(
        default=None,
        max_length=500,
        description="a supervisor accepting a transport record that does not cover the"
        " journey says why",
    )


class ReturnReceiptCreate(RecordedCreate):
    """The sender receives a refused shipment back: every refused lot with the doses that
    came back; they land held ("refused by the receiver, returned")."""

    storage_unit_id: BodyId | None = Field(
        default=None,
        description="the origin's unit the doses go into (default: the one they left from)",
    )
    lots: list[ReceivedLotCreate] = Field(
        min_length=1, max_length=1000, description="every refused lot"
    )


class ShipmentLostCreate(RecordedCreate):
    reason: str = Field(min_length=1, max_length=500)


class DiscrepancyPublic(BaseModel):
    lot_id: int
    kind: str = Field(description="shortfall, excess or unknown_lot")
    dispatched: int
    received: int
    reason: str

    @classmethod
    def of(cls, view: DiscrepancyView) -> DiscrepancyPublic:
        return cls(
            lot_id=view.lot_id,
            kind=view.kind,
            dispatched=view.dispatched,
            received=view.received,
            reason=view.reason,
        )


class ShipmentLinePublic(BaseModel):
    lot_id: int
    lot_number: str
    product_id: int
    dispatched: int
    received: int | None
    returned: int | None = Field(
        default=None, description="a refused shipment: doses counted back at the sender"
    )

    @classmethod
    def of(cls, view: ShipmentLineView) -> ShipmentLinePublic:
        return cls(
            lot_id=view.lot_id,
            lot_number=view.lot_number,
            product_id=view.product_id,
            dispatched=view.dispatched,
            received=view.received,
            returned=view.returned,
        )


class DecisionPublic(BaseModel):
    """The receiver's decision on the transport record (rule 27)."""

    decision: str = Field(description="accept, accept_quarantined or refuse")
    record_complete: bool | None = Field(description="null: not checked (no logger)")
    override_reason: str | None
    override_by: str | None
    decided_by: str
    decided_at: datetime

    @classmethod
    def of(cls, view: ShipmentDecisionView | None) -> DecisionPublic | None:
        if view is None:
            return None
        return cls(
            decision=view.decision,
            record_complete=view.record_complete,
            override_reason=view.override_reason,
            override_by=view.override_by,
            decided_by=view.decided_by,
            decided_at=view.decided_at,
        )


class ShipmentPublic(BaseModel):
    id: int
    origin_facility_id: int
    destination_facility_id: int
    status: str = Field(
        description="created, dispatched, received, partially_received, lost, refused (on"
        " its way back to the sender) or returned (received back by the sender)"
    )
    expected_lead_time_hours: float
    reference: str | None
    created_at: datetime
    created_by: str
    dispatched_at: datetime | None
    received_at: datetime | None
    lines: list[ShipmentLinePublic]
    discrepancies: list[DiscrepancyPublic]
    decision: DecisionPublic | None = Field(
        default=None, description="the receiver's decision (rule 27); null before one"
    )
    refused_at: datetime | None = None
    returned_at: datetime | None = Field(
        default=None, description="when the sender received the refused shipment back"
    )

    @classmethod
    def of(cls, view: ShipmentView) -> ShipmentPublic:
        return cls(
            id=view.id,
            origin_facility_id=view.origin_facility_id,
            destination_facility_id=view.destination_facility_id,
            status=view.status,
            expected_lead_time_hours=view.expected_lead_time / timedelta(hours=1),
            reference=view.reference,
            created_at=view.created_at,
            created_by=view.created_by,
            dispatched_at=view.dispatched_at,
            received_at=view.received_at,
            lines=[ShipmentLinePublic.of(line) for line in view.lines],
            discrepancies=[DiscrepancyPublic.of(d) for d in view.discrepancies],
            decision=DecisionPublic.of(view.decision),
            refused_at=view.refused_at,
            returned_at=view.returned_at,
        )


class ShipmentPostedPublic(BaseModel):
    shipment_id: int
    status: str
    movement: MovementPublic
    discrepancies: list[DiscrepancyPublic]

    @classmethod
    def of(cls, posted: ShipmentPosted) -> ShipmentPostedPublic:
        return cls(
            shipment_id=posted.shipment_id,
            status=posted.status,
            movement=MovementPublic.of(posted.movement),
            discrepancies=[DiscrepancyPublic.of(d) for d in posted.discrepancies],
        )


class OverdueShipmentPublic(BaseModel):
    shipment_id: int
    origin_facility_id: int
    origin_code: str
    destination_facility_id: int
    destination_code: str
    dispatched_at: datetime
    due_at: datetime
    overdue_hours: float
    reference: str | None
    refused_at: datetime | None = Field(
        default=None, description="set when it is the refused shipment's return that is late"
    )

    @classmethod
    def of(cls, row: OverdueShipment) -> OverdueShipmentPublic:
        return cls(
            shipment_id=row.shipment_id,
            origin_facility_id=row.origin_facility_id,
            origin_code=row.origin_code,
            destination_facility_id=row.destination_facility_id,
            destination_code=row.destination_code,
            dispatched_at=row.dispatched_at,
            due_at=row.due_at,
            overdue_hours=row.overdue_by / timedelta(hours=1),
            reference=row.reference,
            refused_at=row.refused_at,
        )
