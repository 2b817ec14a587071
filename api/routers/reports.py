"""Reports: cold-chain performance (rule 26); the daily doses report of a subtree (rule 22)
and the dose targets it is measured against; the wastage report (rule 17); the stock status
report (rule 25) and the stock levels it is measured against."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from access.principal import Principal
from api import reports as reads
from api.deps import ApiDeps, CurrentPrincipal, Deps, WriterPrincipal
from api.places import ensure_write_at
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.reports import (
    ColdChainPerformancePublic,
    DailyDosesReportPublic,
    DoseTargetCreate,
    DoseTargetPublic,
    EligiblePopulationCreate,
    EligiblePopulationPublic,
    FacilityPerformancePublic,
    PerformancePublic,
    StockLevelCreate,
    StockLevelPublic,
    StockStatusReportPublic,
    UnitPerformancePublic,
    WastageReportPublic,
    cold_chain_performance_csv,
    daily_doses_csv,
    stock_status_csv,
    wastage_csv,
)
from api.spreadsheet import parse_population_csv
from inventory import queries, services
from inventory.commands import SetDoseTarget, SetEligiblePopulation, SetStockLevel
from inventory.errors import InvalidInput, NotFound

router = APIRouter(tags=["reports"], responses=error_responses(401, 403, 404, 422))


@router.put("/dose-targets", response_model=DoseTargetPublic, responses=WRITE)
def set_dose_target(body: DoseTargetCreate, deps: Deps, who: WriterPrincipal) -> DoseTargetPublic:
    """Set a site's daily target for one dose number over a period (same start: replaced;
    periods of one dose may not overlap). The caller must be able to write at the site."""
    ensure_write_at(deps, who, body.facility_id)
    command = SetDoseTarget(
        body.facility_id,
        body.product_id,
        body.dose_number,
        body.period_start,
        body.period_end,
        body.daily_target,
        body.target_population,
        who.name,
    )
    return DoseTargetPublic.of(services.set_dose_target(deps.inventory_uow(), command))


@router.get("/reports/daily-doses", response_model=DailyDosesReportPublic)
def daily_doses(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the facility and everything below it")],
    day: date = Query(description="the local day of each facility (in the programme window)"),
) -> DailyDosesReportPublic:
    """Doses given per site, product and dose number against the daily target, cumulative
    coverage, the stock reconciliation (a difference flagged), and roll-ups up the tree."""
    report = reads.daily_doses(deps, who, facility_id, day)
    return DailyDosesReportPublic.of(report)


@router.get(
    "/reports/daily-doses.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per dose line"}},
)
def daily_doses_as_csv(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the facility and everything below it")],
    day: date = Query(description="the local day of each facility (in the programme window)"),
) -> Response:
    """The same report as CSV, for a spreadsheet: one row per facility, scope (own |
    subtree), product and dose number, with the product's reconciliation on each row."""
    report = reads.daily_doses(deps, who, facility_id, day)
    return reads.csv_download(daily_doses_csv(report), "doses", report.facilities[0].code, day)


@router.get("/reports/wastage", response_model=WastageReportPublic)
def wastage(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the facility and everything below it")],
    first: date = Query(description="the first local day of the period (included)"),
    last: date = Query(description="the last local day of the period (included)"),
) -> WastageReportPublic:
    """Doses administered and wasted over a period, by reason and by open / closed vial, with
    usage rate, wastage rate and wastage factor, per facility and rolled up the tree."""
    return WastageReportPublic.of(reads.wastage(deps, who, facility_id, first, last))


@router.get(
    "/reports/wastage.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per product line"}},
)
def wastage_as_csv(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the facility and everything below it")],
    first: date = Query(description="the first local day of the period (included)"),
    last: date = Query(description="the last local day of the period (included)"),
) -> Response:
    """The same report as CSV: one row per facility, scope (own | subtree) and product."""
    report = reads.wastage(deps, who, facility_id, first, last)
    return reads.csv_download(
        wastage_csv(report), "wastage", report.facilities[0].code, first, last
    )


@router.put("/stock-levels", response_model=StockLevelPublic, responses=WRITE)
def set_stock_level(body: StockLevelCreate, deps: Deps, who: WriterPrincipal) -> StockLevelPublic:
    """Set the minimum and maximum months of stock a facility should hold of a product
    (replaces the facility level's default). The caller must be able to write there."""
    ensure_write_at(deps, who, body.facility_id)
    command = SetStockLevel(
        body.facility_id, body.product_id, body.min_months, body.max_months, who.name
    )
    return StockLevelPublic.of(services.set_stock_level(deps.inventory_uow(), command))


@router.get("/reports/stock-status", response_model=StockStatusReportPublic)
def stock_status(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the facility and everything below it")],
) -> StockStatusReportPublic:
    """Months of stock per facility and product against its minimum and maximum, and the
    lots that will expire before they can be used at the current consumption."""
    return StockStatusReportPublic.of(reads.stock_status(deps, who, facility_id))


@router.get(
    "/reports/stock-status.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per product line"}},
)
def stock_status_as_csv(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the facility and everything below it")],
) -> Response:
    """The same report as CSV: one row per facility and product."""
    report = reads.stock_status(deps, who, facility_id)
    return reads.csv_download(
        stock_status_csv(report), "stock", report.facilities[0].code, report.on
    )


@router.get(
    "/reports/cold-chain-performance",
    response_model=ColdChainPerformancePublic,
    responses=error_responses(503),
)
def cold_chain_performance(
    deps: Deps,
    who: CurrentPrincipal,
    facility: Annotated[str, Query(min_length=1, max_length=64, description="a facility code")],
    first: date = Query(description="first local day (included; each unit's zone)"),
    last: date = Query(description="last local day (included; at most 92 days)"),
) -> ColdChainPerformancePublic:
    """Per storage unit, per facility and for the subtree: time in range (too hot, too cold
    and unknown apart), MKT, excursions and alarms by type, median and 90th percentile time
    from alarm to acknowledgement, units offline."""
    report = reads.cold_chain_performance(deps, who, facility, first, last)
    rows = [
        FacilityPerformancePublic(
            facility=f.facility,
            own=PerformancePublic.of(f.own),
            subtree=PerformancePublic.of(f.subtree),
        )
        for f in report.facilities
    ]
    return ColdChainPerformancePublic(
        facility=facility,
        first=first,
        last=last,
        facilities=rows,
        units=[
            UnitPerformancePublic(
                unit=u.unit, facility=u.facility, figures=PerformancePublic.of(u.figures)
            )
            for u in report.units
        ],
    )


@router.get(
    "/reports/cold-chain-performance.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "one row per facility scope and unit"},
        **error_responses(503),
    },
)
def cold_chain_performance_as_csv(
    deps: Deps,
    who: CurrentPrincipal,
    facility: Annotated[str, Query(min_length=1, max_length=64, description="a facility code")],
    first: date = Query(description="first local day (included; each unit's zone)"),
    last: date = Query(description="last local day (included; at most 92 days)"),
) -> Response:
    """The same report as CSV: one row per facility and scope (own | subtree), then one per
    storage unit (scope unit)."""
    report = reads.cold_chain_performance(deps, who, facility, first, last)
    body = cold_chain_performance_csv(first, last, report.facilities, report.units)
    return reads.csv_download(body, "cold-chain", facility, first, last)


@router.put("/eligible-populations", response_model=EligiblePopulationPublic, responses=WRITE)
def set_eligible_population(
    body: EligiblePopulationCreate, deps: Deps, who: WriterPrincipal
) -> EligiblePopulationPublic:
    """Set the people a site should vaccinate with a product in a year (the denominator of
    coverage in the daily doses report). The caller must be able to write at the site."""
    ensure_write_at(deps, who, body.facility_id)
    command = SetEligiblePopulation(
        body.facility_id, body.product_id, body.year, body.population, who.name
    )
    (view,) = services.set_eligible_populations(deps.inventory_uow(), [command])
    return EligiblePopulationPublic.of(view)


CSV_UPLOAD = {
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "description": "a CSV file with the header facility,product,year,population (codes)",
    "required": True,
}


@router.post(
    "/eligible-populations.csv",
    response_model=list[EligiblePopulationPublic],
    responses=WRITE,
    openapi_extra={"requestBody": CSV_UPLOAD},
)
async def load_eligible_populations(
    request: Request, deps: Deps, who: WriterPrincipal
) -> list[EligiblePopulationPublic]:
    """Load many eligible populations from a CSV file (facility and product by code; UTF-8,
    with or without a BOM, as a spreadsheet saves it): all rows or none. The caller must be
    able to write at every site."""
    rows = parse_population_csv(await request.body())
    return await run_in_threadpool(_load_populations, deps, who, rows)


def _load_populations(
    deps: ApiDeps, who: Principal, rows: list[tuple[str, str, int, int]]
) -> list[EligiblePopulationPublic]:
    uow = deps.inventory_uow()
    commands = []
    for n, (facility_code, product_code, year, population) in enumerate(rows, start=2):
        try:
            facility = queries.facility_by_code(uow, facility_code)
            product = queries.product_by_code(uow, product_code)
        except NotFound as exc:
            raise InvalidInput(f"line {n}: {exc}") from None
        ensure_write_at(deps, who, facility.id)
        commands.append(SetEligiblePopulation(facility.id, product.id, year, population, who.name))
    return [
        EligiblePopulationPublic.of(v) for v in services.set_eligible_populations(uow, commands)
    ]
