"""Movements of stock in one facility: receipt from the supplier, transfer between units,
doses administered, wastage, physical count and reversal; ``MovementPublic`` shows what a
movement posted (its lines sum to zero per lot).

Every body that names a lot takes ``lot_id`` or ``scan`` (``api.schemas.lots``); times are
aware (``occurred_at`` defaults to the time of recording); doses are integers.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.schemas.bounds import BodyId, DoseNumber, Doses, DosesOrZero, Flag
from api.schemas.lots import LotNamed
from inventory.domain.accounts import WastageReason
from inventory.results import MovementView, PostedLine


class RecordedCreate(BaseModel):
    """A body that records something that happened: strict fields, an optional time."""

    model_config = ConfigDict(extra="forbid")

    occurred_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "when it happened (aware); default: now. Not in the future (5 min of clock skew"
            " allowed) and inside the programme window (default 2000-01-01 to 2099-12-31)"
        ),
    )


class ReceiptCreate(LotNamed, RecordedCreate):
    """Doses delivered by the supplier into a storage unit."""

    storage_unit_id: BodyId
    doses: Doses
    reference: str | None = Field(default=None, max_length=200, description="delivery note")


class TransferCreate(LotNamed, RecordedCreate):
    """Doses moved between two units of the same facility."""

    from_unit_id: BodyId
    to_unit_id: BodyId
    doses: Doses
    reason: str | None = Field(default=None, max_length=500)
    held: Flag = Field(
        default=False,
        description="move quarantined (DO NOT USE) doses; they arrive quarantined",
    )


class AdministrationCreate(LotNamed, RecordedCreate):
    """Doses given (a session or a daily total) from a storage unit."""

    storage_unit_id: BodyId
    doses: Doses
    dose_number: DoseNumber | None = None


class WastageCreate(LotNamed, RecordedCreate):
    storage_unit_id: BodyId
    doses: Doses
    reason: WastageReason
    note: str | None = Field(default=None, max_length=500)


class CountedLotCreate(LotNamed):
    model_config = ConfigDict(extra="forbid")

    doses: DosesOrZero
    reason: str | None = Field(default=None, min_length=1, max_length=500)  # of a difference


class CountCreate(RecordedCreate):
    """A physical count of usable stock; ``full``: lots not listed are counted as zero."""

    storage_unit_id: BodyId
    counts: list[CountedLotCreate] = Field(default_factory=list, max_length=1000)
    full: Flag = False
    note: str | None = Field(default=None, max_length=500)


class ReversalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class LinePublic(BaseModel):
    account: str = Field(description="stock, quarantine, in_transit, supplier, administered, ...")
    lot_id: int
    doses: int = Field(description="+ into the account, - out of it")
    storage_unit_id: int | None
    facility_id: int | None
    shipment_id: int | None
    reason: str | None

    @classmethod
    def of(cls, line: PostedLine) -> LinePublic:
        return cls(
            account=line.account,
            lot_id=line.lot_id,
            doses=line.doses,
            storage_unit_id=line.storage_unit_id,
            facility_id=line.facility_id,
            shipment_id=line.shipment_id,
            reason=line.reason,
        )


class MovementPublic(BaseModel):
    id: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    user: str
    facility_id: int | None
    shipment_id: int | None
    reason: str | None
    reference: str | None
    reverses_movement_id: int | None
    dose_number: int | None
    lines: list[LinePublic]

    @classmethod
    def of(cls, view: MovementView) -> MovementPublic:
        return cls(
            id=view.id,
            kind=view.kind,
            occurred_at=view.occurred_at,
            recorded_at=view.recorded_at,
            user=view.user,
            facility_id=view.facility_id,
            shipment_id=view.shipment_id,
            reason=view.reason,
            reference=view.reference,
            reverses_movement_id=view.reverses_movement_id,
            dose_number=view.dose_number,
            lines=[LinePublic.of(line) for line in view.lines],
        )


class MovementDetailPublic(MovementPublic):
    reversed_by: int | None = Field(description="the reversal's movement id, if reversed")
