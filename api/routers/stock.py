"""Reading stock: on hand (a unit, a facility or a subtree; usable and held apart, in doses
and vials, in transit apart), the stock card with its running balance, and where a lot was
stored over a window. A lot is named by ``lot_id`` or ``scan`` in the query."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from access import scopes
from access.principal import Principal
from api.deps import ApiDeps, CurrentPrincipal, Deps
from api.lot_refs import LotRef, require_lot, resolve_lot
from api.places import ensure_read_at, ensure_read_at_unit, ensure_read_everywhere
from api.schemas.bounds import Id
from api.schemas.common import error_responses
from api.schemas.lots import SCAN_DESCRIPTION
from api.schemas.stock import (
    StockCardPublic,
    StockPublic,
    StorageIntervalPublic,
    narrow_to_lot,
)
from inventory import queries
from inventory.errors import InvalidInput

router = APIRouter(tags=["stock"], responses=error_responses(401, 403, 404, 422))

LotIdQuery = Annotated[Id | None, Query(description="the lot (or give scan)")]
ScanQuery = Annotated[str | None, Query(min_length=1, max_length=512, description=SCAN_DESCRIPTION)]


@router.get("/stock", response_model=StockPublic)
def stock_on_hand(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id | None, Query()] = None,
    storage_unit_id: Annotated[Id | None, Query()] = None,
    subtree: bool = Query(default=False, description="the facility and everything below it"),
    product_id: Annotated[Id | None, Query()] = None,
    lot_id: LotIdQuery = None,
    scan: ScanQuery = None,
    by_unit: bool = Query(default=False, description="one line per storage unit and lot"),
) -> StockPublic:
    """Give exactly one of ``facility_id`` and ``storage_unit_id``."""
    _ensure_read_at_scope(deps, who, facility_id, storage_unit_id)
    lot = resolve_lot(deps, LotRef(lot_id, scan))
    if lot is not None and product_id is not None and lot.product_id != product_id:
        raise InvalidInput(f"lot {lot.lot_number} is not a lot of product {product_id}")
    stock = queries.stock_on_hand(
        deps.inventory_uow(),
        storage_unit_id=storage_unit_id,
        facility_id=facility_id,
        subtree=subtree,
        product_id=product_id if lot is None else lot.product_id,
        by_unit=by_unit,
    )
    if lot is not None:
        product = queries.get_product(deps.inventory_uow(), lot.product_id)
        stock = narrow_to_lot(stock, lot.id, product.doses_per_vial)
    return StockPublic.of(stock)


@router.get("/stock-card", response_model=StockCardPublic)
def stock_card(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id | None, Query()] = None,
    storage_unit_id: Annotated[Id | None, Query()] = None,
    product_id: Annotated[Id | None, Query()] = None,
    lot_id: LotIdQuery = None,
    scan: ScanQuery = None,
    start: AwareDatetime | None = Query(default=None, description="entries after this"),
    end: AwareDatetime | None = Query(default=None, description="entries up to this"),
) -> StockCardPublic:
    """The ledger history of a facility or unit for a product or a lot, with balances:
    exactly one of facility_id and storage_unit_id; start before end, both in the
    programme window."""
    _ensure_read_at_scope(deps, who, facility_id, storage_unit_id)
    lot = resolve_lot(deps, LotRef(lot_id, scan))
    card = queries.stock_card(
        deps.inventory_uow(),
        facility_id=facility_id,
        storage_unit_id=storage_unit_id,
        product_id=product_id if lot is None else None,
        lot_id=None if lot is None else lot.id,
        start=start,
        end=end,
    )
    return StockCardPublic.of(card)


@router.get("/storage-history", response_model=list[StorageIntervalPublic])
def lot_storage_history(
    deps: Deps,
    who: CurrentPrincipal,
    lot_id: LotIdQuery = None,
    scan: ScanQuery = None,
    start: AwareDatetime | None = Query(default=None, description="default: first movement"),
    end: AwareDatetime | None = Query(default=None, description="default: now"),
) -> list[StorageIntervalPublic]:
    """Every storage unit the lot was in, with doses and [start, end) (a lot-wide view)."""
    lot = require_lot(deps, LotRef(lot_id, scan))
    intervals = queries.lot_storage_history(deps.inventory_uow(), lot.id, start, end)
    if not scopes.sees_everything(who):
        facilities = {
            queries.get_storage_unit(deps.inventory_uow(), unit).facility_id
            for unit in {i.storage_unit_id for i in intervals}
        }
        ensure_read_everywhere(deps, who, facilities, f"the storage history of lot {lot.id}")
    return [StorageIntervalPublic.of(i) for i in intervals]


def _ensure_read_at_scope(
    deps: ApiDeps, who: Principal, facility_id: int | None, unit_id: int | None
) -> None:
    if (facility_id is None) == (unit_id is None):
        raise InvalidInput("give exactly one of facility_id or storage_unit_id")
    if unit_id is not None:
        ensure_read_at_unit(deps, who, unit_id)
    else:
        assert facility_id is not None
        ensure_read_at(deps, who, facility_id)
