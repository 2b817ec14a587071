"""Reports (issue 12): cold-chain performance, stock status, wastage and allocation
fulfilment of a facility and below, each as a chart (server-rendered SVG), the same
figures in a table, a drill-down to the facilities one level below and the API's CSV.

Every report reads through ``api.reports`` (the API's scope check, then the one query), so a
page shows what the API answers the same user; a facility outside the user's subtree is
404. The form is a plain GET: a day that cannot be read, lies outside the programme window
or ends a period before it starts, and a product code that no product has, re-render the
form (422) with the message beside its field and no figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, NamedTuple
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from access import scopes
from api import reports as reads
from api.pages.facilities import chosen_facility
from api.pages.messages import STOCK_STATUSES, WASTAGE_REASONS
from api.pages.report_charts import (
    BandRow,
    Chart,
    Group,
    Part,
    StackedRow,
    band_bars,
    grouped_bars,
    stacked_bars,
)
from api.pages.web import Page, SignedInPage, sentence
from api.schemas.allocations import allocation_status_csv
from api.schemas.reports import cold_chain_performance_csv, stock_status_csv, wastage_csv
from ingest.alarms.performance import Performance
from ingest.alarms.queries import MAX_SUMMARY_DAYS
from inventory import queries
from inventory.errors import InvalidInput
from inventory.queries.wastage import OPEN_VIAL_REASONS
from inventory.results import FacilityView, ProductView

router = APIRouter()
Param = Annotated[str | None, Query(max_length=64)]
MAX_CHOICES = 150  # a larger subtree offers its top, the way up and one level down


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass
class ReportForm:
    """What the report's form shows: the facility and its choices, the raw values typed
    (kept when refused) and the message of each refused field."""

    facility: FacilityView
    choices: list[Choice]
    values: dict[str, str]
    errors: dict[str, str]
    products: list[ProductView]

    def context(self) -> dict[str, Any]:
        return {
            "facility": self.facility,
            "choices": self.choices,
            "values": self.values,
            "errors": self.errors,
            "products": self.products,
        }


# -- the form ------------------------------------------------------------------------------


class Opened(NamedTuple):
    """What every report starts from: the chosen facility, its subtree, the form with the
    values typed and the facility's today."""

    place: FacilityView
    tree: list[FacilityView]
    form: ReportForm
    today: date


def _open(page: Page, facility: str | None, **values: str | None) -> Opened:
    """The facility chosen (404 outside the user's subtree), its subtree, the form with the
    values typed (a missing one as empty) and today where the facility is."""
    uow = page.deps.inventory_uow()
    place = chosen_facility(page.deps, page.who, facility)
    tree = queries.subtree(uow, place.id)
    typed = {name: value or "" for name, value in values.items()}
    form = ReportForm(place, _choices(page, place, tree), typed, {}, queries.all_products(uow))
    return Opened(place, tree, form, _today(page, place))


def _choices(page: Page, place: FacilityView, tree: list[FacilityView]) -> list[Choice]:
    """The facilities above the chosen one that the user may read (the way up), then its
    subtree (indented), or only its children when the subtree is large."""
    uow = page.deps.inventory_uow()
    ids = [int(part) for part in place.path.strip("/").split("/")]
    above = []
    for depth in range(1, len(ids)):
        prefix = "/" + "/".join(str(i) for i in ids[:depth]) + "/"
        if scopes.can_read(page.who, prefix):
            above.append(queries.get_facility(uow, ids[depth - 1]))
    shown = tree if len(tree) <= MAX_CHOICES else [place, *_children(place, tree)]
    base = place.path.count("/")
    return [Choice(f.code, f"{f.name} ({f.code})") for f in above] + [
        Choice(f.code, "\u00a0\u00a0" * (f.path.count("/") - base) + f"{f.name} ({f.code})")
        for f in shown
    ]


def _children(place: FacilityView, tree: list[FacilityView]) -> list[FacilityView]:
    return [f for f in tree if f.parent_id == place.id]


def _today(page: Page, place: FacilityView) -> date:
    return page.now.astimezone(ZoneInfo(place.timezone)).date()


def _day(page: Page, form: ReportForm, name: str, default: date) -> date | None:
    text = form.values.get(name, "").strip()
    if not text:
        form.values[name] = default.isoformat()
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        form.errors[name] = page.gettext("Give a day as YYYY-MM-DD (for example 2024-03-01).")
        return None
    window = page.deps.window
    try:
        window.check_day(name, day)
    except InvalidInput:
        form.errors[name] = page.gettext(
            "Give a day from %(first)s to %(last)s.",
            first=page.formats.date(window.earliest),
            last=page.formats.date(window.latest),
        )
        return None
    return day


def _period(
    page: Page, form: ReportForm, first: date, last: date, max_days: int | None = None
) -> tuple[date, date] | None:
    start, end = _day(page, form, "first", first), _day(page, form, "last", last)
    if start is None or end is None:
        return None
    if end < start:
        form.errors["last"] = page.gettext("The last day is before the first.")
        return None
    if max_days is not None and (end - start).days >= max_days:
        form.errors["last"] = page.gettext(
            "Give at most %(days)s days.", days=page.formats.number(max_days)
        )
        return None
    return start, end


def _product(page: Page, form: ReportForm, required: bool) -> ProductView | None:
    """The product chosen by code; a required one defaults to the first product."""
    code = form.values.get("product", "").strip()
    if not code:
        if required and form.products:
            form.values["product"] = form.products[0].code
            return form.products[0]
        if required:
            form.errors["product"] = page.gettext("No product is registered yet.")
        return None
    found = next((p for p in form.products if p.code == code), None)
    if found is None:
        form.errors["product"] = page.gettext("No product has this code.")
    return found


def _refused(page: Page, template: str, form: ReportForm) -> Response:
    return page.render(template, status_code=422, report=None, **form.context())


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


# -- the index -----------------------------------------------------------------------------


@router.get("/reports")
def report_index(page: SignedInPage, facility: Param = None) -> Response:
    place = chosen_facility(page.deps, page.who, facility)
    return page.render("reports.html", facility=place)


# -- cold-chain performance ----------------------------------------------------------------


@dataclass(frozen=True)
class PerformanceRow:
    label: str
    link: str | None  # the drill-down to a facility below
    figures: Performance


@router.get("/reports/cold-chain")
def cold_chain(
    page: SignedInPage, facility: Param = None, first: Param = None, last: Param = None
) -> Response:
    deps = page.deps
    place, tree, form, today = _open(page, facility, first=first, last=last)
    period = _period(page, form, today - timedelta(days=6), today, MAX_SUMMARY_DAYS)
    if period is None:
        return _refused(page, "reports_cold_chain.html", form)
    report = reads.cold_chain_performance(deps, page.who, place.code, *period)
    by_code = {f.facility: f for f in report.facilities}
    names = {f.code: f.name for f in tree}
    query = f"&first={period[0]}&last={period[1]}"
    rows = [
        PerformanceRow(
            page.gettext("%(facility)s and below", facility=place.name),
            None,
            by_code[place.code].subtree,
        )
    ]
    rows += [
        PerformanceRow(
            page.gettext("%(facility)s and below", facility=c.name),
            f"/reports/cold-chain?facility={quote(c.code)}{query}",
            by_code[c.code].subtree,
        )
        for c in _children(place, tree)
        if c.code in by_code
    ]
    rows += [
        PerformanceRow(
            page.gettext("Unit %(unit)s", unit=u.unit), f"/units/{quote(u.unit)}", u.figures
        )
        for u in report.units
        if u.facility == place.code
    ]
    return page.render(
        "reports_cold_chain.html",
        report=report,
        rows=rows,
        total=by_code[place.code].subtree,
        chart=_performance_chart(page, rows),
        names=names,
        period=period,
        **form.context(),
    )


def _performance_chart(page: Page, rows: list[PerformanceRow]) -> Chart:
    fmt = page.formats

    def hours(label: str, minutes: float) -> str:
        return f"{label}: " + page.gettext("%(hours)s h", hours=fmt.number(minutes / 60, 1))

    in_range, hot = page.gettext("In range"), page.gettext("Too hot")
    cold, unknown = page.gettext("Too cold"), page.gettext("Unknown (no reading)")
    return stacked_bars(
        [
            StackedRow(
                r.label,
                (
                    Part(
                        "in_range",
                        r.figures.in_range_minutes,
                        hours(in_range, r.figures.in_range_minutes),
                    ),
                    Part("too_hot", r.figures.above_minutes, hours(hot, r.figures.above_minutes)),
                    Part("too_cold", r.figures.below_minutes, hours(cold, r.figures.below_minutes)),
                    Part(
                        "unknown",
                        r.figures.unknown_minutes,
                        hours(unknown, r.figures.unknown_minutes),
                    ),
                ),
                fmt.percent(r.figures.time_in_range_percent),
            )
            for r in rows
        ],
        [("in_range", in_range), ("too_hot", hot), ("too_cold", cold), ("unknown", unknown)],
    )


@router.get("/reports/cold-chain.csv")
def cold_chain_as_csv(page: SignedInPage, facility: str, first: date, last: date) -> Response:
    place = chosen_facility(page.deps, page.who, facility)
    report = reads.cold_chain_performance(page.deps, page.who, place.code, first, last)
    body = cold_chain_performance_csv(first, last, report.facilities, report.units)
    return page.finish(reads.csv_download(body, "cold-chain", place.code, first, last))


# -- stock status --------------------------------------------------------------------------


@router.get("/reports/stock-status")
def stock_status(page: SignedInPage, facility: Param = None, product: Param = None) -> Response:
    deps = page.deps
    place, tree, form, _ = _open(page, facility, product=product)
    chosen = _product(page, form, required=False)
    if form.errors:
        return _refused(page, "reports_stock.html", form)
    report = reads.stock_status(deps, page.who, place.id)
    shown = {place.id} | {c.id for c in _children(place, tree)}
    lines = [
        (f, p)
        for f in report.facilities
        if f.facility_id in shown
        for p in f.products
        if chosen is None or p.product_id == chosen.id
    ]
    root = report.facilities[0]
    expiring = [
        (p.product_code, risk)
        for p in root.products
        if chosen is None or p.product_id == chosen.id
        for risk in p.expiring
    ]
    fmt = page.formats
    statuses = {k: page.gettext(v) for k, v in STOCK_STATUSES.items()}
    chart = band_bars(
        [
            BandRow(
                f"{f.name} · {p.product_code}",
                p.months_of_stock,
                p.min_months,
                p.max_months,
                p.status.value,
                page.gettext("%(months)s months", months=fmt.number(p.months_of_stock, 1))
                if p.months_of_stock is not None
                else statuses["unknown"],
            )
            for f, p in lines
        ],
        [
            ("band", page.gettext("Minimum to maximum")),
            ("understock", sentence(statuses["understock"])),  # legend entries open a line
            ("adequate", sentence(statuses["adequate"])),
            ("overstock", sentence(statuses["overstock"])),
        ],
        lambda months: fmt.number(months, 0 if months == int(months) else 1),
    )
    return page.render(
        "reports_stock.html",
        report=report,
        lines=lines,
        expiring=expiring,
        chart=chart,
        statuses=statuses,
        product=chosen,
        **form.context(),
    )


@router.get("/reports/stock-status.csv")
def stock_status_as_csv(page: SignedInPage, facility: str) -> Response:
    place = chosen_facility(page.deps, page.who, facility)
    report = reads.stock_status(page.deps, page.who, place.id)
    body = stock_status_csv(report)
    return page.finish(reads.csv_download(body, "stock", place.code, report.on))


# -- wastage -------------------------------------------------------------------------------


@router.get("/reports/wastage")
def wastage(
    page: SignedInPage,
    facility: Param = None,
    first: Param = None,
    last: Param = None,
    product: Param = None,
) -> Response:
    deps = page.deps
    place, tree, form, today = _open(page, facility, first=first, last=last, product=product)
    period = _period(page, form, _month_start(today), today)
    chosen = _product(page, form, required=False)
    if period is None or form.errors:
        return _refused(page, "reports_wastage.html", form)
    report = reads.wastage(deps, page.who, place.id, *period)

    def keep(figures: Any) -> list[Any]:
        return [p for p in figures if chosen is None or p.product_id == chosen.id]

    root = report.facilities[0]
    children = {c.id for c in _children(place, tree)}
    sites = [
        (f, p) for f in report.facilities if f.facility_id in children for p in keep(f.subtree)
    ]
    reasons = {k: page.gettext(v) for k, v in WASTAGE_REASONS.items()}
    fmt = page.formats
    chart = grouped_bars(
        [
            Group(
                f"{p.product_code} · {reasons[reason.value]}",
                (
                    (
                        Part(
                            "open_vial" if reason in OPEN_VIAL_REASONS else "closed_vial",
                            doses,
                            f"{reasons[reason.value]}: {fmt.number(doses)}",
                        ),
                        fmt.number(doses),
                    ),
                ),
            )
            for p in keep(root.subtree)
            for reason, doses in p.wasted_by_reason
        ],
        [
            ("open_vial", page.gettext("Opened vial")),
            ("closed_vial", page.gettext("Closed vial")),
        ],
    )
    query = f"&first={period[0]}&last={period[1]}" + (
        f"&product={quote(chosen.code)}" if chosen else ""
    )
    return page.render(
        "reports_wastage.html",
        report=report,
        figures=keep(root.subtree),
        sites=sites,
        chart=chart,
        reasons=reasons,
        open_reasons=OPEN_VIAL_REASONS,
        period=period,
        query=query,
        product=chosen,
        **form.context(),
    )


@router.get("/reports/wastage.csv")
def wastage_as_csv(page: SignedInPage, facility: str, first: date, last: date) -> Response:
    place = chosen_facility(page.deps, page.who, facility)
    report = reads.wastage(page.deps, page.who, place.id, first, last)
    return page.finish(reads.csv_download(wastage_csv(report), "wastage", place.code, first, last))


# -- allocation fulfilment ----------------------------------------------------------------


@router.get("/reports/allocations")
def allocations(
    page: SignedInPage,
    facility: Param = None,
    first: Param = None,
    last: Param = None,
    product: Param = None,
) -> Response:
    deps = page.deps
    place, tree, form, today = _open(page, facility, first=first, last=last, product=product)
    period = _period(page, form, _month_start(today), _month_end(today))
    chosen = _product(page, form, required=True)
    if period is None or chosen is None or form.errors:
        return _refused(page, "reports_allocations.html", form)
    rows = reads.allocations(deps, page.who, place.id, chosen.id, *period)
    names = {f.id: f.name for f in tree}
    shown = [r for r in rows if r.facility_id == place.id or r.parent_id == place.id]
    fmt = page.formats
    words = {
        "allocated": page.gettext("Allocated"),
        "dispatched": page.gettext("Dispatched"),
        "received": page.gettext("Received"),
        "administered": page.gettext("Administered (with below)"),
    }

    def bar(kind: str, doses: int) -> tuple[Part, str]:
        return Part(kind, doses, f"{words[kind]}: {fmt.number(doses)}"), fmt.number(doses)

    chart = grouped_bars(
        [
            Group(
                names.get(r.facility_id, r.code),
                (
                    bar("allocated", r.allocated),
                    bar("dispatched", r.dispatched),
                    bar("received", r.received),
                    bar("administered", r.administered_in_subtree),
                ),
            )
            for r in shown
        ],
        list(words.items()),
    )
    query = f"&first={period[0]}&last={period[1]}&product={quote(chosen.code)}"
    return page.render(
        "reports_allocations.html",
        report=rows,
        rows=shown,
        names=names,
        chart=chart,
        period=period,
        query=query,
        product=chosen,
        **form.context(),
    )


@router.get("/reports/allocations.csv")
def allocations_as_csv(
    page: SignedInPage, facility: str, product: str, first: date, last: date
) -> Response:
    place = chosen_facility(page.deps, page.who, facility)
    found = queries.product_by_code(page.deps.inventory_uow(), product)
    rows = reads.allocations(page.deps, page.who, place.id, found.id, first, last)
    body = allocation_status_csv(rows, first, last)
    return page.finish(reads.csv_download(body, "allocations", place.code, first, last))
