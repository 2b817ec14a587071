"""Commands: what a caller asks the ledger to do, as frozen dataclasses (imperative names).

Invariant: every command that posts a movement carries ``user`` and ``idempotency_key``;
replaying the same command with the same key returns the first result and posts nothing.
``occurred_at`` (aware UTC) defaults to the time of recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from inventory.domain.accounts import WastageReason
from inventory.domain.excursions import ExcursionRef
from inventory.domain.shipments import ReceivedLot

__all__ = [
    "AdministerDoses",
    "AttachLogger",
    "CountedLot",
    "CreateFacility",
    "CreateProduct",
    "CreateShipment",
    "CreateStorageUnit",
    "DestroyStock",
    "DetachLogger",
    "DispatchItem",
    "DispatchShipment",
    "HoldTransitExposure",
    "MarkShipmentLost",
    "QuarantineRequest",
    "QuarantineStock",
    "RecallLot",
    "ReceiveFromSupplier",
    "ReceiveReturn",
    "ReceiveShipment",
    "ReceivedLot",
    "RecordCount",
    "RecordVvmObservation",
    "RecordWastage",
    "RefuseShipment",
    "RegisterLot",
    "ReleaseStock",
    "ReverseMovement",
    "SetAllocation",
    "SetDoseTarget",
    "SetEligiblePopulation",
    "SetStockLevel",
    "TransferStock",
    "VoidVvmObservation",
]

# -- registry (no ledger effect) -------------------------------------------------------------


@dataclass(frozen=True)
class CreateFacility:
    code: str
    name: str
    level: str
    timezone: str
    parent_id: int | None = None


@dataclass(frozen=True)
class CreateStorageUnit:
    code: str
    facility_id: int
    kind: str
    profile: str = "2-8"
    name: str = ""


@dataclass(frozen=True)
class CreateProduct:
    code: str
    name: str
    manufacturer: str
    doses_per_vial: int
    profile: str = "2-8"
    freeze_sensitive: bool = False
    gtin: str | None = None


@dataclass(frozen=True)
class RegisterLot:
    """Get or create the lot (product, lot number, expiry)."""

    product_id: int
    lot_number: str
    expiry: date
    vvm_stage: int | None = None  # recorded as the lot's first VVM observation
    facility_id: int | None = None  # where that stage was read (required with vvm_stage)
    user: str = ""


@dataclass(frozen=True)
class RecordVvmObservation:
    """A VVM reading of the lot at a facility (at one of its units when given)."""

    lot_id: int
    stage: int
    reason: str
    user: str
    facility_id: int
    storage_unit_id: int | None = None
    observed_at: datetime | None = None


@dataclass(frozen=True)
class VoidVvmObservation:
    """Correct a wrong reading: a voiding entry that names it (the reading is kept)."""

    observation_id: int
    reason: str
    user: str


@dataclass(frozen=True)
class SetAllocation:
    """A quota set by ``set_by_facility_id`` (the parent) for one of its children."""

    facility_id: int
    product_id: int
    period_start: date
    period_end: date
    doses: int
    set_by_facility_id: int
    user: str


@dataclass(frozen=True)
class SetEligiblePopulation:
    """The people a site should vaccinate with a product in a calendar year."""

    facility_id: int
    product_id: int
    year: int
    population: int
    user: str


@dataclass(frozen=True)
class SetStockLevel:
    """The minimum and maximum months of stock a facility should hold of a product."""

    facility_id: int
    product_id: int
    min_months: float
    max_months: float
    user: str


@dataclass(frozen=True)
class SetDoseTarget:
    """A site's daily target of a product's dose number over local dates (inclusive), and
    the population that dose covers (``None``: no coverage figure)."""

    facility_id: int
    product_id: int
    dose_number: int
    period_start: date
    period_end: date
    daily_target: int
    target_population: int | None
    user: str


@dataclass(frozen=True)
class CreateShipment:
    """A planned shipment; with ``idempotency_key``, a retry returns the first one."""

    origin_facility_id: int
    destination_facility_id: int
    expected_lead_time: timedelta
    user: str
    reference: str | None = None
    idempotency_key: str | None = None


# -- movements ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveFromSupplier:
    storage_unit_id: int
    lot_id: int
    doses: int
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None
    reference: str | None = None


@dataclass(frozen=True)
class DispatchItem:
    """``doses`` of a product; with ``lot_id`` the lot is named, without it FEFO picks."""

    product_id: int
    doses: int
    lot_id: int | None = None


@dataclass(frozen=True)
class DispatchShipment:
    shipment_id: int
    storage_unit_id: int  # the unit of the origin facility the doses are taken from
    items: tuple[DispatchItem, ...]
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None
    fefo_override_reason: str | None = None
    strategy: str = "fefo"


@dataclass(frozen=True)
class ReceiveShipment:
    shipment_id: int
    storage_unit_id: int  # the unit of the destination facility the doses go into
    lots: tuple[ReceivedLot, ...]
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None
    # Rule 27: "accept" or "accept_quarantined" (every lot lands held); whether the transport
    # record covered the journey (None: not checked, no logger); a supervisor's override.
    decision: str = "accept"
    record_complete: bool | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class RefuseShipment:
    """The receiver refuses the delivery (rule 27): its doses go back to the sender."""

    shipment_id: int
    reason: str
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None
    record_complete: bool | None = None


@dataclass(frozen=True)
class ReceiveReturn:
    """The sender receives a refused shipment back (rule 27): per lot the doses that came
    back (every refused lot listed, 0 if none; a difference needs a reason), into the
    quarantine of a unit of the origin, by default the unit it was dispatched from."""

    shipment_id: int
    lots: tuple[ReceivedLot, ...]
    user: str
    idempotency_key: str
    storage_unit_id: int | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class MarkShipmentLost:
    shipment_id: int
    reason: str
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class TransferStock:
    """Doses moved between two units of one facility: usable ones, or with ``held`` the
    quarantined ones (out of a failing fridge, say), which stay quarantined."""

    from_unit_id: int
    to_unit_id: int
    lot_id: int
    doses: int
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None
    reason: str | None = None
    held: bool = False


@dataclass(frozen=True)
class AdministerDoses:
    storage_unit_id: int
    lot_id: int
    doses: int
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None
    dose_number: int | None = None


@dataclass(frozen=True)
class RecordWastage:
    storage_unit_id: int
    lot_id: int
    doses: int
    reason: WastageReason
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class CountedLot:
    """One lot of a count; ``reason``: why the count differs from the books (kept with the
    lot's difference, shown on its stock card)."""

    lot_id: int
    doses: int
    reason: str | None = None


@dataclass(frozen=True)
class RecordCount:
    """A physical count of usable stock; ``full`` counts every lot not listed as zero."""

    storage_unit_id: int
    counts: tuple[CountedLot, ...]
    user: str
    idempotency_key: str
    occurred_at: datetime | None = None
    full: bool = False
    note: str | None = None


@dataclass(frozen=True)
class QuarantineStock:
    """Hold stock in a unit; without ``lot_id`` every lot, without ``doses`` all of it."""

    storage_unit_id: int
    reason: str
    user: str
    idempotency_key: str
    lot_id: int | None = None
    doses: int | None = None
    reference: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class QuarantineRequest:
    """Hold, in the excursion's unit, every usable dose of the lots exposed to it.

    Idempotent on ``excursion`` (its reference is the movement's, and the key is derived
    from it): a second request citing the same excursion posts nothing, whatever its lots.
    """

    excursion: ExcursionRef
    lot_ids: tuple[int, ...]
    reason: str
    user: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ReleaseStock:
    """Release held stock, with the manufacturer's or programme's reference."""

    storage_unit_id: int
    lot_id: int
    reference: str
    user: str
    idempotency_key: str
    doses: int | None = None
    reason: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class DestroyStock:
    storage_unit_id: int
    lot_id: int
    user: str
    idempotency_key: str
    doses: int | None = None
    reason: WastageReason = WastageReason.TEMPERATURE_DAMAGE
    reference: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RecallLot:
    lot_id: int
    reference: str
    user: str
    idempotency_key: str
    reason: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class ReverseMovement:
    movement_id: int
    reason: str
    user: str
    idempotency_key: str


@dataclass(frozen=True)
class AttachLogger:
    """Put a logger on a dispatched shipment (rule 27); its readings from ``attached_at``
    (default: the dispatch) on are the shipment's."""

    shipment_id: int
    sensor_id: str
    user: str
    reporting_interval_s: int = 300
    attached_at: datetime | None = None


@dataclass(frozen=True)
class DetachLogger:
    """Take the logger off the shipment at ``detached_at`` (default: now)."""

    shipment_id: int
    sensor_id: str
    user: str
    detached_at: datetime | None = None


@dataclass(frozen=True)
class HoldTransitExposure:
    """Hold the lots exposed to an excursion on the road: at the receipt if the shipment is
    still in transit, in the receiving unit at once if it has arrived. Idempotent by the
    excursion (``excursion`` names the shipment's transit unit)."""

    excursion: ExcursionRef
    lot_ids: tuple[int, ...]
    reason: str
    user: str
