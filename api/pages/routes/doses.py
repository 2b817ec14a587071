"""Daily doses: per site and rolled up (the facility and everything below it) against the
daily target, cumulative coverage (with a chart of the doses to date against the straight
target line over the last two weeks), the stock reconciliation with its difference flagged;
drill down from a district to its sites; the same report as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api import reports as reads
from api.pages.coverage_chart import CHART_DAYS, coverage_chart
from api.pages.facilities import chosen_facility
from api.pages.web import SignedInPage
from api.schemas.reports import daily_doses_csv
from inventory import queries

router = APIRouter()
Code = Annotated[str | None, Query(max_length=64)]


@router.get("/doses")
def daily_doses(page: SignedInPage, facility: Code = None, day: date | None = None) -> Response:
    deps = page.deps
    place = chosen_facility(deps, page.who, facility)
    day = day or page.now.astimezone(ZoneInfo(place.timezone)).date()
    deps.window.check_day("day", day)
    # the page shows the facility and its children (each with its subtree's figures)
    report = queries.daily_doses_report(deps.inventory_uow(), place.id, day, levels=1)
    root, *below = report.facilities
    children = [f for f in below if f.parent_id == root.facility_id]
    by_day = {
        (d.product_id, d.dose_number): d
        for d in queries.doses_to_date_by_day(deps.inventory_uow(), place.id, day, CHART_DAYS)
    }
    charts = {
        (p.product_id, line.dose_number): coverage_chart(
            line, by_day.get((p.product_id, line.dose_number)), day
        )
        for p in root.subtree
        for line in p.doses
    }
    return page.render(
        "doses.html",
        report=report,
        root=root,
        children=children,
        facility=place,
        day=day,
        charts=charts,
    )


@router.get("/doses.csv")
def daily_doses_as_csv(page: SignedInPage, day: date, facility: Code = None) -> Response:
    deps = page.deps
    place = chosen_facility(deps, page.who, facility)
    deps.window.check_day("day", day)
    report = queries.daily_doses_report(deps.inventory_uow(), place.id, day)
    # like every page's answer (and the report pages' CSVs): not cached, the session renewed
    return page.finish(reads.csv_download(daily_doses_csv(report), "doses", place.code, day))
