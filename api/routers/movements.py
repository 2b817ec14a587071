"""Movements of stock in a facility: receipt from the supplier, transfer, doses
administered, wastage, physical count, reversal; and reading one movement.

Each write names its storage unit (the caller must be able to write at the unit's facility),
names lots by id or scan, and carries an ``Idempotency-Key`` (replays post nothing).
"""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentPrincipal, Deps, WriterPrincipal
from api.idempotency import IdempotencyKey, ledger_key
from api.lot_refs import require_lot
from api.places import (
    ensure_read_at,
    ensure_read_everywhere,
    ensure_write_at_movement,
    ensure_write_at_unit,
)
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.movements import (
    AdministrationCreate,
    CountCreate,
    MovementDetailPublic,
    MovementPublic,
    ReceiptCreate,
    ReversalCreate,
    TransferCreate,
    WastageCreate,
)
from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    CountedLot,
    ReceiveFromSupplier,
    RecordCount,
    RecordWastage,
    ReverseMovement,
    TransferStock,
)

router = APIRouter(
    prefix="/movements", tags=["movements"], responses=error_responses(401, 403, 404, 422)
)
CREATED = status.HTTP_201_CREATED


@router.post("/receipts", response_model=MovementPublic, status_code=CREATED, responses=WRITE)
def receive_from_supplier(
    body: ReceiptCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    """Doses delivered by the supplier into a unit (a recalled lot lands in quarantine)."""
    ensure_write_at_unit(deps, who, body.storage_unit_id)
    lot = require_lot(deps, body.lot_ref)
    command = ReceiveFromSupplier(
        body.storage_unit_id,
        lot.id,
        body.doses,
        who.name,
        ledger_key(who, key),
        body.occurred_at,
        body.reference,
    )
    return MovementPublic.of(services.receive_from_supplier(deps.inventory_uow(), command))


@router.post("/transfers", response_model=MovementPublic, status_code=CREATED, responses=WRITE)
def transfer(
    body: TransferCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    """Doses between two units of one facility (between facilities: a shipment); with
    ``held`` the quarantined ones, which stay quarantined (emptying a failing fridge)."""
    ensure_write_at_unit(deps, who, body.from_unit_id)
    ensure_write_at_unit(deps, who, body.to_unit_id)
    lot = require_lot(deps, body.lot_ref)
    command = TransferStock(
        body.from_unit_id,
        body.to_unit_id,
        lot.id,
        body.doses,
        who.name,
        ledger_key(who, key),
        body.occurred_at,
        body.reason,
        body.held,
    )
    return MovementPublic.of(services.transfer_stock(deps.inventory_uow(), command))


@router.post(
    "/administrations", response_model=MovementPublic, status_code=CREATED, responses=WRITE
)
def administer(
    body: AdministrationCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    """Doses given; a lot on hold (expired, VVM, quarantined, recalled) is a 409 saying why."""
    ensure_write_at_unit(deps, who, body.storage_unit_id)
    lot = require_lot(deps, body.lot_ref)
    command = AdministerDoses(
        body.storage_unit_id,
        lot.id,
        body.doses,
        who.name,
        ledger_key(who, key),
        body.occurred_at,
        body.dose_number,
    )
    return MovementPublic.of(services.administer_doses(deps.inventory_uow(), command))


@router.post("/wastage", response_model=MovementPublic, status_code=CREATED, responses=WRITE)
def record_wastage(
    body: WastageCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    ensure_write_at_unit(deps, who, body.storage_unit_id)
    lot = require_lot(deps, body.lot_ref)
    command = RecordWastage(
        body.storage_unit_id,
        lot.id,
        body.doses,
        body.reason,
        who.name,
        ledger_key(who, key),
        body.occurred_at,
        body.note,
    )
    return MovementPublic.of(services.record_wastage(deps.inventory_uow(), command))


@router.post("/counts", response_model=MovementPublic, status_code=CREATED, responses=WRITE)
def record_count(
    body: CountCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    """A physical count: each difference from the books is posted to adjustment."""
    ensure_write_at_unit(deps, who, body.storage_unit_id)
    counts = tuple(
        CountedLot(require_lot(deps, c.lot_ref).id, c.doses, c.reason) for c in body.counts
    )
    command = RecordCount(
        body.storage_unit_id,
        counts,
        who.name,
        ledger_key(who, key),
        body.occurred_at,
        body.full,
        body.note,
    )
    return MovementPublic.of(services.record_count(deps.inventory_uow(), command))


@router.post(
    "/{movement_id}/reversal", response_model=MovementPublic, status_code=CREATED, responses=WRITE
)
def reverse(
    movement_id: Id, body: ReversalCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    """Post the exact opposite of a movement, at its time, with a reason (once)."""
    ensure_write_at_movement(deps, who, movement_id)
    command = ReverseMovement(movement_id, body.reason, who.name, ledger_key(who, key))
    return MovementPublic.of(services.reverse_movement(deps.inventory_uow(), command))


@router.get("/{movement_id}", response_model=MovementDetailPublic)
def get_movement(movement_id: Id, deps: Deps, who: CurrentPrincipal) -> MovementDetailPublic:
    detail = queries.get_movement(deps.inventory_uow(), movement_id)
    if detail.movement.facility_id is not None:
        ensure_read_at(deps, who, detail.movement.facility_id)
    else:  # a recall: every facility it touched
        touched = {line.facility_id for line in detail.movement.lines if line.facility_id}
        ensure_read_everywhere(deps, who, touched, f"movement {movement_id}")
    public = MovementPublic.of(detail.movement)
    return MovementDetailPublic(**public.model_dump(), reversed_by=detail.reversed_by)
