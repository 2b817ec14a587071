"""Lot trace: search by lot number or scan (a scanner types the GS1 string and Enter); the
lot's journey as a tree (facilities, units, shipments with discrepancies, doses given,
wastage, holds) with every excursion it lived through; recall in one action for admins,
with the list of holders. A trace is lot-wide: a user sees it only when their subtree holds
every facility it names (the API's rule); otherwise it is not found.

A lot in a few facilities shows its whole tree. A lot in thousands shows the tree's top and
the level below, then level by level while it stays under ``SHOWN`` facilities, each
facility whose branch is not opened with its branch summed (facilities, given, wasted, on
hand) and a link that opens it
(``?lot_id=&under=FACILITY``: a plain GET, no JavaScript), with the way back up; the
shipments listed are those into the facilities shown."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from access.principal import Role
from api.idempotency import ledger_key
from api.lot_refs import lot_from_scan
from api.pages.lot_field import looks_scanned
from api.pages.web import FormPage, Page, SignedInPage
from api.places import ensure_read_everywhere
from api.schemas.bounds import Id
from inventory import queries, services
from inventory.commands import RecallLot
from inventory.domain.gs1 import Gs1Error
from inventory.errors import InventoryError, NotFound

router = APIRouter()


# At most this many facilities in one page's tree (a whole level is shown or not at all).
SHOWN = 60


@router.get("/trace")
def trace(
    page: SignedInPage,
    q: Annotated[str, Query(max_length=512)] = "",
    lot_id: Annotated[Id | None, Query()] = None,
    under: Annotated[Id | None, Query(description="open this facility's branch")] = None,
) -> Response:
    uow = page.deps.inventory_uow()
    q = q.strip()
    if lot_id is not None:
        return _render_trace(page, lot_id, under=under)
    if not q:
        return page.render("trace_search.html", q="", error=None, candidates=None)
    try:
        if looks_scanned(q):
            lot = lot_from_scan(uow, q, page.now.date())
            return _render_trace(page, lot.id)
        found = queries.trace_lot_number(uow, q, None)
    except (Gs1Error, InventoryError) as exc:
        error = page.gettext("No lot matches: %(why)s", why=str(exc))
        return page.render("trace_search.html", status_code=422, q=q, error=error, candidates=None)
    if isinstance(found, queries.LotCandidates):
        expiries = {  # the read model's ISO days, in the language's own form
            c.lot_id: page.formats.date(date.fromisoformat(c.expiry)) for c in found.candidates
        }
        return page.render(
            "trace_search.html", q=q, error=None, candidates=found.candidates, expiries=expiries
        )
    return _render_trace(page, found.lot.id)


@router.post("/trace/{lot_id}/recall")
def recall(page: FormPage, lot_id: Id) -> Response:
    if page.who.role is not Role.ADMIN:
        raise NotFound(f"no lot {lot_id} to recall here")
    reference = page.form.get("reference", "").strip()
    reason = page.form.get("reason", "").strip() or None
    if not reference:
        errors = {"reference": page.gettext("Give the recall notice's reference.")}
        return _render_trace(page, lot_id, errors=errors, values=dict(page.form), status=422)
    try:
        result = services.recall_lot(
            page.deps.inventory_uow(),
            RecallLot(
                lot_id=lot_id,
                reference=reference,
                user=page.who.name,
                idempotency_key=ledger_key(page.who, page.form.get("key") or uuid.uuid4().hex),
                reason=reason,
            ),
        )
    except InventoryError as exc:
        errors = {"reference": str(exc)}
        return _render_trace(page, lot_id, errors=errors, values=dict(page.form), status=409)
    return _render_trace(page, lot_id, recalled=result)


def _render_trace(
    page: Page,
    lot_id: int,
    *,
    under: int | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    recalled: object | None = None,
) -> Response:
    deps = page.deps
    found = queries.trace_lot(deps.inventory_uow(), lot_id)
    facilities = {f.facility_id for f in found.facilities} | {
        end for s in found.shipments for end in (s.origin_facility_id, s.destination_facility_id)
    }
    ensure_read_everywhere(deps, page.who, facilities, f"the trace of lot {lot_id}")
    branches = queries.trace_branches(found)
    if under is not None and under not in branches:
        raise NotFound(f"facility {under} is not in the trace of lot {lot_id}")
    tops = [under] if under is not None else [f for f, b in branches.items() if b.parent is None]
    shown = _shown(branches, tops)
    known = deps.lot_excursions
    by_id = {f.facility_id: f for f in found.facilities}
    trail = []  # from the top of the tree down to the opened facility's parent
    at = None if under is None else branches[under].parent
    while at is not None:
        trail.append(by_id[at])
        at = branches[at].parent
    shipments = [s for s in found.shipments if s.destination_facility_id in shown]
    return page.render(
        "trace.html",
        status_code=status,
        trace=found,
        by_id=by_id,
        branches=branches,
        tops=tops,
        shown=shown,
        under=None if under is None else by_id[under],
        trail=trail[::-1],
        shipments=shipments,
        hidden_shipments=len(found.shipments) - len(shipments),
        excursions=None if known is None else known.for_lot(lot_id),
        errors=errors or {},
        values=values or {},
        key=uuid.uuid4().hex,
        recalled=recalled,
        may_recall=page.who.role is Role.ADMIN,  # the API's rule: recalls are admin's
    )


def _shown(branches: dict[int, queries.TraceBranch], tops: list[int]) -> set[int]:
    """The facilities of the page's tree: ``tops``, the level below them (an opened branch
    always shows what it supplied), then level by level while the tree stays within
    ``SHOWN`` facilities."""
    level = [c for f in tops for c in branches[f].children]
    shown = set(tops) | set(level)
    while level:
        below = [c for f in level for c in branches[f].children]
        if len(shown) + len(below) > SHOWN:
            break
        shown.update(below)
        level = below
    return shown
