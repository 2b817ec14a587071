"""The lot trace in one call: by lot id, by scan, or by lot number (with a product or GTIN
when several products share the number; without one, the candidates are returned).

A trace is a lot-wide view: a scoped caller sees it only when its subtree holds every
facility the trace names (the conservation line cannot be cut by scope). Its excursions
(domain rule 19) come from ``ApiDeps.lot_excursions``; null when that is not wired.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from access.principal import Principal
from api.deps import ApiDeps, CurrentPrincipal, Deps
from api.lot_refs import LotRef, resolve_lot
from api.places import ensure_read_everywhere
from api.schemas.bounds import Id
from api.schemas.common import error_responses
from api.schemas.lots import SCAN_DESCRIPTION
from api.schemas.trace import CandidatesPublic, TracePublic
from api.transport_records import TransportRecord
from ingest.queries import TelemetryUnavailable
from inventory import queries
from inventory.errors import InvalidInput
from inventory.queries import LotTrace

router = APIRouter(tags=["trace"], responses=error_responses(401, 403, 404, 422))


@router.get("/lots/{lot_id}/trace", response_model=TracePublic)
def trace_lot(lot_id: Id, deps: Deps, who: CurrentPrincipal) -> TracePublic:
    return _shown(deps, who, queries.trace_lot(deps.inventory_uow(), lot_id))


@router.get("/trace", response_model=TracePublic | CandidatesPublic)
def trace(
    deps: Deps,
    who: CurrentPrincipal,
    lot_id: Annotated[Id | None, Query()] = None,
    scan: Annotated[
        str | None, Query(min_length=1, max_length=512, description=SCAN_DESCRIPTION)
    ] = None,
    lot_number: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    product_id: Annotated[Id | None, Query(description="with lot_number")] = None,
    gtin: Annotated[
        str | None, Query(min_length=14, max_length=14, description="with lot_number")
    ] = None,
) -> TracePublic | CandidatesPublic:
    """One of ``lot_id``, ``scan`` or ``lot_number``; ``kind`` says which answer this is."""
    if sum(x is not None for x in (lot_id, scan, lot_number)) != 1:
        raise InvalidInput("name the lot once: give lot_id, scan or lot_number")
    uow = deps.inventory_uow()
    lot = resolve_lot(deps, LotRef(lot_id, scan))
    if lot is not None:
        return _shown(deps, who, queries.trace_lot(uow, lot.id))
    assert lot_number is not None
    if gtin is not None:
        product = queries.product_by_gtin(uow, gtin)
        if product_id is not None and product_id != product.id:
            raise InvalidInput(f"GTIN {gtin} is product {product.id}, not product {product_id}")
        product_id = product.id
    found = queries.trace_lot_number(uow, lot_number, product_id)
    if isinstance(found, queries.LotCandidates):
        return CandidatesPublic.of(found)
    return _shown(deps, who, found)


def _shown(deps: ApiDeps, who: Principal, found: LotTrace) -> TracePublic:
    facilities = {f.facility_id for f in found.facilities} | {
        end for s in found.shipments for end in (s.origin_facility_id, s.destination_facility_id)
    }
    ensure_read_everywhere(deps, who, facilities, f"the trace of lot {found.lot.lot_number}")
    # Every stay is in a facility of the trace, so the check above covers the excursions.
    known = deps.lot_excursions
    excursions = None if known is None else known.for_lot(found.lot.id)
    return TracePublic.of(found, excursions, _journeys(deps, found))


def _journeys(deps: ApiDeps, found: LotTrace) -> dict[int, TransportRecord]:
    """Each dispatched journey's transport record (rule 27), when telemetry is known."""
    records = deps.transport_records
    if records is None:
        return {}
    try:
        return {
            s.shipment_id: records.for_shipment(s.shipment_id)
            for s in found.shipments
            if s.dispatched_at is not None
        }
    except TelemetryUnavailable:
        return {}  # the store is down: the journeys' records are unknown (null), not empty
