"""Lots: register one (get or create; by fields or by scanning the pack), read one, and
look lots up by number, where several products may share a number (all are returned)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import ApiDeps, CurrentPrincipal, Deps, WriterPrincipal
from api.lot_refs import LotRef, require_lot, scanned_lot
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.lots import LotCreate, LotPublic
from inventory import queries, services
from inventory.commands import RegisterLot
from inventory.errors import InvalidInput
from inventory.results import LotView

router = APIRouter(prefix="/lots", tags=["registry"], responses=error_responses(401, 404, 422))


@router.post(
    "",
    response_model=LotPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**WRITE, **error_responses(403)},
)
def register_lot(body: LotCreate, deps: Deps, _who: WriterPrincipal) -> LotPublic:
    """Get or create the lot (product, lot number, expiry); the same lot twice is one lot."""
    uow = deps.inventory_uow()
    if body.scan is not None:
        scanned = scanned_lot(uow, body.scan, deps.today())
        if scanned.expiry is None:
            raise InvalidInput("the scan carries no (17) expiry; a lot is registered with one")
        command = RegisterLot(
            scanned.product_id, scanned.lot_number, scanned.expiry, body.vvm_stage
        )
    else:
        assert body.product_id and body.lot_number and body.expiry
        command = RegisterLot(body.product_id, body.lot_number, body.expiry, body.vvm_stage)
    return _public(deps, services.register_lot(uow, command))


@router.get("", response_model=list[LotPublic])
def find_lots(
    deps: Deps,
    _who: CurrentPrincipal,
    lot_number: str = Query(min_length=1, max_length=40),
    product_id: Annotated[Id | None, Query()] = None,
    gtin: str | None = Query(default=None, min_length=14, max_length=14),
    expiry: date | None = None,
) -> list[LotPublic]:
    """Every lot with this number (lot numbers repeat across manufacturers), narrowed by
    product (id or GTIN) and expiry when given."""
    uow = deps.inventory_uow()
    if expiry is not None:
        deps.window.check_day("expiry", expiry)
    if gtin is not None:
        product_id = _product_of_gtin(deps, gtin, product_id)
    lots = queries.find_lots(uow, lot_number, product_id, expiry)
    return [_public(deps, lot) for lot in lots]


@router.get("/scan", response_model=LotPublic)
def lot_by_scan(
    deps: Deps, _who: CurrentPrincipal, scan: str = Query(min_length=1, max_length=512)
) -> LotPublic:
    """The registered lot a scanned GS1 code names (404 if none)."""
    return _public(deps, require_lot(deps, LotRef(scan=scan)))


@router.get("/{lot_id}", response_model=LotPublic)
def get_lot(lot_id: Id, deps: Deps, _who: CurrentPrincipal) -> LotPublic:
    return _public(deps, queries.get_lot(deps.inventory_uow(), lot_id))


def _public(deps: ApiDeps, lot: LotView) -> LotPublic:
    product = queries.get_product(deps.inventory_uow(), lot.product_id)
    return LotPublic.of(lot, product.code)


def _product_of_gtin(deps: ApiDeps, gtin: str, product_id: int | None) -> int:
    product = queries.product_by_gtin(deps.inventory_uow(), gtin)
    if product_id is not None and product_id != product.id:
        raise InvalidInput(f"GTIN {gtin} is product {product.id}, not product {product_id}")
    return product.id
