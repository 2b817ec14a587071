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
from inventory.results import LotView

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
    vvm_stage: VvmStage | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Self:
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
