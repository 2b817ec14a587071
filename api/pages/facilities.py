"""Which facility a ledger page shows: the one named by code (which the user must be able to
read, else 404), else the user's own scope facility, else (admin) the first root."""

from __future__ import annotations

from access.principal import Principal
from api.deps import ApiDeps
from api.places import ensure_read_at
from inventory import queries
from inventory.errors import NotFound
from inventory.results import FacilityView


def chosen_facility(deps: ApiDeps, who: Principal, code: str | None) -> FacilityView:
    uow = deps.inventory_uow()
    if code:
        facility = queries.facility_by_code(uow, code.strip())
    elif who.facility_id is not None:
        facility = queries.get_facility(uow, who.facility_id)
    else:
        roots = queries.root_facilities(uow)
        if not roots:
            raise NotFound("no facility is registered yet")
        facility = roots[0]
    ensure_read_at(deps, who, facility.id)
    return facility
