"""The reads behind the reports (issue 12), shared by the API's routes and the staff pages:
each checks the caller's scope with the API's helpers, then calls the one query, so a report
reads the same for a token and for a signed-in page, in JSON, in HTML and as CSV.

- ``cold_chain_performance``: per storage unit of the facility's subtree (those the caller
  may read), per facility (its own units and its subtree's) over local days (rule 26);
- ``daily_doses``, ``wastage``, ``stock_status``, ``allocations``: the inventory queries of
  a subtree the caller may read;
- ``csv_download``: a CSV body (``api.spreadsheet``'s rules) as an attachment whose file
  name keeps only safe characters.

Invariant: a facility outside the caller's scope is ``Forbidden`` before any figure is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fastapi import Response

from access.principal import Principal
from api.deps import ApiDeps, telemetry
from api.places import (
    ensure_read_at,
    facility_codes_in_scope,
    facility_path_of,
    unit_codes_in_scope,
)
from api.spreadsheet import MEDIA_TYPE
from ingest.alarms.performance import FacilityPerformance, UnitPerformance, by_facility
from inventory import queries
from inventory.queries import (
    AllocationStatus,
    DailyDosesReport,
    StockStatusReport,
    WastageReport,
)


@dataclass(frozen=True)
class PerformanceReport:
    facility: str  # the code asked for
    first: date
    last: date
    facilities: list[FacilityPerformance]  # by tree path, the facility first
    units: list[UnitPerformance]  # by unit code


def cold_chain_performance(
    deps: ApiDeps, who: Principal, facility: str, first: date, last: date
) -> PerformanceReport:
    telemetry(deps)
    deps.window.check_days(first, last, ("first", "last"))
    unit_codes = unit_codes_in_scope(deps, who, facility)
    alarms = deps.alarm_queries()
    units = alarms.performance_of_units(unit_codes, first, last)
    readable = set(facility_codes_in_scope(deps, who, facility) or [])
    subtrees = [
        (code, below)
        for code, below in queries.facility_subtrees(
            deps.inventory_uow(), facility_path_of(deps, facility)
        )
        if code in readable
    ]
    return PerformanceReport(facility, first, last, by_facility(units, subtrees), units)


def daily_doses(deps: ApiDeps, who: Principal, facility_id: int, day: date) -> DailyDosesReport:
    ensure_read_at(deps, who, facility_id)
    return queries.daily_doses_report(deps.inventory_uow(), facility_id, day)


def wastage(
    deps: ApiDeps, who: Principal, facility_id: int, first: date, last: date
) -> WastageReport:
    ensure_read_at(deps, who, facility_id)
    return queries.wastage_report(deps.inventory_uow(), facility_id, first, last)


def stock_status(deps: ApiDeps, who: Principal, facility_id: int) -> StockStatusReport:
    ensure_read_at(deps, who, facility_id)
    return queries.stock_status(deps.inventory_uow(), facility_id)


def allocations(
    deps: ApiDeps,
    who: Principal,
    facility_id: int,
    product_id: int,
    period_start: date,
    period_end: date,
) -> list[AllocationStatus]:
    ensure_read_at(deps, who, facility_id)
    return queries.allocation_status(
        deps.inventory_uow(), facility_id, product_id, period_start, period_end
    )


def csv_download(body: bytes, *name_parts: object) -> Response:
    """``body`` as a CSV attachment named ``part-part-….csv`` (unsafe characters as ``_``)."""
    name = "-".join(re.sub(r"[^A-Za-z0-9._-]", "_", str(part)) for part in name_parts)
    return Response(
        body,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
