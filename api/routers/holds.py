"""Held stock: quarantine, release (with a reference), destruction, and recall (admin: one
action that quarantines the lot in every unit and lists who held it)."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import AdminPrincipal, Deps, WriterPrincipal
from api.idempotency import IdempotencyKey, ledger_key
from api.lot_refs import require_lot, resolve_lot
from api.places import ensure_write_at_unit
from api.schemas.common import error_responses
from api.schemas.holds import (
    DestructionCreate,
    QuarantineCreate,
    RecallCreate,
    RecallPublic,
    ReleaseCreate,
)
from api.schemas.movements import MovementPublic
from inventory import services
from inventory.commands import DestroyStock, QuarantineStock, RecallLot, ReleaseStock

router = APIRouter(
    prefix="/movements", tags=["holds"], responses=error_responses(400, 401, 403, 404, 409, 422)
)
CREATED = status.HTTP_201_CREATED


@router.post("/quarantines", response_model=MovementPublic, status_code=CREATED)
def quarantine(
    body: QuarantineCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    """Hold stock "DO NOT USE" in its unit: one lot, or every lot when none is named."""
    ensure_write_at_unit(deps, who, body.storage_unit_id)
    lot = resolve_lot(deps, body.lot_ref)
    command = QuarantineStock(
        storage_unit_id=body.storage_unit_id,
        reason=body.reason,
        user=who.name,
        idempotency_key=ledger_key(who, key),
        lot_id=None if lot is None else lot.id,
        doses=body.doses,
        reference=body.reference,
        occurred_at=body.occurred_at,
    )
    return MovementPublic.of(services.quarantine_stock(deps.inventory_uow(), command))


@router.post("/releases", response_model=MovementPublic, status_code=CREATED)
def release(
    body: ReleaseCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    """Return held doses to usable stock, citing the reference that allows it."""
    ensure_write_at_unit(deps, who, body.storage_unit_id)
    command = ReleaseStock(
        storage_unit_id=body.storage_unit_id,
        lot_id=require_lot(deps, body.lot_ref).id,
        reference=body.reference,
        user=who.name,
        idempotency_key=ledger_key(who, key),
        doses=body.doses,
        reason=body.reason,
        occurred_at=body.occurred_at,
    )
    return MovementPublic.of(services.release_stock(deps.inventory_uow(), command))


@router.post("/destructions", response_model=MovementPublic, status_code=CREATED)
def destroy(
    body: DestructionCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> MovementPublic:
    """Held doses destroyed: they become wastage for the reason given."""
    ensure_write_at_unit(deps, who, body.storage_unit_id)
    command = DestroyStock(
        storage_unit_id=body.storage_unit_id,
        lot_id=require_lot(deps, body.lot_ref).id,
        user=who.name,
        idempotency_key=ledger_key(who, key),
        doses=body.doses,
        reason=body.reason,
        reference=body.reference,
        occurred_at=body.occurred_at,
    )
    return MovementPublic.of(services.destroy_stock(deps.inventory_uow(), command))


@router.post("/recalls", response_model=RecallPublic, status_code=CREATED)
def recall(
    body: RecallCreate, deps: Deps, who: AdminPrincipal, key: IdempotencyKey
) -> RecallPublic:
    """Recall a lot everywhere (admin): quarantined in every unit, holders listed."""
    command = RecallLot(
        lot_id=require_lot(deps, body.lot_ref).id,
        reference=body.reference,
        user=who.name,
        idempotency_key=ledger_key(who, key),
        reason=body.reason,
        occurred_at=body.occurred_at,
    )
    return RecallPublic.of(services.recall_lot(deps.inventory_uow(), command))
