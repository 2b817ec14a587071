"""The demo: simulated fridges → MQTT → ingest → store → alarms → API, on one machine.

``run_demo`` seeds a small provincial programme (a province store, a city store, three
clinics, their fridges, two vaccines and their lots, shipments down the tree, sensors
bound to the fridges, an alarm contact per facility on the MQTT channel
(``coldchain/alerts/{code}``), and the scenario's road journeys: each ``[[shipments]]`` dispatched
through the ledger at its time in the scenario's day, its ``[[loggers]]`` attached), then
starts, each in its own process: an MQTT broker (a real
Mosquitto when installed, else the embedded amqtt one: ``coldchain.broker``; none when
``COLDCHAIN_MQTT_URL`` names a broker), ``coldchain ingest`` and ``coldchain simulate``; and
serves the API in the foreground until Ctrl-C or, with ``--duration``, for that long. Then
it stops the simulators, lets ingest drain what the broker holds for it, stops ingest and
the broker, and prints as its last line one JSON object of what the database holds
(``coldchain.demo_summary``). Seeding is idempotent: a second run reuses what the first one
wrote.

Invariant: the demo works on its own database (``COLDCHAIN_DEMO_DATABASE_URL``, default
``var/demo.db``), never on ``COLDCHAIN_DATABASE_URL``: its admin token is published in the
README, so it must never be live where ``coldchain serve`` serves (``serve`` also refuses to
start while one of ``KNOWN_DEMO_TOKENS`` is active in its database).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import inventory.commands as cmd
from coldchain.db import Engine
from coldchain.settings import Settings
from ingest import registry
from ingest.notify.contacts import add_contact
from inventory import queries, services
from inventory.domain.transit import shipment_of
from inventory.errors import NotFound
from inventory.queries import lookups
from inventory.unit_of_work import UnitOfWork
from kit.collector import freeze_startup_heap
from simulators.scenario import Scenario, load

DEMO_ADMIN_TOKEN = "coldchain-demo-admin-token"
# Every secret the demo publishes; `coldchain serve` refuses to start while one is active.
KNOWN_DEMO_TOKENS = (DEMO_ADMIN_TOKEN,)
# The staff pages' demo users (name, role, facility code), all with the published password;
# `coldchain serve` refuses to start while one of them can sign in with it.
DEMO_PASSWORD = "coldchain-demo-password"
DEMO_USERS = (("demo-nurse", "staff", "CLN1"), ("demo-officer", "supervisor", "CTY1"))
USER = "demo"


ALERT_PREFIX = "coldchain/alerts"  # outside the readings' topics
DEMO_SCENARIO = "demo"  # simulators/scenarios/demo.toml: the tree, the units, the failures


def demo_scenario() -> Scenario:
    return load(DEMO_SCENARIO)


def seed(engine: Engine, uow: UnitOfWork, now: datetime) -> bool:
    """Write the demo programme; return False when it was already there."""
    try:
        lookups.facility_by_code(uow, "PROV")
        return False
    except NotFound:
        pass
    scenario = demo_scenario()
    ids: dict[str, int] = {}
    for f in scenario.facilities:
        view = services.create_facility(
            uow,
            cmd.CreateFacility(
                f.code, f.name, f.level, scenario.timezone, ids[f.parent] if f.parent else None
            ),
        )
        ids[f.code] = view.id
    units: dict[str, int] = {}
    for unit in scenario.units:
        units[unit.code] = services.create_storage_unit(
            uow, cmd.CreateStorageUnit(unit.code, ids[unit.facility], unit.kind, unit.profile)
        ).id
    hepb = services.create_product(
        uow,
        cmd.CreateProduct(
            "HEPB-10",
            "Hepatitis B vaccine",
            "Demo Biologicals",
            10,
            freeze_sensitive=True,
            gtin="09501101020917",
        ),
    ).id
    mr = services.create_product(
        uow, cmd.CreateProduct("MR-10", "Measles-rubella vaccine", "Demo Biologicals", 10)
    ).id
    today = now.date()
    lots = {
        "HB2401": services.register_lot(
            uow, cmd.RegisterLot(hepb, "HB2401", today + timedelta(days=200))
        ).id,
        "HB2402": services.register_lot(
            uow, cmd.RegisterLot(hepb, "HB2402", today + timedelta(days=400))
        ).id,
        "MR2405": services.register_lot(
            uow, cmd.RegisterLot(mr, "MR2405", today + timedelta(days=300))
        ).id,
    }
    products = {"HEPB-10": hepb, "MR-10": mr}
    _stock_the_tree(uow, now, ids, units, lots, products)
    _dispatch_the_journeys(uow, scenario, now, ids, units, lots, products)
    for sensor in scenario.sensors:
        registry.register_sensor(
            engine, sensor.sensor, reporting_interval_s=round(sensor.spec.interval_s)
        )
        registry.bind_sensor(
            engine,
            sensor.sensor,
            facility=sensor.facility,
            unit=sensor.unit,
            valid_from=now - timedelta(days=3),
        )
    for f in scenario.facilities:  # each store's officer, told over the demo's broker
        add_contact(engine, f.code, "mqtt", alert_topic(f.code), f"{f.name} officer")
    return True


def alert_topic(facility_code: str) -> str:
    """Where the demo tells a facility's officer of its alarms (the MQTT channel)."""
    return f"{ALERT_PREFIX}/{facility_code}"


def _stock_the_tree(
    uow: UnitOfWork,
    now: datetime,
    ids: dict[str, int],
    units: dict[str, int],
    lots: dict[str, int],
    products: dict[str, int],
) -> None:
    """Receive lots at the province 3 days ago; ship down to the city and clinics."""
    received = now - timedelta(days=3)
    for number, doses in (("HB2401", 20_000), ("HB2402", 20_000), ("MR2405", 10_000)):
        services.receive_from_supplier(
            uow,
            cmd.ReceiveFromSupplier(
                units["PROV-CR1"],
                lots[number],
                doses,
                USER,
                f"demo-receipt-{number}",
                occurred_at=received,
            ),
        )
    legs = [("PROV", "CTY1", "PROV-CR1", "CTY1-FR1", 6_000, 2.5)]
    legs += [("CTY1", c, "CTY1-FR1", f"{c}-FR1", 1_500, 2.0) for c in ("CLN1", "CLN2", "CLN3")]
    for origin, dest, from_unit, to_unit, doses, days_ago in legs:
        _ship(
            uow,
            now - timedelta(days=days_ago),
            ids[origin],
            ids[dest],
            units[from_unit],
            units[to_unit],
            products,
            doses,
        )


def _ship(
    uow: UnitOfWork,
    at: datetime,
    origin: int,
    dest: int,
    from_unit: int,
    to_unit: int,
    products: dict[str, int],
    doses: int,
) -> None:
    shipment = services.create_shipment(
        uow, cmd.CreateShipment(origin, dest, timedelta(hours=8), USER)
    )
    items = tuple(cmd.DispatchItem(product_id=p, doses=doses) for p in products.values())
    posted = services.dispatch_shipment(
        uow,
        cmd.DispatchShipment(
            shipment.id, from_unit, items, USER, f"demo-dispatch-{shipment.id}", occurred_at=at
        ),
    )
    received = tuple(
        cmd.ReceivedLot(line.lot_id, line.doses) for line in posted.movement.lines if line.doses > 0
    )
    services.receive_shipment(
        uow,
        cmd.ReceiveShipment(
            shipment.id,
            to_unit,
            received,
            USER,
            f"demo-receive-{shipment.id}",
            occurred_at=at + timedelta(hours=6),
        ),
    )


def _dispatch_the_journeys(
    uow: UnitOfWork,
    scenario: Scenario,
    now: datetime,
    ids: dict[str, int],
    units: dict[str, int],
    lots: dict[str, int],
    products: dict[str, int],
) -> None:
    """The scenario's shipments, dispatched at their moment of the day that ends ``now``
    (when the simulator places the same day), with their loggers attached from then on."""
    start = now - timedelta(seconds=scenario.duration_s)
    for journey in scenario.shipments:
        unit = journey.unit or next(u.code for u in scenario.units if u.facility == journey.origin)
        shipment = services.create_shipment(
            uow,
            cmd.CreateShipment(
                ids[journey.origin],
                ids[journey.destination],
                timedelta(seconds=journey.lead_time_s),
                USER,
                reference=f"demo-{journey.code}",
            ),
        )
        items = tuple(
            cmd.DispatchItem(
                products[item.product], item.doses, None if item.lot is None else lots[item.lot]
            )
            for item in journey.items
        )
        services.dispatch_shipment(
            uow,
            cmd.DispatchShipment(
                shipment.id,
                units[unit],
                items,
                USER,
                f"demo-dispatch-{journey.code}",
                occurred_at=start + timedelta(seconds=journey.dispatch_s),
            ),
        )
        for logger in scenario.loggers:
            if logger.shipment == journey.code:
                services.attach_logger(
                    uow,
                    cmd.AttachLogger(
                        shipment.id,
                        logger.sensor.sensor,
                        USER,
                        reporting_interval_s=round(logger.sensor.spec.interval_s),
                    ),
                )


def journey_ids(uow: UnitOfWork, scenario: Scenario) -> dict[str, int]:
    """The ledger's id of each scenario shipment that carries a logger, found by the
    logger the ledger says rode it (the ledger is the one record of who carried what)."""
    riding = {lg.sensor.sensor: lg.shipment for lg in scenario.loggers}
    found: dict[str, int] = {}
    for window in queries.transit_bindings(uow):
        code = riding.get(window.sensor_id)
        shipment_id = shipment_of(window.unit)
        if code is not None and shipment_id is not None:
            found[code] = shipment_id  # the latest window wins (bindings are by start)
    return found


def child_env(**overrides: str) -> dict[str, str]:
    """The environment of a process the demo starts: ours, with the demo's settings."""
    env = dict(os.environ)
    env.update({f"COLDCHAIN_{k.upper()}": v for k, v in overrides.items()})
    return env


def wait_for_ingest(metrics_port: int, process: subprocess.Popen[bytes]) -> None:
    """Wait until ingest has connected to the broker (its /metrics counts the connection),
    so that nothing the simulators publish first is published before anyone subscribed."""
    deadline = time.monotonic() + 60
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("coldchain ingest exited; see its log above")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                for line in response.read().decode().splitlines():
                    if (
                        line.startswith("coldchain_ingest_mqtt_connects_total")
                        and float(line.split()[-1]) >= 1
                    ):
                        time.sleep(0.5)  # the SUBSCRIBE follows the CONNACK
                        return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("coldchain ingest did not connect to the broker within 60 s")


RECEIVED = "coldchain_ingest_messages_received_total"
BACKLOG = "coldchain_ingest_backlog_messages"


def wait_for_drain(metrics_port: int, process: subprocess.Popen[bytes]) -> None:
    """Wait until ingest has taken and acknowledged everything the broker had for it: its
    received count stands still for a second with nothing unacknowledged (the simulators
    have stopped, so nothing new arrives). Gives up after 60 s: what is stored is counted."""
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    deadline = time.monotonic() + 60
    last: float | None = None
    steady_since = time.monotonic()
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                lines = response.read().decode().splitlines()
            values = {
                name: float(value)
                for name, _, value in (line.partition(" ") for line in lines)
                if name in (RECEIVED, BACKLOG)
            }
        except (OSError, ValueError):
            time.sleep(0.2)
            continue
        received = values.get(RECEIVED, 0.0)
        if received != last or values.get(BACKLOG, 0.0) > 0:
            last, steady_since = received, time.monotonic()
        elif time.monotonic() - steady_since >= 1.0:
            return
        time.sleep(0.2)


def start_child(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "coldchain.cli", *args], env=env)


def stop_child(child: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM (each child stops cleanly on it), then SIGKILL if it does not go in time."""
    if child.poll() is None:
        child.terminate()
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def prepare_demo(settings: Settings) -> Settings:
    """Migrate and seed the demo's own database and make sure its admin token exists there;
    return the settings the demo's processes run with (``database_url``: the demo's)."""
    from coldchain import db

    demo = settings.model_copy(
        update={
            "database_url": settings.demo_database_url,
            "bootstrap_admin_token": settings.bootstrap_admin_token or DEMO_ADMIN_TOKEN,
        }
    )
    # One line for the newcomer instead of Alembic's line per migration.
    migration_log = logging.getLogger("alembic.runtime.migration")
    level = migration_log.level
    migration_log.setLevel(logging.WARNING)
    try:
        db.upgrade(demo.database_url)
    finally:
        migration_log.setLevel(level)
    engine = db.make_engine(demo.database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    seeded = seed(engine, UnitOfWork(db.make_session_factory(engine)), now)
    engine.dispose()
    print(
        f"demo programme {'seeded' if seeded else 'already seeded'}"
        f" in {db.display_url(demo.database_url)}"
    )
    _ensure_admin(demo)
    _ensure_page_users(demo)
    return demo


def _journeys(settings: Settings) -> dict[str, int]:
    from coldchain import db

    engine = db.make_engine(settings.database_url)
    try:
        return journey_ids(UnitOfWork(db.make_session_factory(engine)), demo_scenario())
    finally:
        engine.dispose()


def serve_api(app: object, settings: Settings, duration_s: float | None) -> None:
    """Serve the API in the foreground until Ctrl-C (or SIGTERM), or ``duration_s``."""
    import uvicorn

    class DemoServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            """Ctrl-C and SIGTERM stop the server gracefully, as uvicorn's own handlers do,
            but are not raised again afterwards (uvicorn does, which would end the demo
            before it stops its children and prints its figures)."""
            signals = (signal.SIGINT, signal.SIGTERM)
            originals = {sig: signal.signal(sig, self.handle_exit) for sig in signals}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # logging is configured once, by `coldchain demo`
        access_log=False,  # the API logs its own access lines, without query strings
    )
    server = DemoServer(config)
    freeze_startup_heap()  # as `coldchain serve` does (kit/collector.py)
    timer = None
    if duration_s is not None:

        def time_is_up() -> None:
            print(f"demo: {duration_s:g} s are up; stopping", flush=True)
            server.should_exit = True

        timer = threading.Timer(duration_s, time_is_up)
        timer.daemon = True
        timer.start()
    try:
        server.run()
    finally:
        if timer is not None:
            timer.cancel()


def run_demo(settings: Settings, duration_s: float | None = None) -> None:
    """Seed, start broker + ingest + simulators, serve the API until Ctrl-C or for
    ``duration_s`` seconds; then stop the simulators, let ingest drain, stop everything and
    print, as the last line, the run's figures counted from the database (one JSON object)."""
    from coldchain import db
    from coldchain.broker import DemoBroker, start_demo_broker
    from coldchain.demo_summary import demo_summary
    from coldchain.wiring import build_app

    demo = prepare_demo(settings)
    broker: DemoBroker | None = None
    overrides: dict[str, str] = {"database_url": demo.database_url}
    if settings.mqtt_url is None:
        broker = start_demo_broker(settings.demo_broker)
        overrides |= {"mqtt_url": broker.url, "mqtt_protocol": broker.protocol}
        name = "Mosquitto, MQTT 5" if broker.kind == "mosquitto" else "amqtt, MQTT 3.1.1"
        print(f"{broker.kind} MQTT broker ({name}) on {broker.url.removeprefix('mqtt://')}")
    else:
        print(f"MQTT broker {settings.mqtt_url}")
    env = child_env(**overrides)
    ingest: subprocess.Popen[bytes] | None = None
    simulate: subprocess.Popen[bytes] | None = None
    served = False
    try:
        ingest = start_child(["ingest"], env)
        wait_for_ingest(settings.ingest_metrics_port, ingest)
        # the scenario's day at once (a logger back from an outage), then live every 10 s
        args = ["simulate", "--scenario", DEMO_SCENARIO, "--speed", "0", "--follow", "10"]
        for code, shipment_id in sorted(_journeys(demo).items()):
            args += ["--shipment", f"{code}={shipment_id}"]  # its logger's topic
        simulate = start_child(args, env)
        # Only the published token is printed: an operator's own secret is never echoed.
        token = demo.bootstrap_admin_token
        shown = token if token in KNOWN_DEMO_TOKENS else "$COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN"
        base = f"http://{settings.api_host}:{settings.api_port}"
        print(
            f"\nstaff pages on {base}/ : sign in as {DEMO_USERS[0][0]} (a clinic nurse at"
            f" {DEMO_USERS[0][2]}) or {DEMO_USERS[1][0]} (the city's cold-chain officer),"
            f" password {DEMO_PASSWORD}\n"
            f"API on {base}/api/docs\n"
            f"admin token: {shown}\n"
            f'try: curl -H "Authorization: Bearer {shown}" {base}/api/v1/me\n'
            f"other commands on the demo's database: "
            f"COLDCHAIN_DATABASE_URL={db.display_url(demo.database_url)} coldchain trace HB2401\n"
        )
        serve_api(build_app(demo), settings, duration_s)
        served = True
    finally:
        if simulate is not None:
            stop_child(simulate)  # it flushes what it has in flight, then exits
        if ingest is not None:
            if served:
                wait_for_drain(settings.ingest_metrics_port, ingest)
            stop_child(ingest, timeout=60)  # the batch in hand and the follow-ups, then out
        if broker is not None:
            broker.stop()
    print(json.dumps(demo_summary(demo).as_json()), flush=True)


def _ensure_admin(settings: Settings) -> None:
    from access.services import ensure_bootstrap_admin
    from coldchain.access_wiring import access_unit_of_work

    assert settings.bootstrap_admin_token is not None
    with access_unit_of_work(settings) as uow:
        ensure_bootstrap_admin(uow, settings.bootstrap_admin_token, now=datetime.now(UTC))


def _ensure_page_users(settings: Settings) -> None:
    """The demo's users of the staff pages (idempotent: an existing name is kept)."""
    from access.errors import UserConflict
    from access.principal import Role
    from access.services import create_user
    from coldchain.access_wiring import access_and_facilities
    from coldchain.wiring import inventory_unit_of_work

    with inventory_unit_of_work(settings) as ledger:
        ids = {code: lookups.facility_by_code(ledger, code).id for _, _, code in DEMO_USERS}
    with access_and_facilities(settings) as (uow, facilities):
        for name, role, code in DEMO_USERS:
            with contextlib.suppress(UserConflict):  # seeded by an earlier run
                create_user(
                    uow,
                    name=name,
                    role=Role(role),
                    facility_id=ids[code],
                    password=DEMO_PASSWORD,
                    now=datetime.now(UTC),
                    facilities=facilities,
                )


def demo_users_live(settings: Settings) -> list[str]:
    """The demo's users that can still sign in with the published password in this
    database (what `coldchain serve` refuses)."""
    from access.passwords import DEFAULT_PASSWORDS
    from coldchain.access_wiring import access_unit_of_work

    live = []
    with access_unit_of_work(settings) as uow:
        for name, _, _ in DEMO_USERS:
            with uow:
                user = uow.access.user_by_name(name)
                stored = None if user is None or user.disabled_at else user.password_hash
            if stored is not None and DEFAULT_PASSWORDS.verify(stored, DEMO_PASSWORD):
                live.append(name)
    return live
