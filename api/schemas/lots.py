"""Lots: registering one (by product, number and expiry, or by scanning its pack), showing
one, and the two ways any request names a lot (``lot_id`` or a GS1 ``scan``).

``LotNamed`` is mixed into every body that must name a lot, ``MaybeLotNamed`` into those
where the lot is optional; both refuse a body that names it twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.lot_refs import LotRef
from api.schemas.bounds import BodyId, VvmStage
from inventory.results import LotView, VvmObservationView

SCAN_DESCRIPTION = (
    "the pack's GS1 code instead of lot_id: bracketed '(01)…(17)…(10)…' or raw with GS"
    " (\\u001d) separators and an optional ']d2' prefix"
)


class MaybeLotNamed(BaseModel):
    """An optional lot: by ``lot_id`` or by ``scan``, never both."""

    lot_id: BodyId | None = None
    scan: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description=SCAN_DESCRIPTION,
        examples=["(01)09506000134352(17)300131(10)L1"],
    )

    @model_validator(mode="after")
    def _named_once(self) -> Self:
        if self.lot_id is not None and self.scan is not None:
            raise ValueError("name the lot once: give lot_id or scan, not both")
        return self

    @property
    def lot_ref(self) -> LotRef:
        return LotRef(self.lot_id, self.scan)


class LotNamed(MaybeLotNamed):
    """A lot that must be named: by ``lot_id`` or by ``scan``."""

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.lot_id is None and self.scan is None:
            raise ValueError("name the lot: give lot_id or scan")
        return self


class LotCreate(BaseModel):
    """Get or create a lot: ``product_id`` + ``lot_number`` + ``expiry``, or a ``scan``."""

    model_config = ConfigDict(extra="forbid")

    product_id: BodyId | None = None
    lot_number: str | None = Field(default=None, min_length=1, max_length=40)
    expiry: date | None = Field(default=None, description="inside the programme window")
    scan: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="register from the pack: (01) GTIN names the product, (10) and (17) the lot",
    )
    vvm_stage: VvmStage | None = Field(
        default=None, description="recorded as the lot's first VVM observation"
    )
    facility_id: BodyId | None = Field(
        default=None, description="where the vvm_stage was read (required with it)"
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if self.vvm_stage is not None and self.facility_id is None:
            raise ValueError("a vvm_stage needs the facility_id where it was read")
        by_fields = (self.product_id, self.lot_number, self.expiry)
        if self.scan is not None:
            if any(value is not None for value in by_fields):
                raise ValueError("give a scan, or product_id, lot_number and expiry; not both")
        elif any(value is None for value in by_fields):
            raise ValueError("give product_id, lot_number and expiry (or a scan)")
        return self


class LotPublic(BaseModel):
    id: int
    product_id: int
    product_code: str
    lot_number: str
    expiry: date
    vvm_stage: int | None
    recalled_at: datetime | None
    recall_reference: str | None

    @classmethod
    def of(cls, view: LotView, product_code: str) -> LotPublic:
        return cls(
            id=view.id,
            product_id=view.product_id,
            product_code=product_code,
            lot_number=view.lot_number,
            expiry=view.expiry,
            vvm_stage=view.vvm_stage,
            recalled_at=view.recalled_at,
            recall_reference=view.recall_reference,
        )


class VvmObservationCreate(BaseModel):
    """A VVM reading: at ``storage_unit_id`` or ``facility_id`` (at least one), with a reason."""

    model_config = ConfigDict(extra="forbid")

    stage: VvmStage = Field(description="1-4; 3 and 4 are the discard point")
    reason: str = Field(min_length=1, max_length=500, description="what was seen, and why read")
    facility_id: BodyId | None = None
    storage_unit_id: BodyId | None = None
    observed_at: datetime | None = Field(
        default=None, description="when it was read (with an offset, not in the future)"
    )

    @model_validator(mode="after")
    def _somewhere(self) -> Self:
        if self.facility_id is None and self.storage_unit_id is None:
            raise ValueError("say where the VVM was read: storage_unit_id or facility_id")
        if self.observed_at is not None and self.observed_at.tzinfo is None:
            raise ValueError("observed_at needs a time zone offset")
        return self


class VvmVoidCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class VvmObservationPublic(BaseModel):
    """A reading (``stage``) or a void (``voids_id``); ``lot_vvm_stage`` is the lot's
    effective stage (the highest reading not voided) when this was returned."""

    id: int
    lot_id: int
    stage: int | None
    voids_id: int | None
    voided_by_id: int | None
    facility_id: int
    storage_unit_id: int | None
    observed_at: datetime
    recorded_at: datetime
    user: str
    reason: str
    lot_vvm_stage: int | None

    @classmethod
    def of(cls, view: VvmObservationView) -> VvmObservationPublic:
        return cls(
            id=view.id,
            lot_id=view.lot_id,
            stage=view.stage,
            voids_id=view.voids_id,
            voided_by_id=view.voided_by_id,
            facility_id=view.facility_id,
            storage_unit_id=view.storage_unit_id,
            observed_at=view.observed_at,
            recorded_at=view.recorded_at,
            user=view.user,
            reason=view.reason,
            lot_vvm_stage=view.lot_vvm_stage,
        )
