"""Shipments: created and dispatched at the origin (FEFO unless lots are named), received at
the destination (per lot, discrepancies with reasons), marked lost by the origin; a refused
one received back by the origin (its return receipt); read from either end; listed per
facility, and the overdue ones (a diversion signal).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from access.scopes import ensure_may_override
from api.deps import ApiDeps, CurrentPrincipal, Deps, WriterPrincipal, facility_path
from api.idempotency import IdempotencyKey, OptionalIdempotencyKey, ledger_key
from api.lot_refs import require_lot, resolve_lot
from api.places import ensure_read_at, ensure_read_shipment, ensure_write_at, shipment
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.shipments import (
    DispatchCreate,
    DispatchItemCreate,
    OverdueShipmentPublic,
    ReturnReceiptCreate,
    ShipmentCreate,
    ShipmentLostCreate,
    ShipmentPostedPublic,
    ShipmentPublic,
    ShipmentReceiptCreate,
)
from api.transport_records import record_covers
from inventory import queries, services
from inventory.commands import (
    CreateShipment,
    DispatchItem,
    DispatchShipment,
    MarkShipmentLost,
    ReceivedLot,
    ReceiveReturn,
    ReceiveShipment,
)
from inventory.errors import InvalidInput

router = APIRouter(
    prefix="/shipments", tags=["shipments"], responses=error_responses(401, 403, 404, 422)
)
CREATED = status.HTTP_201_CREATED


@router.post("", response_model=ShipmentPublic, status_code=CREATED, responses=WRITE)
def create_shipment(
    body: ShipmentCreate, deps: Deps, who: WriterPrincipal, key: OptionalIdempotencyKey
) -> ShipmentPublic:
    """Plan a shipment from the origin (where the caller writes); nothing moves yet. With an
    ``Idempotency-Key`` a retry returns the same shipment instead of planning a second."""
    ensure_write_at(deps, who, body.origin_facility_id)
    command = CreateShipment(
        body.origin_facility_id,
        body.destination_facility_id,
        timedelta(hours=body.expected_lead_time_hours),
        who.name,
        body.reference,
        None if key is None else ledger_key(who, key),
    )
    return ShipmentPublic.of(services.create_shipment(deps.inventory_uow(), command))


@router.post(
    "/{shipment_id}/dispatch",
    response_model=ShipmentPostedPublic,
    status_code=CREATED,
    responses=WRITE,
)
def dispatch(
    shipment_id: Id, body: DispatchCreate, deps: Deps, who: WriterPrincipal, key: IdempotencyKey
) -> ShipmentPostedPublic:
    """Take the items from one unit of the origin into transit (FEFO picks unnamed lots)."""
    ensure_write_at(deps, who, shipment(deps, shipment_id).origin_facility_id)
    command = DispatchShipment(
        shipment_id=shipment_id,
        storage_unit_id=body.storage_unit_id,
        items=tuple(_dispatch_item(deps, item) for item in body.items),
        user=who.name,
        idempotency_key=ledger_key(who, key),
        occurred_at=body.occurred_at,
        fefo_override_reason=body.fefo_override_reason,
    )
    return ShipmentPostedPublic.of(services.dispatch_shipment(deps.inventory_uow(), command))


@router.post(
    "/{shipment_id}/receipt",
    response_model=ShipmentPostedPublic,
    status_code=CREATED,
    responses={**WRITE, **error_responses(503)},
)
def receive(
    shipment_id: Id,
    body: ShipmentReceiptCreate,
    deps: Deps,
    who: WriterPrincipal,
    key: IdempotencyKey,
) -> ShipmentPostedPublic:
    """Count what arrived at the destination; every dispatched lot is listed. A shipment
    that carried a logger is checked against its transport record first: one that does not
    cover the journey is accepted only by a supervisor giving ``override_reason``."""
    ensure_write_at(deps, who, shipment(deps, shipment_id).destination_facility_id)
    lots = tuple(
        ReceivedLot(require_lot(deps, lot.lot_ref).id, lot.doses, lot.discrepancy_reason)
        for lot in body.lots
    )
    covers = record_covers(deps, shipment_id, body.occurred_at)
    ensure_may_override(who, covers, body.override_reason)
    command = ReceiveShipment(
        shipment_id,
        body.storage_unit_id,
        lots,
        who.name,
        ledger_key(who, key),
        body.occurred_at,
        decision=body.decision,
        record_complete=covers,
        override_reason=body.override_reason,
    )
    return ShipmentPostedPublic.of(services.receive_shipment(deps.inventory_uow(), command))


@router.post(
    "/{shipment_id}/return-receipt",
    response_model=ShipmentPostedPublic,
    status_code=CREATED,
    responses=WRITE,
)
def receive_return(
    shipment_id: Id,
    body: ReturnReceiptCreate,
    deps: Deps,
    who: WriterPrincipal,
    key: IdempotencyKey,
) -> ShipmentPostedPublic:
    """The origin receives a refused shipment back: every refused lot listed with the doses
    that came back (a difference needs a reason; a shortfall is wasted as lost at the
    origin). They land in the quarantine of a unit of the origin, by default the one they
    left from, until the origin releases or destroys them."""
    ensure_write_at(deps, who, shipment(deps, shipment_id).origin_facility_id)
    lots = tuple(
        ReceivedLot(require_lot(deps, lot.lot_ref).id, lot.doses, lot.discrepancy_reason)
        for lot in body.lots
    )
    command = ReceiveReturn(
        shipment_id,
        lots,
        who.name,
        ledger_key(who, key),
        body.storage_unit_id,
        body.occurred_at,
    )
    return ShipmentPostedPublic.of(services.receive_return(deps.inventory_uow(), command))


@router.post(
    "/{shipment_id}/lost",
    response_model=ShipmentPostedPublic,
    status_code=CREATED,
    responses=WRITE,
)
def mark_lost(
    shipment_id: Id,
    body: ShipmentLostCreate,
    deps: Deps,
    who: WriterPrincipal,
    key: IdempotencyKey,
) -> ShipmentPostedPublic:
    """Nothing arrived: the origin (which owned the doses) writes them off as lost; also a
    refused shipment lost on its way back."""
    ensure_write_at(deps, who, shipment(deps, shipment_id).origin_facility_id)
    command = MarkShipmentLost(
        shipment_id, body.reason, who.name, ledger_key(who, key), body.occurred_at
    )
    return ShipmentPostedPublic.of(services.mark_shipment_lost(deps.inventory_uow(), command))


@router.get("/overdue", response_model=list[OverdueShipmentPublic])
def overdue(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[
        Id | None, Query(description="from or to this subtree; default: the caller's scope")
    ] = None,
) -> list[OverdueShipmentPublic]:
    """Dispatched, not received within the expected lead time + 24 h; refused, and the
    return not received back within the expected lead time + 24 h of the refusal."""
    root = facility_id if facility_id is not None else who.facility_id
    path = None
    if root is not None:
        path = facility_path(deps, root)
        ensure_read_at(deps, who, root)
    rows = queries.overdue_shipments(deps.inventory_uow(), deps.clock(), facility_path=path)
    return [OverdueShipmentPublic.of(row) for row in rows]


@router.get("", response_model=list[ShipmentPublic])
def list_shipments(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="shipments from or to this facility")],
    status: str | None = Query(default=None, description="created, dispatched, received, ..."),
) -> list[ShipmentPublic]:
    ensure_read_at(deps, who, facility_id)
    found = queries.list_shipments(deps.inventory_uow(), facility_id, status)
    return [ShipmentPublic.of(s) for s in found]


@router.get("/{shipment_id}", response_model=ShipmentPublic)
def get_shipment(shipment_id: Id, deps: Deps, who: CurrentPrincipal) -> ShipmentPublic:
    found = shipment(deps, shipment_id)
    ensure_read_shipment(deps, who, found)
    return ShipmentPublic.of(found)


def _dispatch_item(deps: ApiDeps, item: DispatchItemCreate) -> DispatchItem:
    lot = resolve_lot(deps, item.lot_ref)
    if lot is None:
        assert item.product_id is not None
        return DispatchItem(item.product_id, item.doses)
    if item.product_id is not None and item.product_id != lot.product_id:
        raise InvalidInput(
            f"lot {lot.lot_number} is a lot of product {lot.product_id}, not {item.product_id}"
        )
    return DispatchItem(lot.product_id, item.doses, lot.id)
