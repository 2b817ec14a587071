"""``coldchain shipment …``: loggers on shipments, the transport record and the return of a
refused shipment (domain rule 27).

``attach`` puts a logger on a dispatched shipment (by ``--sensor`` id or ``--scan`` of its
label), ``detach`` takes it off, ``loggers`` lists them, ``record`` prints the transport
record the receiver reads before deciding, ``receive-return`` receives a refused shipment
back at the sender (held in quarantine until it is released or destroyed). Each command
calls one inventory service or the composition root's record; a refusal is printed plainly
on stderr with exit status 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from coldchain.db import Engine
from inventory.results import ShipmentLoggerView
from inventory.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # the user and shipment commands never import the web app to run
    from api.transport_records import TransportRecord

shipment_app = typer.Typer(
    help="Shipments on the road: loggers, transport records, refused shipments received back."
)


@contextmanager
def _ledger() -> Iterator[tuple[UnitOfWork, Engine]]:
    from coldchain import db
    from coldchain.cli import _settings
    from coldchain.wiring import time_window

    settings = _settings()
    engine = db.make_engine(settings.database_url)
    try:
        yield UnitOfWork(db.make_session_factory(engine), window=time_window(settings)), engine
    finally:
        engine.dispose()


@contextmanager
def _refusals() -> Iterator[None]:
    from coldchain.db import DatabaseError
    from ingest.queries import TelemetryUnavailable
    from inventory.domain.gs1 import Gs1Error
    from inventory.errors import InventoryError

    try:
        yield
    except (InventoryError, Gs1Error, TelemetryUnavailable) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    except DatabaseError as exc:
        typer.echo(f"cannot read the ledger: {exc.orig}", err=True)
        raise typer.Exit(1) from exc


@shipment_app.command("attach")
def attach(
    shipment_id: int = typer.Argument(..., help="The dispatched shipment."),
    user: str = typer.Option(..., "--user", help="Who attaches it."),
    sensor: str | None = typer.Option(None, "--sensor", help="The logger's sensor id."),
    scan: str | None = typer.Option(None, "--scan", help="Its label, scanned."),
    interval: int = typer.Option(300, "--interval", help="Seconds between its readings."),
) -> None:
    """Put a logger on a dispatched shipment (from its dispatch on)."""
    from inventory import services
    from inventory.commands import AttachLogger
    from inventory.domain.transit import logger_from_scan

    if (sensor is None) == (scan is None):
        typer.echo("name the logger once: --sensor ID or --scan TEXT", err=True)
        raise typer.Exit(2)
    with _ledger() as (uow, _), _refusals():
        sensor_id = sensor or logger_from_scan(scan or "", datetime.now(UTC).date())
        view = services.attach_logger(uow, AttachLogger(shipment_id, sensor_id, user, interval))
    typer.echo(_logger_line(view))


@shipment_app.command("detach")
def detach(
    shipment_id: int = typer.Argument(...),
    sensor: str = typer.Argument(..., help="The logger's sensor id."),
    user: str = typer.Option(..., "--user", help="Who detaches it."),
) -> None:
    """Take a logger off the shipment now."""
    from inventory import services
    from inventory.commands import DetachLogger

    with _ledger() as (uow, _), _refusals():
        view = services.detach_logger(uow, DetachLogger(shipment_id, sensor, user))
    typer.echo(_logger_line(view))


@shipment_app.command("loggers")
def loggers(shipment_id: int = typer.Argument(...)) -> None:
    """The loggers attached to the shipment."""
    from inventory import queries

    with _ledger() as (uow, _), _refusals():
        found = queries.shipment_loggers(uow, shipment_id)
    for view in found:
        typer.echo(_logger_line(view))
    if not found:
        typer.echo(f"no logger was attached to shipment {shipment_id}")


@shipment_app.command("record")
def record(shipment_id: int = typer.Argument(...)) -> None:
    """The shipment's transport record: coverage of the journey, temperatures, alarms."""
    from coldchain.cli import _settings
    from coldchain.db import make_session_factory
    from coldchain.transport_record import LedgerTransportRecords
    from coldchain.wiring import build_telemetry_reader
    from ingest.alarms.queries import AlarmQueries
    from ingest.detect.coverage import CoverageTolerance

    settings = _settings()
    with _ledger() as (uow, engine), _refusals():
        records = LedgerTransportRecords(
            uow,
            build_telemetry_reader(settings, engine),
            AlarmQueries(make_session_factory(engine)),
            CoverageTolerance(settings.transit_edge_minutes, settings.transit_max_gap_minutes),
        )
        found = records.for_shipment(shipment_id)
    typer.echo("\n".join(record_lines(found)))


@shipment_app.command("receive-return")
def receive_return(
    shipment_id: int = typer.Argument(..., help="The refused shipment, on its way back."),
    user: str = typer.Option(..., "--user", help="Who receives it back."),
    returned: list[str] = typer.Option(
        [],
        "--returned",
        help="LOT_ID=DOSES that came back (repeat per lot); default: every lot as sent.",
    ),
    reason: str | None = typer.Option(
        None, "--reason", help="Why what came back differs from what was sent."
    ),
    unit: int | None = typer.Option(
        None, "--unit", help="The origin's storage unit (default: the one it left from)."
    ),
    key: str | None = typer.Option(
        None, "--key", help="Idempotency key (default: one per shipment, so a retry is safe)."
    ),
) -> None:
    """Receive a refused shipment back at the sender: the doses land held ("refused by the
    receiver, returned"); a shortfall is written off as lost at the sender."""
    from inventory import queries, services
    from inventory.commands import ReceiveReturn
    from inventory.domain.shipments import ReceivedLot

    counted = _counted(returned)
    with _ledger() as (uow, _), _refusals():
        found = queries.get_shipment(uow, shipment_id)
        sent = {line.lot_id: line.dispatched for line in found.lines if line.dispatched}
        lots = tuple(
            ReceivedLot(lot, doses, reason if doses != sent.get(lot, 0) else None)
            for lot, doses in sorted({**sent, **counted}.items())
        )
        posted = services.receive_return(
            uow,
            ReceiveReturn(
                shipment_id, lots, user, key or f"cli:return:{shipment_id}", storage_unit_id=unit
            ),
        )
    held = sum(x.doses for x in posted.movement.lines if x.doses > 0 and x.account == "quarantine")
    typer.echo(
        f"shipment {posted.shipment_id}: {posted.status}, movement {posted.movement.id},"
        f" {held} doses held"
    )
    for d in posted.discrepancies:
        typer.echo(
            f"  lot {d.lot_id}: {d.kind} sent {d.dispatched}, back {d.received} ({d.reason})"
        )


def _counted(pairs: list[str]) -> dict[int, int]:
    counted: dict[int, int] = {}
    for pair in pairs:
        lot, _, doses = pair.partition("=")
        if not (lot.strip().isdigit() and doses.strip().isdigit()):
            typer.echo(f"--returned takes LOT_ID=DOSES, not {pair!r}", err=True)
            raise typer.Exit(2)
        counted[int(lot)] = int(doses)
    return counted


def record_lines(r: TransportRecord) -> list[str]:
    """The record as terminal lines (what the receiver reads first)."""
    verdict = "covers the journey" if r.covers else "DOES NOT cover the journey"
    lines = [
        f"shipment {r.shipment_id} ({r.status}), {r.unit}, profile {r.profile}"
        f" ({r.range_low_c:+.1f} to {r.range_high_c:+.1f} °C)",
        f"journey {_t(r.dispatched_at)} -> {_t(r.arrived_at)}: the record {verdict}",
        *(f"  - {problem}" for problem in r.problems),
        "loggers: "
        + (
            ", ".join(f"{lg.sensor_id} every {lg.reporting_interval_s} s" for lg in r.loggers)
            or "none"
        ),
        f"readings {r.reading_count}, first {_t(r.first_reading_at)}, last {_t(r.last_reading_at)}",
        f"min {_c(r.min_c)}, max {_c(r.max_c)}, MKT {_c(r.mkt_c)}; minutes above"
        f" {r.minutes_above:.0f}, below {r.minutes_below:.0f}, unknown {r.unknown_minutes:.0f}",
    ]
    lines += [f"gap {_t(g.start)} -> {_t(g.end)} ({g.minutes:.0f} min)" for g in r.gaps]
    lines += [
        f"excursion {x.direction} {_t(x.start)} -> {_t(x.end)}, max {_c(x.max_c)}"
        for x in r.excursions
    ]
    lines += [f"alarm {a.type} ({a.severity}, {a.state}) at {_t(a.raised_at)}" for a in r.alarms]
    lines += [f"held at receipt: lot {h.lot_number} ({h.reference})" for h in r.holds]
    return lines


def _logger_line(view: ShipmentLoggerView) -> str:
    off = "on" if view.detached_at is None else f"off {_t(view.detached_at)}"
    return (
        f"shipment {view.shipment_id}: logger {view.sensor_id} every"
        f" {view.reporting_interval_s} s, attached {_t(view.attached_at)} by"
        f" {view.attached_by}, {off}"
    )


def _t(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _c(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f} °C"
