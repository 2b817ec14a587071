"""Benchmark: server time of the staff pages on the national-scale data.

The ledger is ``bench/ledger.py``'s (``build_national``: 3 166 facilities with one storage
unit each, 20 lots shipped down the tree, daily administrations until ``--movements``
movements exist). On top of it, telemetry in the embedded store:

- every unit: readings every ``--interval`` s over the last ``--recent-hours`` (the board's
  newest reading), except ~1 % of the units, silent for a day (offline on the board), and
  stored day figures for the 7 complete days before today (the board's time in range);
- ``--chart-units`` clinic units (the staff user's first): readings every ``--interval`` s
  over 90 days (the unit page's 90-day chart), their day figures computed by the real
  ``record_day_figures``;
- ``--alarms`` clinic units with an open heat excursion and a raised who-heat alarm, its
  exposed lots the ledger's real answer (``queries.exposure`` through the alarms' adapter),
  two notifications and, for every other alarm, an acknowledgement.

Then the real FastAPI app (``create_app`` over ``build_api_deps``, the clock fixed at the
bench's "now") is called in process with ``TestClient``, signed in through the sign-in
form as an admin (unscoped: the whole province) and as a staff user of one clinic, and each
page is timed ``--runs`` times after one warm-up: the status board (its first page of the
province's units for the admin, the clinic's for the staff user), a unit's 90-day chart,
an alarm's detail, the trace of the most widely distributed lot (admins only: a trace is
lot-wide), the daily doses (the province's, the clinic's) of a day in the middle of the
administrations, and the cold-chain performance report (the province's, the clinic's) over
the 7 stored days before today. The time is the
request's wall time in process (routing, queries, template, no network). Prints p50/p95,
the median CPU time of the process (steadier than wall time on a busy machine) and SQL
statements per page; ``--profile PAGE`` prints a cProfile of one admin request.
The last line is one JSON object with one ``<page>_p95_ms`` key per page (the admin's) and
``staff_<page>_p95_ms`` for the staff user.

Run: ``.venv/bin/python -m bench.pages [--database URL] [--movements N] [--runs N]``
(``--keep FILE``: build into a SQLite file once and reuse it in later runs; delete the file
and its ``.pickle`` when the migrations or the builders change.)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import io
import json
import pickle
import pstats
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import fastapi.dependencies.utils
import fastapi.routing
import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, insert, select

from access import services as access_services
from access.principal import Role
from api.app import create_app
from api.deps import ApiDeps
from bench.ledger import T0, National, add_gc_option, build_national, set_up_gc, settle
from coldchain import db
from coldchain.alarms_to_ledger import InventoryLedger
from coldchain.settings import Settings
from coldchain.wiring import build_api_deps
from ingest.alarms.day_figures import record_day_figures
from ingest.alarms.records import lots_to_json
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.models import (
    AlarmAcknowledgementRow,
    AlarmRow,
    ExcursionEpisodeRow,
    NotificationOutboxRow,
    UnitDayFigureRow,
)
from ingest.readings import Reading
from ingest.sinks.embedded import EmbeddedSink
from inventory import models as m
from inventory import queries
from inventory.unit_of_work import UnitOfWork

PAGES = ("board", "chart", "alarm", "trace", "doses", "performance")
NS = 1_000_000_000


@dataclasses.dataclass(frozen=True)
class Telemetry:
    chart_unit: str
    alarm_ids: list[int]
    staff_alarm_id: int
    readings: int


def now_of(national: National) -> datetime:
    """The bench's "now": the afternoon of the last day of administrations."""
    return (national.first_day + timedelta(days=national.days - 1)).replace(hour=6)


def unit_codes(uow: UnitOfWork) -> dict[int, tuple[str, str, str]]:
    """Storage unit id -> (unit code, facility code, facility level)."""
    with uow:
        rows = uow.session.execute(
            select(m.StorageUnit.id, m.StorageUnit.code, m.Facility.code, m.Facility.level).join(
                m.Facility, m.Facility.id == m.StorageUnit.facility_id
            )
        ).all()
    return {uid: (code, facility, level) for uid, code, facility, level in rows}


def series(
    unit: str, facility: str, start_ns: int, end_ns: int, every_s: int, rng: random.Random
) -> Iterator[Reading]:
    """A fridge's readings: ~5 °C, a slow daily swing and noise, a door opening now and
    then (a short hot peak)."""
    step = every_s * NS
    t = start_ns // step * step + step
    seq = 0
    while t < end_ns:
        hour = (t // NS // 3600) % 24
        temp = 4.8 + 0.8 * (1 if 8 <= hour < 18 else -1) * rng.random() + rng.gauss(0, 0.15)
        door = rng.random() < 0.01
        if door:
            temp += 3.0
        seq += 1
        yield Reading(
            facility=facility,
            unit=unit,
            sensor_id=f"S-{unit}",
            device_time_ns=t,
            temperature_c=round(temp, 2),
            received_at_ns=t + 2 * NS,
            seq=seq,
            battery_pct=88.0,
            door_open=door,
            power_on=True,
        )
        t += step


def write_all(sink: EmbeddedSink, readings: Iterator[Reading], batch: int = 5000) -> int:
    pending: list[Reading] = []
    written = 0
    for reading in readings:
        pending.append(reading)
        if len(pending) >= batch:
            written += sink.write(pending).written
            pending.clear()
    return written + (sink.write(pending).written if pending else 0)


def seed_telemetry(
    engine: Engine,
    deps: ApiDeps,
    national: National,
    now: datetime,
    args: argparse.Namespace,
) -> Telemetry:
    rng = random.Random(90)
    uow = deps.inventory_uow()
    codes = unit_codes(uow)
    clinics = [node[1] for node in national.tree["clinic"]]
    chart_units = [codes[u][0] for u in clinics[: args.chart_units]]
    silent = {codes[u][0] for u in clinics[args.chart_units :: 97]}  # ~1 %: offline
    now_ns = int(now.timestamp()) * NS
    sink = EmbeddedSink(engine)
    started = time.perf_counter()
    written = 0
    recent_ns = now_ns - args.recent_hours * 3600 * NS
    for unit, facility, _ in codes.values():
        if unit in chart_units:
            first = now_ns - 90 * 86_400 * NS
            written += write_all(sink, series(unit, facility, first, now_ns, args.interval, rng))
        elif unit in silent:
            end = now_ns - 86_400 * NS
            written += write_all(sink, series(unit, facility, end - 3600 * NS, end, 300, rng))
        else:
            written += write_all(
                sink, series(unit, facility, recent_ns, now_ns, args.interval, rng)
            )
    print(f"{written} readings in the embedded store: {time.perf_counter() - started:.1f} s")

    # Day figures: the real job for the chart units, bulk rows for the others.
    queries_ = deps.alarm_queries()
    alarms_uow = deps.alarms_uow()
    record_day_figures(queries_, alarms_uow, chart_units, now=now)
    today = now.date()
    rows = []
    for unit, _, _ in codes.values():
        if unit in chart_units:
            continue
        for back in range(1, 8):
            above = rng.choice((0.0, 0.0, 0.0, 0.0, 12.0, 45.0))
            rows.append(
                {
                    "unit_code": unit,
                    "day": today - timedelta(days=back),
                    "observed_minutes": 1440.0 - 10.0,
                    "above_minutes": above,
                    "below_minutes": 0.0,
                    "unknown_minutes": 10.0,
                    "mkt_c": 5.0 + above / 30,
                    "computed_at": now,
                }
            )
    with engine.begin() as connection:
        connection.execute(insert(UnitDayFigureRow), rows)

    alarm_ids = seed_alarms(engine, deps, codes, clinics, chart_units, now, args.alarms, rng)
    return Telemetry(chart_units[0], alarm_ids, alarm_ids[0], written)


def seed_alarms(
    engine: Engine,
    deps: ApiDeps,
    codes: dict[int, tuple[str, str, str]],
    clinics: list[int],
    chart_units: list[str],
    now: datetime,
    count: int,
    rng: random.Random,
) -> list[int]:
    """Open who-heat alarms on ``count`` clinic units (the first is the staff user's chart
    unit), each with its episode, the ledger's exposed lots, two notices and, every other
    one, an acknowledgement; rows as the recorder and the follow-up worker leave them."""
    ledger = InventoryLedger(deps.inventory_uow())
    step = max(1, len(clinics) // count)
    chosen = [codes[u] for u in clinics[::step][:count]]
    starts = [now - timedelta(hours=11, minutes=rng.randint(0, 300)) for _ in chosen]
    # The ledger's answer first: on SQLite it needs the write lock the alarms' unit of
    # work holds (as the follow-up worker does it, outside the alarms' transaction).
    exposures = [
        tuple(ledger.exposure(unit, start, start + timedelta(hours=10)))
        for (unit, _, _), start in zip(chosen, starts, strict=True)
    ]
    ids = []
    with AlarmsUnitOfWork(db.make_session_factory(engine)) as uow:
        session = uow.session
        for i, (unit, facility, _) in enumerate(chosen):
            start, lots = starts[i], exposures[i]
            raised = start + timedelta(hours=10)
            key = f"{facility}/{unit}/who-heat/{int(start.timestamp()) * NS}"
            episode_key = f"{facility}/{unit}/excursion/{int(start.timestamp()) * NS}"
            session.add(
                ExcursionEpisodeRow(
                    key=episode_key,
                    facility_code=facility,
                    unit_code=unit,
                    profile="2-8",
                    direction="high",
                    start_at=start,
                    rules=[],
                    exposed_lots=None,
                    quarantine_scope="all",
                    recorded_at=start,
                )
            )
            alarm = AlarmRow(
                key=key,
                type="who-heat",
                severity="alarm",
                facility_code=facility,
                unit_code=unit,
                sensor_id=f"S-{unit}",
                episode_key=episode_key,
                state="raised",
                started_at=start,
                raised_at=raised,
                recorded_at=raised + timedelta(seconds=1),
                peak_c=round(11 + rng.random() * 3, 2),
                unknown_minutes=0.0,
                escalation_level=1,
                exposed_lots=lots_to_json(lots),
                quarantine_scope="all",
                quarantined_at=raised + timedelta(seconds=2),
                last_notified_at=raised + timedelta(minutes=30),
            )
            session.add(alarm)
            session.flush()
            ids.append(alarm.id)
            for n, (kind, at) in enumerate((("raised", 0), ("renotified", 30))):
                session.add(
                    NotificationOutboxRow(
                        notice_id=f"{key}/{kind}",
                        recipient=f"contact:{n}",
                        channel="webhook",
                        address=f"https://alerts.example/{facility}",
                        alarm_id=alarm.id,
                        kind=kind,
                        payload="{}",
                        status="delivered",
                        attempts=1,
                        next_attempt_at=raised + timedelta(minutes=at),
                        created_at=raised + timedelta(minutes=at),
                        delivered_at=raised + timedelta(minutes=at, seconds=1),
                    )
                )
            if i % 2:
                session.add(
                    AlarmAcknowledgementRow(
                        alarm_id=alarm.id,
                        user="nurse",
                        comment="Moved the vials to the cold box: door left open",
                        acknowledged_at=raised + timedelta(minutes=20),
                        alarm_state="raised",
                    )
                )
        uow.commit()
    lots_doses = sum(lot.doses for lots in exposures for lot in lots)
    print(f"{len(ids)} open alarms, {lots_doses} doses exposed")
    return ids


class Browser:
    """One person signed in through the sign-in form; cookies kept."""

    def __init__(self, app: Any) -> None:
        self.http = TestClient(app, follow_redirects=False)

    def sign_in(self, name: str, password: str) -> None:
        form = self.http.get("/sign-in").text
        csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        answer = self.http.post("/sign-in", data={"name": name, "password": password, "csrf": csrf})
        assert answer.status_code == 303, answer.text[:500]


def person(deps: ApiDeps, app: Any, role: Role, facility_id: int | None) -> Browser:
    """A new user (a fresh name: a kept database has the earlier runs' users)."""
    name, password = f"bench-{role}-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    access_services.create_user(
        deps.access_uow(),
        name=name,
        role=role,
        facility_id=facility_id,
        password=password,
        now=deps.clock(),
        facilities=deps.facility_paths,
        passwords=deps.passwords,
    )
    browser = Browser(app)
    browser.sign_in(name, password)
    return browser


class StatementCounter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


@dataclasses.dataclass
class Timing:
    times_ms: list[float]
    cpu_ms: list[float]  # this process's CPU time (the app runs in it): less noisy when busy
    statements: int
    size: int

    def pct(self, q: int) -> float:
        if len(self.times_ms) < 2:
            return round(self.times_ms[0], 1)
        return round(statistics.quantiles(self.times_ms, n=100, method="inclusive")[q - 1], 1)


def time_page(browser: Browser, path: str, runs: int, counter: StatementCounter) -> Timing:
    first = browser.http.get(path)
    assert first.status_code == 200, (path, first.status_code, first.text[:500])
    times, cpu = [], []
    before = counter.count
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        answer = browser.http.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return Timing(times, cpu, (counter.count - before) // runs, len(first.content))


def profile_request(app: Any, browser: Browser, path: str, top: int = 40) -> None:
    """cProfile one request, all of it in this thread: the sync routes and dependencies
    that FastAPI runs in its thread pool are run inline, the app called with httpx's ASGI
    transport under ``asyncio.run``."""

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    async def get() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=browser.http.cookies
        ) as client:
            return (await client.get(path)).status_code

    with (
        mock.patch.object(fastapi.routing, "run_in_threadpool", inline),
        mock.patch.object(fastapi.dependencies.utils, "run_in_threadpool", inline),
    ):
        asyncio.run(get())
        profile = cProfile.Profile()
        profile.enable()
        status = asyncio.run(get())
        profile.disable()
    out = io.StringIO()
    project = r"/(api|inventory|ingest|coldchain|access|kit)/"
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(project, top)
    print(f"{path}: {status}")
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--movements", type=int, default=200_000, help="at least this many")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--interval", type=int, default=300, help="seconds between readings")
    parser.add_argument("--recent-hours", type=int, default=2)
    parser.add_argument("--chart-units", type=int, default=20)
    parser.add_argument("--alarms", type=int, default=40)
    parser.add_argument(
        "--keep",
        type=Path,
        help="a SQLite file to build once and reuse in later runs (with its .pickle)",
    )
    parser.add_argument("--profile", choices=PAGES, help="cProfile one admin request of it")
    parser.add_argument("--only", nargs="+", choices=PAGES, default=PAGES, help="pages to time")
    add_gc_option(parser)
    args = parser.parse_args()
    scratch = None
    url = args.database
    if args.keep is not None:
        url = f"sqlite:///{args.keep.resolve()}"
    elif url is None:
        scratch = tempfile.TemporaryDirectory(prefix="coldchain-bench-")
        url = f"sqlite:///{Path(scratch.name) / 'pages.db'}"
    kept = args.keep.with_suffix(".pickle") if args.keep is not None else None
    db.upgrade(url)
    engine = db.make_engine(url)
    built = build_api_deps(Settings(database_url=url))
    app_engine: Engine = built.session_factory.kw["bind"]
    saved: dict[str, Any] = pickle.loads(kept.read_bytes()) if kept and kept.exists() else {}
    if "national" in saved:
        print(f"reusing the ledger of {args.keep}")
        national = saved["national"]
    else:
        national = build_national(UnitOfWork(db.make_session_factory(engine)), args.movements)
    now = now_of(national)
    deps = dataclasses.replace(built, clock=lambda: now)
    if "telemetry" in saved:
        print(f"reusing the telemetry of {args.keep}")
        telemetry = saved["telemetry"]
    else:
        if kept is not None:
            kept.write_bytes(pickle.dumps({"national": national}))
        telemetry = seed_telemetry(app_engine, deps, national, now, args)
        if kept is not None:
            kept.write_bytes(pickle.dumps({"national": national, "telemetry": telemetry}))

    province = national.tree["province"][0][0]
    clinic = national.tree["clinic"][0][0]
    uow = deps.inventory_uow()
    province_code = queries.get_facility(uow, province).code
    clinic_code = queries.get_facility(uow, clinic).code
    zone = ZoneInfo(queries.get_facility(uow, province).timezone)
    middle = T0 + timedelta(days=5 + national.days // 2, hours=10)
    day: date = middle.astimezone(zone).date()
    widest = national.lots[0]
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    week = f"first={yesterday - timedelta(days=6)}&last={yesterday}"  # the stored days

    app = create_app(deps)
    admin = person(deps, app, Role.ADMIN, None)  # admins see everything
    staff = person(deps, app, Role.STAFF, clinic)
    alarm_id = telemetry.staff_alarm_id
    paths: dict[str, tuple[str | None, ...]] = {
        "board": ("/board", "/board"),
        "chart": (f"/units/{telemetry.chart_unit}?range=90d",) * 2,
        "alarm": (f"/alarms/{alarm_id}",) * 2,
        "trace": (f"/trace?lot_id={widest}", None),
        "doses": (f"/doses?facility={province_code}&day={day}", f"/doses?day={day}"),
        "performance": (
            f"/reports/cold-chain?facility={province_code}&{week}",
            f"/reports/cold-chain?{week}",
        ),
    }
    settle(engine)
    set_up_gc(args.gc)
    counter = StatementCounter(app_engine)
    if args.profile:
        profiled_path = paths[args.profile][0]
        assert profiled_path is not None
        profile_request(app, admin, profiled_path)
    print(
        f"now {now.isoformat()}; chart unit {telemetry.chart_unit} ({clinic_code}), "
        f"alarm {alarm_id}, lot {widest}, daily doses of {day}"
    )
    summary: dict[str, Any] = {
        "database": engine.dialect.name,
        "readings": telemetry.readings,
        "gc": args.gc,
    }
    for who, browser, index in (("admin", admin, 0), ("staff", staff, 1)):
        for page in args.only:
            path = paths[page][index]
            if path is None:
                continue
            timing = time_page(browser, path, args.runs, counter)
            p50, p95 = timing.pct(50), timing.pct(95)
            cpu = round(statistics.median(timing.cpu_ms), 1)
            print(
                f"{who:5} {page:5} {path:46} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"CPU p50 {cpu:7.1f} ms  {timing.statements:5} SQL  {timing.size // 1024:5} kB"
            )
            prefix = "" if who == "admin" else "staff_"
            summary[f"{prefix}{page}_p95_ms"] = p95
            summary[f"{prefix}{page}_p50_ms"] = p50
            summary[f"{prefix}{page}_cpu_p50_ms"] = cpu
            summary[f"{prefix}{page}_statements"] = timing.statements
    engine.dispose()
    app_engine.dispose()
    if scratch is not None:
        scratch.cleanup()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
