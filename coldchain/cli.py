"""The ``coldchain`` command: database migrations, the API service, ingest and look-ups."""

from __future__ import annotations

import typer

from coldchain.settings import ConfigurationError, Settings, load_settings

app = typer.Typer(
    help="coldchain: cold-chain telemetry and vaccine lot ledger.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
token_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _ensure_bootstrap_admin(settings: Settings) -> None:
    """With COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN set, make sure it is an admin token (idempotent)."""
    if settings.bootstrap_admin_token is None:
        return
    from datetime import UTC, datetime

    from api.errors import ApiError
    from api.services import BootstrapOutcome, ensure_bootstrap_admin
    from coldchain.wiring import access_unit_of_work

    try:
        with access_unit_of_work(settings) as uow:
            outcome = ensure_bootstrap_admin(
                uow, settings.bootstrap_admin_token, now=datetime.now(UTC)
            )
    except ApiError as exc:
        typer.echo(f"COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN: {exc}", err=True)
        raise typer.Exit(2) from exc
    if outcome is BootstrapOutcome.REVOKED:
        typer.echo("COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN was revoked; it stays revoked", err=True)
    elif outcome is BootstrapOutcome.CREATED:
        typer.echo("bootstrap admin token from COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN created", err=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from coldchain import db

    settings = _settings()
    db.upgrade(settings.database_url, revision)
    if revision == "head":
        _ensure_bootstrap_admin(settings)
    typer.echo(f"database at {settings.database_url} is at {revision}")


@app.command()
def serve() -> None:
    """Migrate the database, then run the HTTP API."""
    import uvicorn

    from coldchain import db
    from coldchain.wiring import build_app

    settings = _settings()
    db.upgrade(settings.database_url)
    _ensure_bootstrap_admin(settings)
    uvicorn.run(build_app(settings), host=settings.api_host, port=settings.api_port)


@token_app.command("create")
def token_create(
    name: str = typer.Option(..., "--name", help="User the token belongs to."),
    role: str = typer.Option(..., "--role", help="admin, supervisor, staff or viewer."),
    facility_id: int | None = typer.Option(
        None,
        "--facility-id",
        help="Scope: this facility and its subtree (supervisor, staff, viewer).",
    ),
) -> None:
    """Issue an API token: the secret goes to stdout, once; details to stderr."""
    from datetime import UTC, datetime

    from api import services
    from api.errors import ApiError
    from api.principal import Role
    from coldchain import db
    from coldchain.wiring import access_unit_of_work

    if role not in {r.value for r in Role}:
        typer.echo(f"--role must be admin, supervisor, staff or viewer, got {role!r}", err=True)
        raise typer.Exit(2)
    settings = _settings()
    db.upgrade(settings.database_url)
    try:
        with access_unit_of_work(settings) as uow:
            issued = services.create_token(
                uow, name=name, role=Role(role), facility_id=facility_id, now=datetime.now(UTC)
            )
    except ApiError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    record = issued.record
    scope = "" if record.facility_id is None else f" at facility {record.facility_id}"
    typer.echo(
        f"token {record.id} for {record.role} {record.name!r}{scope}; shown once, store it now",
        err=True,
    )
    typer.echo(issued.secret)


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., help="The token's id.")) -> None:
    """Revoke an API token at once (idempotent)."""
    from datetime import UTC, datetime

    from api import services
    from api.errors import ApiError
    from coldchain import db
    from coldchain.wiring import access_unit_of_work

    settings = _settings()
    db.upgrade(settings.database_url)
    try:
        with access_unit_of_work(settings) as uow:
            record = services.revoke_token(uow, token_id, now=datetime.now(UTC))
    except ApiError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    assert record.revoked_at is not None
    typer.echo(f"token {record.id} of {record.name!r} revoked at {record.revoked_at.isoformat()}")


@app.command()
def ingest() -> None:
    """Consume MQTT telemetry into the configured store until SIGTERM (ingest/README.md)."""
    import logging

    from coldchain.ingest_service import run_ingest_service
    from ingest.errors import IngestConfigurationError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = _settings()
    try:
        run_ingest_service(settings)
    except (ConfigurationError, IngestConfigurationError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@app.command()
def simulate(
    hours: float = typer.Option(24.0, help="Hours of past device time to publish first."),
    interval: float = typer.Option(300.0, help="Seconds between readings in the backfill."),
    live_interval: float = typer.Option(
        0.0, help="Then publish live every N seconds (0: stop after the backfill)."
    ),
) -> None:
    """Publish the demo fleet's simulated readings to COLDCHAIN_MQTT_URL."""
    import threading
    from datetime import UTC, datetime, timedelta

    from ingest.config import mqtt_endpoint
    from simulators.fleet import demo_fleet
    from simulators.publisher import Publisher, backfill, live

    settings = _settings()
    if settings.mqtt_url is None:
        typer.echo("COLDCHAIN_MQTT_URL is not set: `coldchain simulate` needs a broker", err=True)
        raise typer.Exit(2)
    host, port = mqtt_endpoint(settings.mqtt_url)
    fleet = demo_fleet(hours=hours, interval_s=interval)
    origin = datetime.now(UTC) - timedelta(hours=hours)
    publisher = Publisher(host, port, prefix=settings.mqtt_topic_prefix)
    try:
        sent = backfill(publisher, fleet, origin, hours * 3600)
        typer.echo(f"published {sent} readings of {len(fleet)} sensors ({hours:g} h of history)")
        if live_interval > 0:
            stop = threading.Event()
            try:
                live(publisher, fleet, origin, hours * 3600, stop=stop, interval_s=live_interval)
            except KeyboardInterrupt:
                stop.set()
    finally:
        publisher.close()


@app.command()
def demo() -> None:
    """Seed a demo programme and run broker, ingest, simulators and the API together."""
    from coldchain.demo import run_demo

    run_demo(_settings())


@app.command()
def trace(
    lot: str = typer.Argument(..., help="Lot number, or the pack's scanned GS1 code."),
    product: str | None = typer.Option(
        None, "--product", help="Product code, when several products share the lot number."
    ),
    gtin: str | None = typer.Option(None, "--gtin", help="Or the product's GTIN-14."),
) -> None:
    """Print the trace of a lot as a tree: where it went, what was given, wasted and held,
    and every temperature excursion it sat through."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import DBAPIError

    from coldchain.trace_view import find_trace, render_candidates, render_trace
    from coldchain.wiring import lot_trace_sources
    from inventory.domain.gs1 import Gs1Error
    from inventory.errors import InventoryError
    from inventory.queries import LotCandidates

    if product is not None and gtin is not None:
        typer.echo("give --product or --gtin, not both", err=True)
        raise typer.Exit(2)
    settings = _settings()
    try:
        with lot_trace_sources(settings) as (uow, lot_excursions):
            today = datetime.now(UTC).date()
            found = find_trace(uow, lot, today=today, product=product, gtin=gtin)
            excursions = (
                None if isinstance(found, LotCandidates) else lot_excursions.for_lot(found.lot.id)
            )
    except (InventoryError, Gs1Error) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    except DBAPIError as exc:
        typer.echo(f"cannot read the ledger at {settings.database_url}: {exc.orig}", err=True)
        typer.echo("is the database there and migrated? (coldchain db upgrade)", err=True)
        raise typer.Exit(1) from exc
    if isinstance(found, LotCandidates):
        typer.echo(render_candidates(found), err=True)
        raise typer.Exit(2)
    typer.echo(render_trace(found, excursions), nl=False)


@app.command()
def doses(
    facility: str = typer.Argument(..., help="Facility code: the report covers it and below."),
    day: str | None = typer.Option(
        None, "--day", help="Local day, YYYY-MM-DD (default: today in the facility's zone)."
    ),
) -> None:
    """Print the daily doses report: doses given per site, product and dose number against
    the daily target, cumulative coverage, and the stock reconciliation (rule 22)."""
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy.exc import DBAPIError

    from coldchain import db
    from coldchain.doses_view import render_daily_doses
    from inventory.errors import InventoryError
    from inventory.queries import daily_doses_report, facility_by_code
    from inventory.unit_of_work import UnitOfWork

    settings = _settings()
    engine = db.make_engine(settings.database_url)
    uow = UnitOfWork(db.make_session_factory(engine))
    try:
        site = facility_by_code(uow, facility)
        if day is None:
            local_day = datetime.now(UTC).astimezone(ZoneInfo(site.timezone)).date()
        else:
            try:
                local_day = date.fromisoformat(day)
            except ValueError as exc:
                typer.echo(f"--day must be YYYY-MM-DD, got {day!r}", err=True)
                raise typer.Exit(2) from exc
        report = daily_doses_report(uow, site.id, local_day)
    except InventoryError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    except DBAPIError as exc:
        typer.echo(f"cannot read the ledger at {settings.database_url}: {exc.orig}", err=True)
        typer.echo("is the database there and migrated? (coldchain db upgrade)", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(render_daily_doses(report), nl=False)


if __name__ == "__main__":
    app()
