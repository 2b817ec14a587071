"""Benchmark: publish → webhook latency of the WHO heat alarm, under 1 000 readings/s.

Everything is real and in its own process: Mosquitto (tests/servers.py), the
`coldchain ingest` process (pipeline, AlarmRecorder, ledger exposure and quarantine,
outbox notifier, alarm jobs) on the embedded store over SQLite by default (``--influx``:
a real influxd and the v1 sink; ``--postgres``: a fresh PostgreSQL database), a background
publisher process, and a webhook receiver (an HTTP server in this process).

1. Seed: a province with clinics holding ``--alarms`` fridges (each with its own sensor, a
   lot of vaccine and the clinic's webhook contact) and background facilities whose fridges
   carry ``--sensors`` sensors; everything bound in the sensor registry.
2. Warm up: for every alarm fridge, publish the hot history of the unmodified WHO heat rule
   (> +8.0 °C for 600 min): 120 readings at +12.0 °C every 5 min of device time, from
   c − 600 min to c − 5 min (c: the start of the run), as one buffered message; wait for each
   fridge's early-heat and cumulative-heat warnings to reach the webhook (so the history is
   processed); start the background load: ``--load`` in-range readings/s, one per message,
   round-robin over the background sensors, device time = now.
3. Measure, one alarm after another: after a random pause of up to ``--jitter`` s (default
   1 s, the longest batch cycle: each alarm follows the previous one's batch commit, so
   without a pause every publish would land at the same point of ingest's batch cycle),
   publish the completing reading of the next fridge (device time c: 600 min after its first
   hot reading) and time it until the who-heat RAISED notice of that fridge reaches the
   webhook (p50/p99 over every alarm; one that never arrives within 30 s is "missing").

Device times end at c, so no alarm sensor is silent for 3 × 5 min before the run ends
(SENSOR_OFFLINE notices are counted and printed: 0 expected). The last line printed is one
JSON object. Run from the repository root:
``.venv/bin/python -m bench.alerts [--alarms 220] [--load 1000] [--batch-seconds 0.5]
[--influx] [--postgres [ADMIN_URL]] [--workdir DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, select, text

from coldchain import db
from ingest import registry
from ingest.models import AlarmRow
from ingest.notify.config import WebhookConfig
from ingest.notify.contacts import add_contact
from ingest.notify.targets import AllowedTargets
from ingest.wire import encode_batch, encode_reading, reading_payload, topic_for
from inventory import commands as cmd
from inventory import services
from inventory.unit_of_work import UnitOfWork
from tests.servers import free_port, start_influxdb, start_mosquitto

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "coldchain/v1"
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HISTORY = 120  # hot readings before the completing one: 0 … 595 min
STEP = timedelta(minutes=5)
PER_FACILITY = 25
WHO_HEAT, WARNINGS = "who-heat", ("early-heat", "cumulative-heat")

# The receiver listens on 127.0.0.1: allowed as an administrator allows an in-house host.
LOCAL = WebhookConfig(allowed=AllowedTargets.parse(["127.0.0.1"]))


@dataclass(frozen=True)
class Place:
    facility: str
    unit: str
    sensor: str

    @property
    def topic(self) -> str:
        return topic_for(PREFIX, self.facility, self.unit, self.sensor)


def alarm_places(n: int) -> list[Place]:
    return [Place(f"AC{i // PER_FACILITY:02d}", f"AF{i:04d}", f"AS{i:04d}") for i in range(n)]


def background_places(sensors: int, per_unit: int) -> list[Place]:
    out = []
    for i in range(sensors):
        unit = i // per_unit
        out.append(Place(f"BG{unit // PER_FACILITY:02d}", f"BF{unit:04d}", f"BS{i:05d}"))
    return out


# --- seeding: the ledger through its services, sensors through the registry ---


def seed(engine: Engine, alarms: list[Place], background: list[Place], now: datetime) -> None:
    """The province and its clinics; a fridge per place's unit, each alarm fridge stocked
    with 100 doses of one lot 3 days ago; every sensor registered and bound 2 days ago."""
    uow = UnitOfWork(db.make_session_factory(engine))
    province = services.create_facility(
        uow, cmd.CreateFacility("PROV", "Province store", "province", "Asia/Shanghai")
    ).id
    product = services.create_product(
        uow, cmd.CreateProduct("HEPB-10", "HepB", "Acme", 10, freeze_sensitive=True)
    ).id
    lot = services.register_lot(
        uow, cmd.RegisterLot(product, "HB-BENCH", now.date() + timedelta(days=365))
    ).id
    facilities: dict[str, int] = {}
    units: dict[str, int] = {}
    for place in alarms + background:
        if place.facility not in facilities:
            clinic = cmd.CreateFacility(
                place.facility, place.facility, "clinic", "Asia/Shanghai", province
            )
            facilities[place.facility] = services.create_facility(uow, clinic).id
        if place.unit not in units:
            fridge = cmd.CreateStorageUnit(place.unit, facilities[place.facility], "fridge")
            units[place.unit] = services.create_storage_unit(uow, fridge).id
    for place in alarms:
        receipt = cmd.ReceiveFromSupplier(
            units[place.unit], lot, 100, "bench", f"bench-{place.unit}", now - timedelta(days=3)
        )
        services.receive_from_supplier(uow, receipt)
    for places, interval in ((alarms, 300), (background, 60)):
        for place in places:
            registry.register_sensor(engine, place.sensor, reporting_interval_s=interval, now=now)
            registry.bind_sensor(
                engine,
                place.sensor,
                facility=place.facility,
                unit=place.unit,
                valid_from=now - timedelta(days=2),
            )


# --- the webhook receiver ---


class Webhook:
    """An HTTP/1.1 endpoint that notes when each notice arrived (monotonic and wall time)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.first: dict[tuple[str, str, str], tuple[float, float]] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                arrived = (time.monotonic(), time.time())
                body = orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                hook.record(body, arrived)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/alarms"

    def record(self, body: dict[str, Any], arrived: tuple[float, float]) -> None:
        key = (str(body["kind"]), str(body["rule_id"]), str(body["unit"]))
        with self.cond:
            self.counts[key[:2]] += 1
            self.first.setdefault(key, arrived)
            self.cond.notify_all()

    def wait(self, keys: list[tuple[str, str, str]], timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: all(k in self.first for k in keys), timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the background load (its own process: python -m bench.alerts --role load ...) ---


def run_load(port: int, rate: float, places: list[Place]) -> None:
    """Publish in-range readings at ``rate``/s round-robin until SIGTERM; print once a second
    ``monotonic published acknowledged`` (the conductor takes the rate from these lines)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    acked = [0]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, "bench-load", protocol=mqtt.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.on_publish = lambda *_: acked.__setitem__(0, acked[0] + 1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    topics = [p.topic for p in places]
    rng = random.Random(7)
    start = time.monotonic()
    sent, report_at = 0, start + 1.0
    while not stop.is_set():
        now = time.monotonic()
        while sent < int((now - start) * rate):
            i = sent % len(places)
            t = round(4.0 + 2.0 * rng.random(), 2)
            payload = encode_reading(places[i].sensor, round(time.time(), 3), t)
            client.publish(topics[i], payload, qos=1)
            sent += 1
        if now >= report_at:
            print(f"{now:.3f} {sent} {acked[0]}", flush=True)
            report_at += 1.0
        time.sleep(0.004)
    client.loop_stop()
    client.disconnect()


class Load:
    """The load process, and its latest ``(monotonic, published, acknowledged)`` line."""

    def __init__(self, port: int, rate: float, sensors: int, per_unit: int) -> None:
        argv = [sys.executable, "-m", "bench.alerts", "--role", "load", "--port", str(port)]
        argv += ["--load", str(rate), "--sensors", str(sensors), "--per-unit", str(per_unit)]
        self.process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.latest = (time.monotonic(), 0, 0)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            at, sent, acked = line.split()
            self.latest = (float(at), int(sent), int(acked))

    def stop(self) -> None:
        end(self.process, 30)


# --- ingest ---


def ingest_env(args: argparse.Namespace, mqtt_url: str, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    env.update(
        COLDCHAIN_DATABASE_URL=database_url,
        COLDCHAIN_MQTT_URL=mqtt_url,
        COLDCHAIN_MQTT_CLIENT_ID="bench-ingest",
        COLDCHAIN_INGEST_METRICS_PORT=str(args.metrics_port),
        COLDCHAIN_INGEST_BATCH_SECONDS=str(args.batch_seconds),
        COLDCHAIN_INGEST_BATCH_SIZE=str(args.batch_size),
        COLDCHAIN_TELEMETRY_STORE="embedded",
        COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",  # the bench's receiver
    )
    if args.influx_url:
        env.update(
            COLDCHAIN_TELEMETRY_STORE="influxdb-v1",
            COLDCHAIN_INFLUX_URL=args.influx_url,
            COLDCHAIN_INFLUX_DATABASE="coldchain",
        )
    return env


def start_ingest(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "coldchain.cli", "ingest"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while b"subscription granted" not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"ingest did not subscribe: {log_path.read_text()[-3000:]}")
        time.sleep(0.05)
    return process


def end(process: subprocess.Popen[Any], timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
    return 0.0


class BacklogWatch:
    """Samples ingest's backlog (received, not yet acknowledged) every 0.5 s."""

    def __init__(self, port: int) -> None:
        self.port, self.peak, self.stop = port, 0.0, threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                backlog = metric(self.port, "coldchain_ingest_backlog_messages")
            except OSError:
                continue
            self.peak = max(self.peak, backlog)


# --- the run ---


def history(place: Place, complete_at: datetime) -> bytes:
    first = complete_at - HISTORY * STEP
    return encode_batch(
        reading_payload(place.sensor, first + i * STEP, 12.0, seq=i) for i in range(HISTORY)
    )


def alarm_client(port: int) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, "bench-alarms", protocol=mqtt.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def warm_up(client: mqtt.Client, hook: Webhook, places: list[Place], at: datetime) -> None:
    infos = [client.publish(p.topic, history(p, at), qos=1) for p in places]
    for info in infos:
        info.wait_for_publish(60)
    wanted = [("raised", rule, p.unit) for p in places for rule in WARNINGS]
    if not hook.wait(wanted, 300):
        raise RuntimeError("the hot histories were not all processed within 300 s")


@dataclass
class Timed:
    unit: str
    published: float  # monotonic
    published_wall: float
    arrived: float | None = None
    arrived_wall: float | None = None


def measure(
    client: mqtt.Client, hook: Webhook, places: list[Place], at: datetime, jitter: float
) -> list[Timed]:
    rng = random.Random(11)
    out = []
    for i, place in enumerate(places):
        time.sleep(rng.uniform(0.0, jitter))
        payload = encode_reading(place.sensor, at, 12.0, seq=HISTORY)
        timed = Timed(place.unit, time.monotonic(), time.time())
        client.publish(place.topic, payload, qos=1)
        key = ("raised", WHO_HEAT, place.unit)
        if hook.wait([key], 30):
            timed.arrived, timed.arrived_wall = hook.first[key]
        out.append(timed)
        if (i + 1) % 50 == 0:
            print(f"  {i + 1} alarms published", flush=True)
    return out


def detected_at(engine: Engine) -> dict[str, float]:
    """Wall time each who-heat alarm was stored (``recorded_at``), by unit."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(AlarmRow.unit_code, AlarmRow.recorded_at).where(AlarmRow.type == WHO_HEAT)
        ).all()
    return {unit: recorded.timestamp() for unit, recorded in rows}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(values: list[float], q: float) -> float:
    return round(percentile(values, q) * 1000, 1) if values else float("nan")


def summarise(
    args: argparse.Namespace,
    timed: list[Timed],
    stored: dict[str, float],
    load: tuple[float, float],
    hook: Webhook,
    peak_backlog: float,
) -> dict[str, object]:
    done = [t for t in timed if t.arrived is not None]
    latency = [t.arrived - t.published for t in done if t.arrived is not None]
    to_store = [stored[t.unit] - t.published_wall for t in done if t.unit in stored]
    return {
        "alarms": len(latency),
        "missing": len(timed) - len(latency),
        "p50_ms": ms(latency, 0.50),
        "p90_ms": ms(latency, 0.90),
        "p99_ms": ms(latency, 0.99),
        "max_ms": ms(latency, 1.0),
        "mean_ms": round(statistics.fmean(latency) * 1000, 1) if latency else None,
        "publish_to_stored_p50_ms": ms(to_store, 0.50),
        "publish_to_stored_p99_ms": ms(to_store, 0.99),
        "load_per_s": round(load[0], 1),
        "ingest_per_s": round(load[1], 1),
        "load_target_per_s": args.load,
        "peak_backlog_messages": peak_backlog,
        "batch_seconds": args.batch_seconds,
        "batch_size": args.batch_size,
        "store": "influxdb-v1" if args.influx else "embedded",
        "database": "postgresql" if args.postgres else "sqlite",
        "background_sensors": args.sensors,
        "offline_notices": hook.counts[("raised", "SENSOR_OFFLINE")],
        "who_heat_notices": hook.counts[("raised", WHO_HEAT)],
        "target_p99_ms": 1000,
        "met": bool(latency) and len(latency) == len(timed) and ms(latency, 0.99) < 1000,
    }


def written(port: int) -> tuple[float, float]:
    """(monotonic now, readings ingest has written so far)."""
    return time.monotonic(), metric(port, "coldchain_ingest_readings_written_total")


def per_s(before: tuple[float, float], after: tuple[float, float]) -> float:
    return (after[1] - before[1]) / max(after[0] - before[0], 1e-9)


def measured(
    args: argparse.Namespace,
    client: mqtt.Client,
    hook: Webhook,
    alarms: list[Place],
    complete_at: datetime,
    load: Load,
) -> tuple[list[Timed], tuple[float, float], float]:
    """The alarms, timed; the background rate and ingest's write rate meanwhile; the peak
    backlog."""
    watch = BacklogWatch(args.metrics_port)
    load0, ingest0 = load.latest, written(args.metrics_port)
    timed = measure(client, hook, alarms, complete_at, args.jitter)
    load1, ingest1 = load.latest, written(args.metrics_port)
    watch.stop.set()
    rates = (per_s((load0[0], load0[2]), (load1[0], load1[2])), per_s(ingest0, ingest1))
    return timed, rates, watch.peak


def run(args: argparse.Namespace, work: Path, database_url: str) -> dict[str, object]:
    broker = start_mosquitto(work / "mosquitto")
    influx = start_influxdb(work / "influxdb") if args.influx else None
    args.influx_url = influx.url if influx is not None else None
    if influx is not None:
        # Created up front: the v1 sink would create it at its first write, but the alarm
        # recorder's first replay query comes before that and fails on a missing database.
        influx.create_database("coldchain")
    args.metrics_port = free_port()
    hook = Webhook()
    load: Load | None = None
    ingest: subprocess.Popen[bytes] | None = None
    try:
        db.upgrade(database_url)
        engine = db.make_engine(database_url)
        now = datetime.now(UTC).replace(microsecond=0)
        alarms, background = alarm_places(args.alarms), background_places(args.sensors, 4)
        started = time.monotonic()
        seed(engine, alarms, background, now)
        for facility in sorted({p.facility for p in alarms}):
            add_contact(
                engine, facility, "webhook", hook.url, f"{facility} duty nurse", webhook=LOCAL
            )
        print(
            f"seeded {len(alarms)} alarm fridges, {len(background)} background sensors "
            f"in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        ingest = start_ingest(ingest_env(args, broker.url, database_url), work / "ingest.log")
        client = alarm_client(broker.port)
        complete_at = datetime.now(UTC).replace(microsecond=0)
        warm_up(client, hook, alarms, complete_at)
        load = Load(broker.port, args.load, args.sensors, 4)
        time.sleep(args.settle)  # background units' detectors rebuilt, batches steady
        timed, rates, peak = measured(args, client, hook, alarms, complete_at, load)
        client.loop_stop()
        client.disconnect()
        return summarise(args, timed, detected_at(engine), rates, hook, peak)
    finally:
        if load is not None:
            load.stop()
        if ingest is not None:
            end(ingest, 60)
        hook.close()
        broker.kill()
        if influx is not None:
            influx.kill()


def postgres_database(admin_url: str) -> tuple[str, Engine, str]:
    admin = db.make_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"coldchain_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin_url.rsplit("/", 1)[0] + "/" + name, admin, name


def run_in(args: argparse.Namespace, work: Path) -> dict[str, object]:
    if args.postgres is None:
        return run(args, work, f"sqlite:///{work}/coldchain.db")
    url, admin, name = postgres_database(args.postgres)
    try:
        return run(args, work, url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", default="conductor", choices=["conductor", "load"])
    parser.add_argument("--port", type=int, default=0, help="(load role) the broker's port")
    parser.add_argument("--alarms", type=int, default=220)
    parser.add_argument("--load", type=float, default=1000.0, help="background readings/s")
    parser.add_argument("--sensors", type=int, default=1000, help="background sensors")
    parser.add_argument("--per-unit", type=int, default=4, help=argparse.SUPPRESS)
    parser.add_argument("--batch-seconds", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--jitter", type=float, default=1.0, help="max pause between alarms")
    parser.add_argument("--settle", type=float, default=10.0, help="load before measuring")
    parser.add_argument("--influx", action="store_true", help="influxd + the v1 sink")
    parser.add_argument("--postgres", nargs="?", const=POSTGRES_ADMIN, default=None)
    parser.add_argument("--workdir", type=Path, default=None, help="keep servers' files here")
    args = parser.parse_args()
    # SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so every server we started stops.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.role == "load":
        run_load(args.port, args.load, background_places(args.sensors, args.per_unit))
        return
    if args.workdir is not None:  # kept afterwards: logs and database to look at
        args.workdir.mkdir(parents=True, exist_ok=True)
        summary = run_in(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="coldchain-bench-alerts-") as tmp:
            summary = run_in(args, Path(tmp))
    print(
        f"{summary['alarms']} alarms: p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, "
        f"max {summary['max_ms']} ms; background {summary['load_per_s']} readings/s"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
