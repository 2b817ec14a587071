"""Stock: on hand per storage unit of a facility (doses and vials, held stock with why,
lots expiring soon flagged) and the stock card of a lot in a unit, reversals shown as
linked rows (never edits)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.pages.facilities import chosen_facility
from api.pages.messages import HOLD_REASONS
from api.pages.web import SignedInPage
from api.places import ensure_read_at_unit
from api.schemas.bounds import Id
from inventory import queries

router = APIRouter()
EXPIRING_DAYS = 60  # a lot expiring within this many days is flagged


@router.get("/stock")
def stock_on_hand(
    page: SignedInPage,
    facility: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    deps = page.deps
    place = chosen_facility(deps, page.who, facility)
    uow = deps.inventory_uow()
    stock = queries.stock_on_hand(uow, facility_id=place.id, by_unit=True)
    units = {u.id: u for u in queries.storage_units_of(uow, place.id)}
    soon = page.now.date() + timedelta(days=EXPIRING_DAYS)
    return page.render(
        "stock.html",
        facility=place,
        stock=stock,
        units=units,
        soon=soon,
        hold_reasons=HOLD_REASONS,
        today=page.now.date(),
    )


@router.get("/stock/card")
def stock_card(page: SignedInPage, unit: Id, lot: Id) -> Response:
    deps = page.deps
    found = ensure_read_at_unit(deps, page.who, unit)
    uow = deps.inventory_uow()
    card = queries.stock_card(uow, storage_unit_id=unit, lot_id=lot)
    facility = queries.get_facility(uow, found.facility_id)
    return page.render(
        "stock_card.html",
        unit=found,
        lot=queries.get_lot(uow, lot),
        card=card,
        zone=facility.timezone,
    )
