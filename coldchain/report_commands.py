"""``coldchain report NAME …``: the programme's reports in the terminal, or as CSV files.

Each command reads one inventory query and prints it as text (or, with ``--csv FILE``,
writes the same CSV the API serves: UTF-8 with BOM, CRLF, safe for a spreadsheet).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import typer

from coldchain.report_text import facility_sections
from ingest.alarms.performance import FacilityPerformance, Performance, UnitPerformance
from inventory.queries import StockStatusReport, WastageFigures, WastageReport
from inventory.unit_of_work import UnitOfWork

report_app = typer.Typer(help="The programme's reports.", no_args_is_help=True)


def _day(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        typer.echo(f"{name} must be YYYY-MM-DD, got {text!r}", err=True)
        raise typer.Exit(2) from exc


def _ledger_error(settings_url: str, exc: BaseException | None) -> typer.Exit:
    typer.echo(f"cannot read the ledger at {settings_url}: {exc}", err=True)
    typer.echo("is the database there and migrated? (coldchain db upgrade)", err=True)
    return typer.Exit(1)


@contextmanager
def _ledger() -> Iterator[UnitOfWork]:
    """A unit of work on the configured ledger; a refused read exits 1 saying why."""
    from coldchain import db
    from coldchain.cli import _settings
    from coldchain.wiring import time_window
    from inventory.errors import InventoryError

    settings = _settings()
    engine = db.make_engine(settings.database_url)
    try:
        yield UnitOfWork(db.make_session_factory(engine), window=time_window(settings))
    except InventoryError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    except db.DatabaseError as exc:
        raise _ledger_error(settings.database_url, exc.orig) from exc
    finally:
        engine.dispose()


@report_app.command("stock-status")
def stock_status(
    facility: str = typer.Argument(..., help="Facility code: the report covers it and below."),
    csv_file: Path | None = typer.Option(None, "--csv", help="Write the CSV to this file."),
) -> None:
    """Months of stock per facility and product against its minimum and maximum, and the
    lots that will expire before they can be used at the current consumption."""
    from inventory.queries import facility_by_code
    from inventory.queries import stock_status as read_stock_status

    with _ledger() as uow:
        report = read_stock_status(uow, facility_by_code(uow, facility).id)
    if csv_file is not None:
        from api.schemas.reports import stock_status_csv

        csv_file.write_bytes(stock_status_csv(report))
        typer.echo(f"wrote {csv_file}")
        return
    typer.echo(render_stock_status(report), nl=False)


def render_stock_status(report: StockStatusReport) -> str:
    root = report.facilities[0]
    out = [f"Stock status, {report.on}: {root.code} and below"]
    if report.understocked:
        out.append("⚠ understocked: " + ", ".join(f"{f} {p}" for f, p in report.understocked))
    for facility in report.facilities:
        if not facility.products:
            continue
        out.append("")
        out.append(f"{facility.code}  ({facility.level}) {facility.name}")
        for p in facility.products:
            amc = "no consumption" if p.amc is None else f"{p.amc:g} a month"
            months = "?" if p.months_of_stock is None else f"{p.months_of_stock:g}"
            source = "" if p.levels_set else ", level default"
            out.append(
                f"  {p.product_code}: {p.on_hand} on hand ({p.on_hand_in_subtree} with below),"
                f" {amc}: {months} months, {p.status.value}"
                f" (min {p.min_months:g}, max {p.max_months:g}{source})"
            )
            out.extend(
                f"    ⚠ lot {r.lot.lot_number} expires {r.lot.expiry}:"
                f" {r.doses_at_risk} of {r.lot.doses} doses will be left"
                for r in p.expiring
            )
    if len(out) == 1:
        out.append("(no stock and no consumption)")
    return "\n".join(out) + "\n"


@report_app.command()
def wastage(
    facility: str = typer.Argument(..., help="Facility code: the report covers it and below."),
    first: str = typer.Option(..., "--first", help="First local day, YYYY-MM-DD (included)."),
    last: str = typer.Option(..., "--last", help="Last local day, YYYY-MM-DD (included)."),
    csv_file: Path | None = typer.Option(None, "--csv", help="Write the CSV to this file."),
) -> None:
    """Doses administered and wasted, by reason and open / closed vial, with usage rate,
    wastage rate and wastage factor, per facility and rolled up."""
    from inventory.queries import facility_by_code, wastage_report

    period = _day("--first", first), _day("--last", last)
    with _ledger() as uow:
        report = wastage_report(uow, facility_by_code(uow, facility).id, *period)
    if csv_file is not None:
        from api.schemas.reports import wastage_csv

        csv_file.write_bytes(wastage_csv(report))
        typer.echo(f"wrote {csv_file}")
        return
    typer.echo(render_wastage(report), nl=False)


def render_wastage(report: WastageReport) -> str:
    root = report.facilities[0]
    out = [f"Wastage, {report.first} to {report.last} (local days): {root.code} and below"]
    out += facility_sections(report.facilities, lambda p, indent: [_figures(p, indent)])
    if len(out) == 1:
        out.append("(no doses administered or wasted in the period)")
    return "\n".join(out) + "\n"


def _figures(p: WastageFigures, indent: str) -> str:
    text = (
        f"{indent}{p.product_code}: {p.administered} given, {p.wasted} wasted"
        f" ({p.open_vial_wasted} open vial, {p.closed_vial_wasted} closed vial)"
    )
    if p.usage_rate is not None:
        text += f"; usage {p.usage_rate:.1f} %, wastage {p.wastage_rate:.1f} %"
    if p.wastage_factor is not None:
        text += f", factor {p.wastage_factor:.2f}"
    if p.wasted_by_reason:
        reasons = ", ".join(f"{reason.value} {doses}" for reason, doses in p.wasted_by_reason)
        text += f"\n{indent}  by reason: {reasons}"
    return text


@report_app.command("cold-chain-performance")
def cold_chain_performance(
    facility: str = typer.Argument(..., help="Facility code: the report covers it and below."),
    first: str = typer.Option(..., "--first", help="First local day, YYYY-MM-DD (included)."),
    last: str = typer.Option(..., "--last", help="Last local day, YYYY-MM-DD (included)."),
) -> None:
    """Time in range (too hot, too cold and unknown apart), MKT, excursions and alarms by
    type, time to acknowledgement and units offline, per facility (its own units and with
    everything below) and per unit."""
    from coldchain.cli import _settings
    from coldchain.db import DatabaseError
    from coldchain.wiring import build_api_deps
    from ingest.alarms.errors import AlarmsError
    from ingest.alarms.performance import by_facility
    from inventory import queries
    from inventory.errors import InventoryError

    period = _day("--first", first), _day("--last", last)
    settings = _settings()
    deps = build_api_deps(settings)
    try:
        deps.window.check_days(*period, ("--first", "--last"))
        scopes = deps.unit_scopes
        path = scopes.path_of_facility(facility)
        if path is None:
            typer.echo(f"no facility with code {facility!r}", err=True)
            raise typer.Exit(1)
        alarms = deps.alarm_queries()
        units = alarms.performance_of_units(scopes.unit_codes_under(path), *period)
        facilities = queries.facility_subtrees(deps.inventory_uow(), path)
        rows = by_facility(units, facilities)
    except (InventoryError, AlarmsError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    except DatabaseError as exc:
        raise _ledger_error(settings.database_url, exc.orig) from exc
    typer.echo(render_performance(facility, *period, rows, units), nl=False)


def render_performance(
    facility: str,
    first: date,
    last: date,
    rows: list[FacilityPerformance],
    units: list[UnitPerformance],
) -> str:
    out = [f"Cold-chain performance, {first} to {last} (local days): {facility} and below"]
    by_facility: dict[str, list[UnitPerformance]] = {}
    for unit in units:
        by_facility.setdefault(unit.facility, []).append(unit)
    for row in rows:
        if not row.subtree.units:
            continue
        out.append("")
        out.append(f"{row.facility}: {_performance(row.own)}")
        if row.subtree.units != row.own.units:
            out.append(f"  with everything below: {_performance(row.subtree)}")
        out.extend(
            f"  {u.unit}: {_performance(u.figures)}" for u in by_facility.get(row.facility, [])
        )
    if len(out) == 1:
        out.append("(no storage units)")
    return "\n".join(out) + "\n"


def _performance(p: Performance) -> str:
    if not p.units:
        return "no units"
    tir = (
        "no readings"
        if p.time_in_range_percent is None
        else f"{p.time_in_range_percent:.1f} % in range"
    )
    text = (
        f"{p.units} unit(s), {tir} (too hot {p.above_minutes:g} min, too cold"
        f" {p.below_minutes:g} min, unknown {p.unknown_minutes:g} min)"
    )
    if p.mkt_c is not None:
        text += f", MKT {p.mkt_c:.1f} °C"
    text += f", {p.excursions} excursion(s), {p.alarms} alarm(s)"
    if p.alarms_by_type:
        text += " (" + ", ".join(f"{t} {n}" for t, n in p.alarms_by_type) + ")"
    if p.median_ack_minutes is not None and p.p90_ack_minutes is not None:
        text += (
            f", acknowledged in {p.median_ack_minutes:g} min (median), {p.p90_ack_minutes:g} (p90)"
        )
    if p.units_offline:
        text += f", {p.units_offline} offline"
    return text


@report_app.command()
def allocations(
    facility: str = typer.Argument(..., help="Facility code: the report covers it and below."),
    product: str = typer.Option(..., "--product", help="Product code."),
    first: str = typer.Option(..., "--first", help="First local day, YYYY-MM-DD (included)."),
    last: str = typer.Option(..., "--last", help="Last local day, YYYY-MM-DD (included)."),
    csv_file: Path | None = typer.Option(None, "--csv", help="Write the CSV to this file."),
) -> None:
    """Allocation fulfilment: each facility's quota against the doses dispatched to it,
    received by it and administered there and below, rolled up the tree."""
    from inventory.queries import allocation_status, facility_by_code, product_by_code

    period = _day("--first", first), _day("--last", last)
    with _ledger() as uow:
        root = facility_by_code(uow, facility)
        rows = allocation_status(uow, root.id, product_by_code(uow, product).id, *period)
    if csv_file is not None:
        from api.schemas.allocations import allocation_status_csv

        csv_file.write_bytes(allocation_status_csv(rows, *period))
        typer.echo(f"wrote {csv_file}")
        return
    out = [f"Allocations of {product}, {period[0]} to {period[1]}: {facility} and below"]
    depth = {root.id: 0}
    for r in rows:
        level = depth[r.facility_id] = depth.get(r.parent_id or -1, -1) + 1
        out.append(
            f"{'  ' * level}{r.code} ({r.level}): allocated {r.allocated},"
            f" dispatched {r.dispatched}, received {r.received}, administered"
            f" {r.administered} here and {r.administered_in_subtree} with below"
            + (
                f"; gave {r.allocated_to_children} to the level below"
                if r.allocated_to_children
                else ""
            )
        )
    typer.echo("\n".join(out) + "\n", nl=False)
