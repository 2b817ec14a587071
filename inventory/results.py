"""Results of the write side: frozen dataclasses, never ORM rows, so callers can map them.

Invariant: a movement's result is built only from immutable facts (the movement, its lines,
the discrepancies it recorded), so a replay with the same idempotency key returns a result
equal to the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from inventory import models as m
from inventory.domain.excursions import ExcursionRef


@dataclass(frozen=True)
class FacilityView:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    timezone: str
    path: str


@dataclass(frozen=True)
class StorageUnitView:
    id: int
    code: str
    facility_id: int
    kind: str
    profile: str
    name: str


@dataclass(frozen=True)
class ProductView:
    id: int
    code: str
    name: str
    manufacturer: str
    gtin: str | None
    doses_per_vial: int
    profile: str
    freeze_sensitive: bool


@dataclass(frozen=True)
class LotView:
    id: int
    product_id: int
    lot_number: str
    expiry: date
    vvm_stage: int | None
    recalled_at: datetime | None
    recall_reference: str | None


@dataclass(frozen=True)
class PostedLine:
    """One line: ``account`` is the account kind (stock, quarantine, in_transit, ...)."""

    account: str
    lot_id: int
    doses: int
    storage_unit_id: int | None = None
    facility_id: int | None = None
    shipment_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class MovementView:
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
    lines: tuple[PostedLine, ...]


@dataclass(frozen=True)
class ExposureQuarantine:
    """What ``quarantine_exposed`` held for an excursion: its one movement (None when the
    exposed lots had no usable dose left in the unit), the same on every replay."""

    excursion: ExcursionRef
    storage_unit_id: int
    movement: MovementView | None

    @property
    def held(self) -> dict[int, int]:
        """Doses held per lot."""
        if self.movement is None:
            return {}
        return {ln.lot_id: ln.doses for ln in self.movement.lines if ln.account == "quarantine"}


@dataclass(frozen=True)
class DiscrepancyView:
    lot_id: int
    kind: str
    dispatched: int
    received: int
    reason: str


@dataclass(frozen=True)
class ShipmentPosted:
    """A dispatch, receipt or loss: the status it produced and what it posted."""

    shipment_id: int
    status: str
    movement: MovementView
    discrepancies: tuple[DiscrepancyView, ...] = ()


@dataclass(frozen=True)
class ShipmentLineView:
    lot_id: int
    lot_number: str
    product_id: int
    dispatched: int
    received: int | None
    returned: int | None = None  # a refused shipment: counted back at the sender


@dataclass(frozen=True)
class ShipmentDecisionView:
    """The receiver's decision on the transport record (rule 27)."""

    decision: str  # accept | accept_quarantined | refuse
    record_complete: bool | None  # None: not checked (no logger)
    override_reason: str | None
    override_by: str | None
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class ShipmentView:
    id: int
    origin_facility_id: int
    destination_facility_id: int
    status: str
    expected_lead_time: timedelta
    reference: str | None
    created_at: datetime
    created_by: str
    dispatched_at: datetime | None
    received_at: datetime | None
    lines: tuple[ShipmentLineView, ...] = ()
    # the standing receipt's, or (a refused shipment) the standing return receipt's
    discrepancies: tuple[DiscrepancyView, ...] = ()
    decision: ShipmentDecisionView | None = None  # the standing one (rule 27)
    refused_at: datetime | None = None  # refused: its doses went onto the road back
    returned_at: datetime | None = None  # the sender received the return

    @property
    def returning(self) -> bool:
        """Refused, and its doses still on the road back to the sender."""
        return self.status == "refused"


@dataclass(frozen=True)
class Holding:
    facility_id: int
    facility_code: str
    storage_unit_id: int
    storage_unit_code: str
    doses: int


@dataclass(frozen=True)
class TransitHolding:
    shipment_id: int
    origin_facility_id: int
    destination_facility_id: int
    doses: int


@dataclass(frozen=True)
class RecallResult:
    """Who held the lot when it was recalled (now quarantined there) and what was moving."""

    lot_id: int
    movement: MovementView
    holders: tuple[Holding, ...]
    in_transit: tuple[TransitHolding, ...]


@dataclass(frozen=True)
class AllocationView:
    id: int
    facility_id: int
    product_id: int
    period_start: date
    period_end: date
    doses: int
    set_by_facility_id: int
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class DoseTargetView:
    id: int
    facility_id: int
    product_id: int
    dose_number: int
    period_start: date
    period_end: date
    daily_target: int
    target_population: int | None
    set_by: str
    set_at: datetime


def dose_target_view(row: m.DoseTarget) -> DoseTargetView:
    return DoseTargetView(
        row.id,
        row.facility_id,
        row.product_id,
        row.dose_number,
        row.period_start,
        row.period_end,
        row.daily_target,
        row.target_population,
        row.set_by,
        row.set_at,
    )


def facility_view(row: m.Facility) -> FacilityView:
    return FacilityView(
        row.id, row.code, row.name, row.level, row.parent_id, row.timezone, row.path
    )


def storage_unit_view(row: m.StorageUnit) -> StorageUnitView:
    return StorageUnitView(row.id, row.code, row.facility_id, row.kind, row.profile, row.name)


def product_view(row: m.Product) -> ProductView:
    return ProductView(
        row.id,
        row.code,
        row.name,
        row.manufacturer,
        row.gtin,
        row.doses_per_vial,
        row.profile,
        row.freeze_sensitive,
    )


def lot_view(row: m.Lot) -> LotView:
    return LotView(
        row.id,
        row.product_id,
        row.lot_number,
        row.expiry,
        row.vvm_stage,
        row.recalled_at,
        row.recall_reference,
    )


def allocation_view(row: m.Allocation) -> AllocationView:
    return AllocationView(
        row.id,
        row.facility_id,
        row.product_id,
        row.period_start,
        row.period_end,
        row.doses,
        row.set_by_facility_id,
        row.set_by,
        row.set_at,
    )


def movement_view(row: m.Movement, lines: list[tuple[m.MovementLine, m.Account]]) -> MovementView:
    return MovementView(
        id=row.id,
        kind=row.kind,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        user=row.user_name,
        facility_id=row.facility_id,
        shipment_id=row.shipment_id,
        reason=row.reason,
        reference=row.reference,
        reverses_movement_id=row.reverses_movement_id,
        dose_number=row.dose_number,
        lines=tuple(
            PostedLine(
                account=acct.kind,
                lot_id=ln.lot_id,
                doses=ln.doses,
                storage_unit_id=acct.storage_unit_id,
                facility_id=acct.facility_id,
                shipment_id=acct.shipment_id,
                reason=acct.reason,
            )
            for ln, acct in lines
        ),
    )


@dataclass(frozen=True)
class VvmObservationView:
    """A VVM reading (``stage``) or a voiding entry (``voids_id``), with the lot's effective
    stage when it was returned and, for a reading, the entry that voided it."""

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


def vvm_observation_view(
    row: m.VvmObservation, lot_vvm_stage: int | None, voided_by_id: int | None = None
) -> VvmObservationView:
    return VvmObservationView(
        row.id,
        row.lot_id,
        row.stage,
        row.voids_id,
        voided_by_id,
        row.facility_id,
        row.storage_unit_id,
        row.observed_at,
        row.recorded_at,
        row.user,
        row.reason,
        lot_vvm_stage,
    )


@dataclass(frozen=True)
class StockLevelView:
    id: int
    facility_id: int
    product_id: int
    min_months: float
    max_months: float
    set_by: str
    set_at: datetime


def stock_level_view(row: m.StockLevel) -> StockLevelView:
    return StockLevelView(
        row.id,
        row.facility_id,
        row.product_id,
        row.min_months,
        row.max_months,
        row.set_by,
        row.set_at,
    )


@dataclass(frozen=True)
class EligiblePopulationView:
    id: int
    facility_id: int
    product_id: int
    year: int
    population: int
    set_by: str
    set_at: datetime


def eligible_population_view(row: m.EligiblePopulation) -> EligiblePopulationView:
    return EligiblePopulationView(
        row.id, row.facility_id, row.product_id, row.year, row.population, row.set_by, row.set_at
    )


@dataclass(frozen=True)
class ShipmentLoggerView:
    """A logger on a shipment; ``detached_at`` None: still on it."""

    shipment_id: int
    sensor_id: str
    unit: str  # the transit unit code its readings are stored under
    reporting_interval_s: int
    attached_at: datetime
    attached_by: str
    detached_at: datetime | None
    detached_by: str | None


@dataclass(frozen=True)
class TransitHoldResult:
    """What a hold asked for on the road did: lots to hold at the receipt (``pending``), or
    the quarantine movement in the receiving unit (the shipment had arrived)."""

    shipment_id: int
    reference: str
    pending_lot_ids: tuple[int, ...]
    movement: MovementView | None
