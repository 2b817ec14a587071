"""Lots: register one (get or create; by fields or by scanning the pack), read one, look
lots up by number (several products may share one), and their VVM observations.

Who registers a lot: the one who receives it from the supplier, i.e. an admin or a writer
scoped to a root of the facility tree (the province store); anyone else gets 403, so a
clinic cannot pre-register a lot (nor a VVM stage that would hold it everywhere). A VVM
reading is recorded by a writer at the facility where it is read; a supervisor in scope of
that facility (or an admin) voids a wrong one.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from access import scopes
from api.deps import ApiDeps, CurrentPrincipal, Deps, SupervisorPrincipal, WriterPrincipal
from api.lot_refs import LotRef, require_lot, scanned_lot
from api.places import ensure_write_at
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.lots import (
    LotCreate,
    LotPublic,
    VvmObservationCreate,
    VvmObservationPublic,
    VvmVoidCreate,
)
from inventory import queries, services
from inventory.commands import RecordVvmObservation, RegisterLot, VoidVvmObservation
from inventory.errors import InvalidInput
from inventory.results import LotView

router = APIRouter(prefix="/lots", tags=["registry"], responses=error_responses(401, 404, 422))
observations_router = APIRouter(
    prefix="/vvm-observations", tags=["registry"], responses=error_responses(401, 404, 422)
)


@router.post(
    "",
    response_model=LotPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**WRITE, **error_responses(403)},
)
def register_lot(body: LotCreate, deps: Deps, who: WriterPrincipal) -> LotPublic:
    """Get or create the lot (product, lot number, expiry); the same lot twice is one lot.
    A ``vvm_stage`` is recorded as the lot's first VVM observation at ``facility_id``."""
    scopes.ensure_registers_lots(who)
    if body.facility_id is not None:
        ensure_write_at(deps, who, body.facility_id)
    uow = deps.inventory_uow()
    if body.scan is not None:
        scanned = scanned_lot(uow, body.scan, deps.today())
        if scanned.expiry is None:
            raise InvalidInput("the scan carries no (17) expiry; a lot is registered with one")
        command = RegisterLot(
            scanned.product_id,
            scanned.lot_number,
            scanned.expiry,
            body.vvm_stage,
            body.facility_id,
            who.name,
        )
    else:
        assert body.product_id and body.lot_number and body.expiry
        command = RegisterLot(
            body.product_id,
            body.lot_number,
            body.expiry,
            body.vvm_stage,
            body.facility_id,
            who.name,
        )
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


@router.get("/{lot_id}/vvm-observations", response_model=list[VvmObservationPublic])
def list_vvm_observations(
    lot_id: Id, deps: Deps, _who: CurrentPrincipal
) -> list[VvmObservationPublic]:
    """Every VVM reading of the lot and every void, oldest first. Any caller may read them:
    the lot's stage holds it everywhere, so everyone may see why."""
    entries = services.list_vvm_observations(deps.inventory_uow(), lot_id)
    return [VvmObservationPublic.of(entry) for entry in entries]


@router.post(
    "/{lot_id}/vvm-observations",
    response_model=VvmObservationPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**WRITE, **error_responses(403)},
)
def record_vvm_observation(
    lot_id: Id, body: VvmObservationCreate, deps: Deps, who: WriterPrincipal
) -> VvmObservationPublic:
    """A VVM reading at a facility (a unit of it) that holds the lot, or at a root store."""
    facility_id = body.facility_id
    if body.storage_unit_id is not None:
        unit = queries.get_storage_unit(deps.inventory_uow(), body.storage_unit_id)
        if facility_id is not None and facility_id != unit.facility_id:
            raise InvalidInput(f"storage unit {unit.code} is not at facility {facility_id}")
        facility_id = unit.facility_id
    assert facility_id is not None
    ensure_write_at(deps, who, facility_id)
    command = RecordVvmObservation(
        lot_id,
        body.stage,
        body.reason,
        who.name,
        facility_id,
        body.storage_unit_id,
        body.observed_at,
    )
    return VvmObservationPublic.of(services.record_vvm_observation(deps.inventory_uow(), command))


@observations_router.post(
    "/{observation_id}/void",
    response_model=VvmObservationPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**WRITE, **error_responses(403)},
)
def void_vvm_observation(
    observation_id: Id, body: VvmVoidCreate, deps: Deps, who: SupervisorPrincipal
) -> VvmObservationPublic:
    """Correct a wrong reading (supervisor in scope of its facility, or admin): a voiding
    entry that references it; the lot's stage is recomputed from the readings left."""
    uow = deps.inventory_uow()
    ensure_write_at(deps, who, services.observation_facility(uow, observation_id))
    command = VoidVvmObservation(observation_id, body.reason, who.name)
    return VvmObservationPublic.of(services.void_vvm_observation(uow, command))


def _public(deps: ApiDeps, lot: LotView) -> LotPublic:
    product = queries.get_product(deps.inventory_uow(), lot.product_id)
    return LotPublic.of(lot, product.code)


def _product_of_gtin(deps: ApiDeps, gtin: str, product_id: int | None) -> int:
    product = queries.product_by_gtin(deps.inventory_uow(), gtin)
    if product_id is not None and product_id != product.id:
        raise InvalidInput(f"GTIN {gtin} is product {product.id}, not product {product_id}")
    return product.id
