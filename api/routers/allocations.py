"""Allocations: the parent facility sets a child's quota of a product for a period; the
status of a subtree shows allocated vs dispatched vs received vs administered, rolled up."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import reports as reads
from api.deps import CurrentPrincipal, Deps, WriterPrincipal
from api.places import ensure_write_at
from api.schemas.allocations import (
    AllocationCreate,
    AllocationPublic,
    AllocationStatusPublic,
    allocation_status_csv,
)
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from inventory import queries, services
from inventory.commands import SetAllocation
from inventory.errors import InvalidInput

router = APIRouter(
    prefix="/allocations", tags=["allocations"], responses=error_responses(401, 403, 404, 422)
)


@router.put("", response_model=AllocationPublic, responses=WRITE)
def set_allocation(body: AllocationCreate, deps: Deps, who: WriterPrincipal) -> AllocationPublic:
    """Set (or replace) a quota; the caller must be able to write at the parent facility."""
    facility = queries.get_facility(deps.inventory_uow(), body.facility_id)
    if facility.parent_id is None:
        raise InvalidInput(f"facility {facility.code} is a root: no level above sets its quota")
    ensure_write_at(deps, who, facility.parent_id)
    command = SetAllocation(
        body.facility_id,
        body.product_id,
        body.period_start,
        body.period_end,
        body.doses,
        facility.parent_id,
        who.name,
    )
    return AllocationPublic.of(services.set_allocation(deps.inventory_uow(), command))


@router.get("", response_model=list[AllocationStatusPublic])
def allocation_status(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the facility and everything below it")],
    product_id: Annotated[Id, Query()],
    period_start: date = Query(),
    period_end: date = Query(),
) -> list[AllocationStatusPublic]:
    rows = reads.allocations(deps, who, facility_id, product_id, period_start, period_end)
    return [AllocationStatusPublic.of(row) for row in rows]


@router.get(
    ".csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per facility"}},
)
def allocation_status_as_csv(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the facility and everything below it")],
    product_id: Annotated[Id, Query()],
    period_start: date = Query(),
    period_end: date = Query(),
) -> Response:
    """The allocation fulfilment of a subtree as CSV, for a spreadsheet."""
    rows = reads.allocations(deps, who, facility_id, product_id, period_start, period_end)
    code = rows[0].code if rows else str(facility_id)
    body = allocation_status_csv(rows, period_start, period_end)
    return reads.csv_download(body, "allocations", code, period_start, period_end)
