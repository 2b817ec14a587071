"""Storage units (fridges, freezers, cold rooms, cold boxes): create one at a facility the
caller may write at, read one, and its storage history (which lots, how many doses, when)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from api.deps import CurrentPrincipal, Deps, WriterPrincipal
from api.places import ensure_read_at_unit, ensure_write_at
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.registry import StorageUnitCreate, StorageUnitPublic
from api.schemas.stock import StorageIntervalPublic
from inventory import queries, services
from inventory.commands import CreateStorageUnit

router = APIRouter(
    prefix="/storage-units", tags=["registry"], responses=error_responses(401, 403, 404, 422)
)


@router.post(
    "", response_model=StorageUnitPublic, status_code=status.HTTP_201_CREATED, responses=WRITE
)
def create_storage_unit(
    body: StorageUnitCreate, deps: Deps, who: WriterPrincipal
) -> StorageUnitPublic:
    ensure_write_at(deps, who, body.facility_id)
    command = CreateStorageUnit(body.code, body.facility_id, body.kind, body.profile, body.name)
    return StorageUnitPublic.of(services.create_storage_unit(deps.inventory_uow(), command))


@router.get("/{unit_id}", response_model=StorageUnitPublic)
def get_storage_unit(unit_id: Id, deps: Deps, who: CurrentPrincipal) -> StorageUnitPublic:
    return StorageUnitPublic.of(ensure_read_at_unit(deps, who, unit_id))


@router.get("/{unit_id}/history", response_model=list[StorageIntervalPublic])
def storage_history(
    unit_id: Id,
    deps: Deps,
    who: CurrentPrincipal,
    start: AwareDatetime = Query(description="window start (aware)"),
    end: AwareDatetime | None = Query(default=None, description="window end; default: now"),
) -> list[StorageIntervalPublic]:
    """Every (lot, doses, [start, end)) the unit physically held within the window."""
    ensure_read_at_unit(deps, who, unit_id)
    until: datetime = end or deps.clock()
    intervals = queries.storage_history(deps.inventory_uow(), unit_id, start, until)
    return [StorageIntervalPublic.of(i) for i in intervals]
