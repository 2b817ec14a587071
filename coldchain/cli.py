"""The ``coldchain`` command: database migrations, the API service, ingest and look-ups.

Invariant: no command writes a token secret anywhere but the one stdout line of
``token create``; messages name tokens by id and show database URLs without passwords.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from coldchain.report_commands import report_app
from coldchain.settings import ConfigurationError, Settings, load_settings
from coldchain.shipment_commands import shipment_app
from coldchain.user_commands import user_app

if TYPE_CHECKING:
    from api.transport_records import TransportRecord
    from inventory.queries import LotTrace

app = typer.Typer(
    help="coldchain: cold-chain telemetry and vaccine lot ledger.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
token_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(report_app, name="report")
app.add_typer(user_app, name="user")
app.add_typer(shipment_app, name="shipment")

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns (access.services.MAX_ID)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _settings_with_logs() -> Settings:
    """The settings, and logging configured from them: for the long-running commands."""
    from coldchain.logs import configure_logging

    settings = _settings()
    configure_logging(settings)
    return settings


def _secret_key(settings: Settings) -> str | None:
    """COLDCHAIN_SECRET_KEY for the migrations that seal stored webhook secrets."""
    return settings.secret_key.get_secret_value() if settings.secret_key is not None else None


def _ensure_bootstrap_admin(settings: Settings, *, to_log: bool = False) -> None:
    """With COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN set, make sure it is an admin token (idempotent);
    never the demo's published one.

    What happened goes to stderr, or to the log (``to_log``: ``serve``, whose output is
    log lines)."""
    if settings.bootstrap_admin_token is None:
        return
    import logging
    from datetime import UTC, datetime

    from access.errors import AccessError
    from access.services import BootstrapOutcome, ensure_bootstrap_admin
    from coldchain.access_wiring import access_unit_of_work
    from coldchain.demo import KNOWN_DEMO_TOKENS

    if settings.bootstrap_admin_token in KNOWN_DEMO_TOKENS:
        typer.echo(
            "COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN is the demo's published token;"
            " choose a secret of your own (at least 16 characters)",
            err=True,
        )
        raise typer.Exit(2)
    log = logging.getLogger("coldchain.cli")

    def say(message: str, level: int = logging.INFO) -> None:
        if to_log:
            log.log(level, message)
        else:
            typer.echo(message, err=True)

    try:
        with access_unit_of_work(settings) as uow:
            outcome = ensure_bootstrap_admin(
                uow, settings.bootstrap_admin_token, now=datetime.now(UTC)
            )
    except AccessError as exc:
        say(f"COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN: {exc}", logging.ERROR)
        raise typer.Exit(2) from exc
    if outcome is BootstrapOutcome.REVOKED:
        say("COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN was revoked; it stays revoked", logging.WARNING)
    elif outcome is BootstrapOutcome.CREATED:
        say("bootstrap admin token from COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN created")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from coldchain import db

    settings = _settings()
    db.upgrade(settings.database_url, revision, secret_key=_secret_key(settings))
    if revision == "head":
        _ensure_bootstrap_admin(settings)
    typer.echo(f"database at {db.display_url(settings.database_url)} is at {revision}")


def _refuse_demo_tokens(settings: Settings) -> None:
    """Stop `serve` while a token the demo publishes (README) is active in its database:
    whoever read the README would be admin."""
    from datetime import UTC, datetime

    from access.services import active_token
    from coldchain import db
    from coldchain.access_wiring import access_unit_of_work
    from coldchain.demo import KNOWN_DEMO_TOKENS, demo_users_live

    now = datetime.now(UTC)
    with access_unit_of_work(settings) as uow:
        found = [r for secret in KNOWN_DEMO_TOKENS if (r := active_token(uow, secret, now=now))]
    for record in found:
        typer.echo(
            f"refusing to serve {db.display_url(settings.database_url)}: it holds the demo's"
            f" published admin token (token {record.id}, {record.role} {record.name!r}), which"
            " anyone who read the README can use. Revoke it first:"
            f" coldchain token revoke {record.id}",
            err=True,
        )
    users = demo_users_live(settings)
    for name in users:
        typer.echo(
            f"refusing to serve {db.display_url(settings.database_url)}: user {name!r} signs in"
            " to the staff pages with the demo's published password. Disable it first:"
            f" coldchain user disable {name}",
            err=True,
        )
    if found or users:
        raise typer.Exit(2)


@app.command()
def serve() -> None:
    """Migrate the database, then run the HTTP API (never with the demo's token live)."""
    import uvicorn

    from coldchain import db
    from coldchain.wiring import build_app
    from kit.collector import freeze_startup_heap

    settings = _settings_with_logs()
    db.upgrade(settings.database_url, secret_key=_secret_key(settings))
    _refuse_demo_tokens(settings)
    _ensure_bootstrap_admin(settings, to_log=True)
    app = build_app(settings)
    freeze_startup_heap()  # kit/collector.py: collections skip what lives as long as we do
    # Our logging (coldchain/logs.py) and our access line (api/request_context.py): uvicorn's
    # own would log query strings, where a client may have put a token.
    uvicorn.run(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
    )


@token_app.command("create")
def token_create(
    name: str = typer.Option(..., "--name", help="User the token belongs to."),
    role: str = typer.Option(..., "--role", help="admin, supervisor, staff or viewer."),
    facility_id: int | None = typer.Option(
        None,
        "--facility-id",
        min=1,
        max=MAX_ID,
        help="Scope: this existing facility and its subtree (supervisor, staff, viewer).",
    ),
    expires_in_days: int | None = typer.Option(
        None,
        "--expires-in-days",
        min=1,
        max=3650,
        help="Lifetime (default: COLDCHAIN_STAFF_TOKEN_DAYS for staff, never for the others).",
    ),
) -> None:
    """Issue an API token: the secret goes to stdout, once; details to stderr."""
    from datetime import UTC, datetime

    from access import services
    from access.errors import AccessError
    from access.principal import Role
    from coldchain import db
    from coldchain.access_wiring import access_and_facilities, token_lifetimes

    if role not in {r.value for r in Role}:
        typer.echo(f"--role must be admin, supervisor, staff or viewer, got {role!r}", err=True)
        raise typer.Exit(2)
    settings = _settings()
    db.upgrade(settings.database_url, secret_key=_secret_key(settings))
    try:
        with access_and_facilities(settings) as (uow, facilities):
            issued = services.create_token(
                uow,
                name=name,
                role=Role(role),
                facility_id=facility_id,
                now=datetime.now(UTC),
                facilities=facilities,
                expires_in_days=expires_in_days,
                lifetimes=token_lifetimes(settings),
            )
    except AccessError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    record = issued.record
    scope = "" if record.facility_id is None else f" at facility {record.facility_id}"
    expiry = (
        "never expires"
        if record.expires_at is None
        else f"expires at {record.expires_at.isoformat(timespec='seconds')}"
    )
    typer.echo(
        f"token {record.id} for {record.role} {record.name!r}{scope}, {expiry};"
        " shown once, store it now",
        err=True,
    )
    typer.echo(issued.secret)


@token_app.command("revoke")
def token_revoke(
    token_id: int = typer.Argument(..., min=1, max=MAX_ID, help="The token's id."),
) -> None:
    """Revoke an API token at once (idempotent)."""
    from datetime import UTC, datetime

    from access import services
    from access.errors import AccessError
    from coldchain import db
    from coldchain.access_wiring import access_unit_of_work

    settings = _settings()
    db.upgrade(settings.database_url, secret_key=_secret_key(settings))
    try:
        with access_unit_of_work(settings) as uow:
            record = services.revoke_token(uow, token_id, now=datetime.now(UTC))
    except AccessError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    assert record.revoked_at is not None
    typer.echo(f"token {record.id} of {record.name!r} revoked at {record.revoked_at.isoformat()}")


@app.command()
def ingest() -> None:
    """Consume MQTT telemetry into the configured store until SIGTERM (ingest/README.md)."""
    from coldchain.ingest_service import run_ingest_service
    from ingest.errors import IngestConfigurationError
    from kit.collector import freeze_startup_heap

    settings = _settings_with_logs()
    freeze_startup_heap()  # kit/collector.py: the modules live as long as the service
    try:
        run_ingest_service(settings)
    except (ConfigurationError, IngestConfigurationError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@app.command()
def simulate(
    scenario: str = typer.Option(
        "demo", help="Scenario file, or the name of one in simulators/scenarios/."
    ),
    speed: float = typer.Option(
        1.0, help="Simulated seconds per second (60: an hour a minute; 0: all at once)."
    ),
    broker: str | None = typer.Option(None, help="mqtt://host:port (default COLDCHAIN_MQTT_URL)."),
    follow: float = typer.Option(
        0.0, help="After the scenario, go on live, a reading per sensor every N s (0: stop)."
    ),
    shipment: list[str] = typer.Option(
        [],
        "--shipment",
        help="CODE=ID: the ledger's id of the scenario's shipment CODE (its loggers publish"
        " on shipment-ID); repeatable.",
    ),
) -> None:
    """Publish a scenario's simulated readings over MQTT (simulators/README.md); SIGTERM
    or Ctrl-C stops it after the message in hand."""
    import signal
    import threading
    import time

    from ingest.config import mqtt_endpoint
    from ingest.errors import IngestConfigurationError
    from simulators.publisher import Pace, Publisher, run
    from simulators.scenario import ScenarioError, load

    settings = _settings()
    url = broker or settings.mqtt_url
    if url is None:
        typer.echo("no broker: give --broker mqtt://host:port or set COLDCHAIN_MQTT_URL", err=True)
        raise typer.Exit(2)
    try:
        host, port = mqtt_endpoint(url)
        loaded = load(scenario).with_shipment_ids(_shipment_ids(shipment))
        pace = Pace(time.time(), loaded.duration_s, speed)
    except (IngestConfigurationError, ScenarioError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    publisher = Publisher(host, port, prefix=settings.mqtt_topic_prefix)
    stop = threading.Event()

    def on_sigterm(_signum: int, _frame: object) -> None:
        # Set from another thread: the main thread may hold the event's lock right now.
        threading.Thread(target=stop.set, daemon=True).start()

    signal.signal(signal.SIGTERM, on_sigterm)  # stop publishing, flush, report: exit 0
    messages = loaded.messages(pace.origin_s, follow_interval_s=follow or None)
    typer.echo(
        f"scenario {loaded.name}: {len(loaded.sensors)} sensors, {len(loaded.loggers)} loggers,"
        f" {loaded.duration_s / 3600:g} h at speed {speed:g}"
    )
    span = f"{loaded.duration_s / 3600:g} h"

    def spanned(sent: int) -> None:
        typer.echo(f"published the scenario's {span}: {sent} readings; following live")

    try:
        sent = run(publisher, messages, pace, stop=stop, on_span_end=spanned)
        typer.echo(f"published {sent} readings in {publisher.sent_messages} messages")
    except KeyboardInterrupt:
        stop.set()
    finally:
        publisher.close()


def _shipment_ids(pairs: list[str]) -> dict[str, int]:
    """``["ROAD1=7"]`` -> ``{"ROAD1": 7}``; a malformed pair is a ValueError naming it."""
    ids: dict[str, int] = {}
    for pair in pairs:
        code, sep, number = pair.partition("=")
        if not sep or not code.strip() or not number.strip().isdigit():
            raise ValueError(f"--shipment {pair!r}: give CODE=ID, for example ROAD1=7")
        ids[code.strip()] = int(number)
    return ids


@app.command()
def demo(
    duration: float | None = typer.Option(
        None,
        "--duration",
        min=1,
        max=7 * 86_400,
        help="Stop by itself after SECONDS (default: run until Ctrl-C).",
    ),
) -> None:
    """Seed a demo programme and run broker, ingest, simulators and the API together; on
    stopping, print what the database holds as one JSON line (readings, alarms, ...)."""
    from coldchain.demo import run_demo

    run_demo(_settings_with_logs(), duration)


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

    from coldchain.db import DatabaseError
    from coldchain.report_commands import _ledger_error
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
    except DatabaseError as exc:
        raise _ledger_error(settings.database_url, exc.orig) from exc
    if isinstance(found, LotCandidates):
        typer.echo(render_candidates(found), err=True)
        raise typer.Exit(2)
    typer.echo(render_trace(found, excursions, _journeys(settings, found)), nl=False)


def _journeys(settings: Settings, found: LotTrace) -> dict[int, TransportRecord]:
    """Each dispatched journey's transport record; none when telemetry cannot be read."""
    from coldchain.wiring import transport_records
    from ingest.queries import TelemetryUnavailable

    try:
        with transport_records(settings) as records:
            return {
                s.shipment_id: records.for_shipment(s.shipment_id)
                for s in found.shipments
                if s.dispatched_at is not None
            }
    except TelemetryUnavailable:
        return {}


@app.command()
def doses(
    facility: str = typer.Argument(..., help="Facility code: the report covers it and below."),
    day: str | None = typer.Option(
        None, "--day", help="Local day, YYYY-MM-DD (default: today in the facility's zone)."
    ),
) -> None:
    """Print the daily doses report: doses given per site, product and dose number against
    the daily target, cumulative coverage, and the stock reconciliation (rule 22)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from coldchain.doses_view import render_daily_doses
    from coldchain.report_commands import _day, _ledger
    from inventory.queries import daily_doses_report, facility_by_code

    with _ledger() as uow:
        site = facility_by_code(uow, facility)
        if day is None:
            local_day = datetime.now(UTC).astimezone(ZoneInfo(site.timezone)).date()
        else:
            local_day = _day("--day", day)
        report = daily_doses_report(uow, site.id, local_day)
    typer.echo(render_daily_doses(report), nl=False)


if __name__ == "__main__":
    app()
