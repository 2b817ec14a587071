"""Facilities: create one (under a parent the caller may write at; a root needs an admin),
read one, list a subtree, list a facility's storage units."""

from __future__ import annotations

from fastapi import APIRouter, status

from access import scopes
from api.deps import CurrentPrincipal, Deps, WriterPrincipal
from api.places import ensure_read_at, ensure_write_at
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.registry import FacilityCreate, FacilityPublic, StorageUnitPublic
from inventory import queries, services
from inventory.commands import CreateFacility

router = APIRouter(
    prefix="/facilities", tags=["registry"], responses=error_responses(401, 403, 404, 422)
)


@router.post(
    "", response_model=FacilityPublic, status_code=status.HTTP_201_CREATED, responses=WRITE
)
def create_facility(body: FacilityCreate, deps: Deps, who: WriterPrincipal) -> FacilityPublic:
    """A facility below ``parent_id`` (the caller writes there); a root: admin only."""
    if body.parent_id is None:
        scopes.ensure_admin(who, "only an admin may create a root facility; give parent_id")
    else:
        ensure_write_at(deps, who, body.parent_id)
    command = CreateFacility(body.code, body.name, body.level, body.timezone, body.parent_id)
    return FacilityPublic.of(services.create_facility(deps.inventory_uow(), command))


@router.get("/{facility_id}", response_model=FacilityPublic)
def get_facility(facility_id: Id, deps: Deps, who: CurrentPrincipal) -> FacilityPublic:
    ensure_read_at(deps, who, facility_id)
    return FacilityPublic.of(queries.get_facility(deps.inventory_uow(), facility_id))


@router.get("/{facility_id}/subtree", response_model=list[FacilityPublic])
def list_subtree(facility_id: Id, deps: Deps, who: CurrentPrincipal) -> list[FacilityPublic]:
    """The facility and every facility below it, ordered by path."""
    ensure_read_at(deps, who, facility_id)
    return [FacilityPublic.of(f) for f in queries.subtree(deps.inventory_uow(), facility_id)]


@router.get("/{facility_id}/storage-units", response_model=list[StorageUnitPublic])
def list_storage_units(
    facility_id: Id, deps: Deps, who: CurrentPrincipal
) -> list[StorageUnitPublic]:
    ensure_read_at(deps, who, facility_id)
    units = queries.storage_units_of(deps.inventory_uow(), facility_id)
    return [StorageUnitPublic.of(u) for u in units]
