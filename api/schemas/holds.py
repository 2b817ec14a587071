"""Held stock: quarantine ("DO NOT USE", stays in the unit), release with a reference,
destruction, and the recall of a lot everywhere (``RecallPublic`` lists who held it)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.bounds import BodyId, Doses
from api.schemas.lots import LotNamed, MaybeLotNamed
from api.schemas.movements import MovementPublic, RecordedCreate
from inventory.domain.accounts import WastageReason
from inventory.results import Holding, RecallResult, TransitHolding


class QuarantineCreate(MaybeLotNamed, RecordedCreate):
    """Hold usable stock in a unit: one lot (or every lot when none is named), all of it
    unless ``doses`` is given."""

    storage_unit_id: BodyId
    reason: str = Field(min_length=1, max_length=500, examples=["fridge excursion, heat alarm"])
    doses: Doses | None = None
    reference: str | None = Field(default=None, max_length=200)


class ReleaseCreate(LotNamed, RecordedCreate):
    storage_unit_id: BodyId
    reference: str = Field(
        min_length=1, max_length=200, description="manufacturer's or programme's reference"
    )
    doses: Doses | None = Field(default=None, description="default: every held dose")
    reason: str | None = Field(default=None, max_length=500)


class DestructionCreate(LotNamed, RecordedCreate):
    storage_unit_id: BodyId
    doses: Doses | None = Field(default=None, description="default: every held dose")
    reason: WastageReason = WastageReason.TEMPERATURE_DAMAGE
    reference: str | None = Field(default=None, max_length=200)


class RecallCreate(LotNamed, RecordedCreate):
    reference: str = Field(min_length=1, max_length=200, examples=["NMPA recall 2024-17"])
    reason: str | None = Field(default=None, max_length=500)


class HoldingPublic(BaseModel):
    facility_id: int
    facility_code: str
    storage_unit_id: int
    storage_unit_code: str
    doses: int

    @classmethod
    def of(cls, holding: Holding) -> HoldingPublic:
        return cls(
            facility_id=holding.facility_id,
            facility_code=holding.facility_code,
            storage_unit_id=holding.storage_unit_id,
            storage_unit_code=holding.storage_unit_code,
            doses=holding.doses,
        )


class TransitHoldingPublic(BaseModel):
    shipment_id: int
    origin_facility_id: int
    destination_facility_id: int
    doses: int

    @classmethod
    def of(cls, holding: TransitHolding) -> TransitHoldingPublic:
        return cls(
            shipment_id=holding.shipment_id,
            origin_facility_id=holding.origin_facility_id,
            destination_facility_id=holding.destination_facility_id,
            doses=holding.doses,
        )


class RecallPublic(BaseModel):
    lot_id: int
    movement: MovementPublic
    holders: list[HoldingPublic] = Field(description="who held it (now quarantined there)")
    in_transit: list[TransitHoldingPublic]

    @classmethod
    def of(cls, result: RecallResult) -> RecallPublic:
        return cls(
            lot_id=result.lot_id,
            movement=MovementPublic.of(result.movement),
            holders=[HoldingPublic.of(h) for h in result.holders],
            in_transit=[TransitHoldingPublic.of(t) for t in result.in_transit],
        )
