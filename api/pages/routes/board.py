"""The status board: every storage unit of the user's subtree (or of one facility in it),
worst first, with its temperature, state, last reading, time in range over the last 7
days, doses held and open alarms, ``PAGE_ROWS`` units a page (``?page=``). Refreshes itself
every minute with htmx (the same page, its table only)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from access.scopes import list_reach
from api.pages.board import board_rows, counts, page_of
from api.pages.figures import seven_day_time_in_range
from api.pages.web import SignedInPage
from api.places import facility_path_of
from inventory import queries

router = APIRouter()


@router.get("/board")
def status_board(
    page: SignedInPage,
    facility: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=16)] = None,
    number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    deps, who = page.deps, page.who
    reach = list_reach(who, facility_path_of(deps, facility) if facility else None)
    units = (
        queries.unit_holdings(deps.inventory_uow(), reach.path)
        if reach.everywhere or reach.path is not None
        else []
    )
    statuses = {s.unit: s for s in deps.alarm_queries().unit_status([u.unit_code for u in units])}
    rows = board_rows(units, statuses, seven_day_time_in_range(deps, [u.unit_code for u in units]))
    shown = page_of([r for r in rows if r.state == state] if state else rows, number)
    template = "board_table.html" if page.request.headers.get("HX-Request") else "board.html"
    return page.render(
        template,
        rows=shown.rows,
        board_page=shown,
        page_url=lambda n: _board_url(facility, state, n),
        counts=counts(rows),
        facility=facility or "",
        state=state or "",
        zone=units[0].time_zone if units else None,
    )


def _board_url(facility: str | None, state: str | None, number: int) -> str:
    kept = {name: value for name, value in (("facility", facility), ("state", state)) if value}
    return "/board?" + urlencode({**kept, "page": number})
