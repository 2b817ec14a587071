"""Benchmark: the ledger at provincial scale (lot trace, subtree stock, daily doses, dispatch).

Builds 1 province, 15 cities, 150 counties and 3 000 clinics (one storage unit each),
receives 20 lots from the supplier, ships them down the tree through the services (every
clinic gets the most widely distributed lot and two others), then records doses
administered as daily totals per clinic and lot until at least ``--movements`` exist
(default 200 000; issue 12's size is 1 000 000: 17–23 min of build on a busy 2-core machine,
printed as ``build``).
Those daily totals are bulk-loaded through ``Repository.append_movements`` in large
transactions; their rows (header, fingerprint, lines, balances) are built exactly as
``services.administer_doses`` builds them. Then it times the trace of the most widely
distributed lot, the stock on hand of the whole province subtree, the province's reports of
issue 12 (the daily doses report for a day in the middle of the administrations, stock
status as of ten days after the last one, wastage over a full month, allocation status of
one product over that month), and dispatches. Before timing, a PostgreSQL database is
vacuumed (``settle``) and the process's heap is frozen out of the garbage collector's walks
as ``coldchain serve`` does (``--gc default`` leaves the collector as CPython sets it). Each
figure is a p50 and a p95 over several runs. Prints figures; the last line is one JSON
object. Nothing is asserted.

Run: ``.venv/bin/python -m bench.ledger [--database URL] [--movements N] [--runs N] [--keep FILE]``
(default database: a temporary SQLite file; ``--keep FILE`` builds into a SQLite file once and
reuses it, migrated to the head, in later runs).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script, Python puts bench/ first on sys.path, where bench/ingest.py would shadow
# the ingest package that the migrations import.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import pickle
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from coldchain import db
from inventory import models as m
from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    CreateProduct,
    CreateShipment,
    DispatchItem,
    DispatchShipment,
    ReceivedLot,
    ReceiveFromSupplier,
    ReceiveShipment,
    RegisterLot,
)
from inventory.domain import postings
from inventory.domain.facilities import child_path
from inventory.domain.movements import MovementKind, check_balanced
from inventory.repository import MovementHeader, ResolvedLine
from inventory.services._runner import fingerprint
from inventory.unit_of_work import UnitOfWork
from kit.collector import freeze_startup_heap

T0 = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
CITIES, COUNTIES_PER_CITY, CLINICS_PER_COUNTY = 15, 10, 20
LOTS = 20
BATCH = 20_000


def build_tree(uow: UnitOfWork) -> dict[str, list[tuple[int, int, int | None]]]:
    """Facilities and one unit each, in one transaction: level -> [(facility, unit, parent)]."""
    tree: dict[str, list[tuple[int, int, int | None]]] = defaultdict(list)
    paths: dict[int, str] = {}

    def add(code: str, level: str, parent: int | None) -> tuple[int, int, int | None]:
        row = m.Facility(
            code=code, name=code, level=level, parent_id=parent, timezone="Asia/Shanghai", path=""
        )
        uow.repo.add(row)
        row.path = paths[row.id] = child_path(paths.get(parent) if parent else None, row.id)
        kind = "cold_room" if level in ("province", "city") else "fridge"
        unit = m.StorageUnit(
            code=f"{code}-U1", facility_id=row.id, kind=kind, profile="2-8", name=code
        )
        uow.repo.add(unit)
        node = (row.id, unit.id, parent)
        tree[level].append(node)
        return node

    with uow:
        province = add("GD", "province", None)
        for c in range(CITIES):
            city = add(f"GD-C{c:02d}", "city", province[0])
            for k in range(COUNTIES_PER_CITY):
                county = add(f"GD-C{c:02d}-K{k:02d}", "county", city[0])
                for n in range(CLINICS_PER_COUNTY):
                    add(f"GD-C{c:02d}-K{k:02d}-TH{n:02d}", "clinic", county[0])
        uow.commit()
    return tree


def make_lots(uow: UnitOfWork) -> tuple[list[int], dict[int, int]]:
    """Four products with five lots each; returns lot ids and lot -> product."""
    lots: list[int] = []
    product_of: dict[int, int] = {}
    for p in range(4):
        product = services.create_product(
            uow, CreateProduct(f"VAX{p}", f"Vaccine {p}", "Acme", doses_per_vial=10)
        )
        for n in range(LOTS // 4):
            expiry = date(2027, 1 + n, 28)
            lot = services.register_lot(uow, RegisterLot(product.id, f"L{p}{n:02d}", expiry))
            lots.append(lot.id)
            product_of[lot.id] = product.id
    return lots, product_of


def ship(
    uow: UnitOfWork,
    origin: tuple[int, int, int | None],
    destination: tuple[int, int, int | None],
    doses: dict[int, int],
    product_of: dict[int, int],
    at: datetime,
) -> None:
    shipment = services.create_shipment(
        uow, CreateShipment(origin[0], destination[0], timedelta(hours=48), "bench")
    )
    items = tuple(DispatchItem(product_of[lot], n, lot) for lot, n in sorted(doses.items()))
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id, origin[1], items, "bench", f"d-{shipment.id}", at, "allocation plan"
        ),
    )
    received = tuple(ReceivedLot(lot, n) for lot, n in sorted(doses.items()))
    services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id,
            destination[1],
            received,
            "bench",
            f"r-{shipment.id}",
            at + timedelta(hours=6),
        ),
    )


def distribute(
    uow: UnitOfWork,
    tree: dict[str, list[tuple[int, int, int | None]]],
    lots: list[int],
    product_of: dict[int, int],
    days: int,
) -> dict[tuple[int, int], int]:
    """Ship every clinic's needs down the tree; returns the doses per (clinic unit, lot)."""
    need: dict[tuple[int, int], int] = {}
    for i, clinic in enumerate(tree["clinic"]):
        for lot in {lots[0], lots[1 + i % 19], lots[1 + (i // 19) % 19]}:
            need[(clinic[1], lot)] = 30 * days
    by_facility = {node[0]: node for level in tree.values() for node in level}
    unit_of = {node[1]: node for node in by_facility.values()}
    wants: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (unit, lot), n in need.items():
        facility = unit_of[unit]
        while facility[2] is not None:
            wants[facility[0]][lot] += n
            facility = by_facility[facility[2]]
    province = tree["province"][0]
    for lot in lots:
        # What the tree needs of the lot, in receipts of at most 5 000 000 doses (a quantity's
        # limit is 10 000 000), at least one.
        total = sum(n for (_, wanted), n in need.items() if wanted == lot)
        for part in range(max(1, -(-total // 5_000_000))):
            services.receive_from_supplier(
                uow,
                ReceiveFromSupplier(province[1], lot, 5_000_000, "bench", f"s-{lot}-{part}", T0),
            )
    for hop, level in enumerate(("city", "county", "clinic")):
        at = T0 + timedelta(days=hop + 1)
        for node in tree[level]:
            assert node[2] is not None
            ship(uow, by_facility[node[2]], node, dict(wants[node[0]]), product_of, at)
    return need


@dataclass(frozen=True)
class National:
    """The national-scale ledger ``build_national`` made (other benches reuse it)."""

    tree: dict[str, list[tuple[int, int, int | None]]]  # level -> [(facility, unit, parent)]
    lots: list[int]  # lots[0] is the most widely distributed (in every facility)
    product_of: dict[int, int]
    need: dict[tuple[int, int], int]  # doses shipped per (clinic unit, lot)
    days: int  # days of administrations, from T0 + 5 days

    @property
    def first_day(self) -> datetime:
        return T0 + timedelta(days=5)


def build_national(
    uow: UnitOfWork, movements: int, *, say: Callable[[str], object] = print
) -> National:
    """The tree, the lots, the shipments down the tree (through the services) and daily
    administration totals (bulk-loaded) until at least ``movements`` movements exist."""
    rng = random.Random(20240301)
    started = time.perf_counter()
    tree = build_tree(uow)
    lots, product_of = make_lots(uow)
    pairs = 3 * len(tree["clinic"])
    days = -(-movements // pairs) + 1
    need = distribute(uow, tree, lots, product_of, days)
    shipped_s = time.perf_counter() - started
    say(
        f"tree, lots and {len(tree['city']) + len(tree['county']) + len(tree['clinic'])} "
        f"shipments through the services: {shipped_s:.1f} s"
    )
    started = time.perf_counter()
    bulk = administer_in_bulk(uow, tree, need, days, rng)
    say(f"{bulk} daily administration totals bulk-loaded: {time.perf_counter() - started:.1f} s")
    return National(tree, lots, product_of, need, days)


def administer_in_bulk(
    uow: UnitOfWork,
    tree: dict[str, list[tuple[int, int, int | None]]],
    need: dict[tuple[int, int], int],
    days: int,
    rng: random.Random,
) -> int:
    """Daily totals per clinic and lot, as ``administer_doses`` would post them."""
    facility_of_unit = {node[1]: node[0] for node in tree["clinic"]}
    start = T0 + timedelta(days=5)
    recorded = datetime.now(UTC)
    pending: list[tuple[MovementHeader, list[ResolvedLine]]] = []
    written = 0
    with uow:
        accounts: dict[Any, int] = {}
        for day in range(days):
            at = start + timedelta(days=day, hours=10)
            for (unit, lot), _ in sorted(need.items()):
                doses = rng.randint(5, 30)
                facility = facility_of_unit[unit]
                key = f"adm-{unit}-{lot}-{day}"
                command = AdministerDoses(unit, lot, doses, "bench", key, at)
                lines = check_balanced(
                    MovementKind.ADMINISTRATION, postings.administration(facility, unit, lot, doses)
                )
                missing = [ln.account for ln in lines if ln.account not in accounts]
                if missing:
                    accounts.update(uow.repo.account_ids(missing))
                header = MovementHeader(
                    kind=MovementKind.ADMINISTRATION.value,
                    occurred_at=at,
                    recorded_at=recorded,
                    user="bench",
                    idempotency_key=key,
                    fingerprint=fingerprint(command),
                    facility_id=facility,
                )
                resolved = [
                    ResolvedLine(accounts[ln.account], ln.lot_id, ln.doses, ln.account.nonnegative)
                    for ln in lines
                ]
                pending.append((header, resolved))
                if len(pending) >= BATCH:
                    written += len(uow.repo.append_movements(pending))
                    pending.clear()
                    uow.commit()
        written += len(uow.repo.append_movements(pending))
        uow.commit()
    return written


def reports(
    uow: UnitOfWork,
    url_engine: Any,
    province: int,
    product: int,
    days: int,
    runs: int,
) -> dict[str, list[float]]:
    """Time the province's reports of issue 12 (each over the whole subtree)."""
    with uow:
        zone = uow.session.get(m.Facility, province)
        assert zone is not None
        tz = ZoneInfo(zone.timezone)
    first_day = (T0 + timedelta(days=5)).astimezone(tz).date()
    last_day = (T0 + timedelta(days=5 + days - 1, hours=10)).astimezone(tz).date()
    middle = (T0 + timedelta(days=5 + days // 2, hours=10)).astimezone(tz).date()
    # The first full month of administrations (the wastage and allocation period).
    month = date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)
    month_end = date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)
    later = datetime.combine(last_day + timedelta(days=10), datetime.min.time(), tzinfo=tz)
    status_uow = UnitOfWork(db.make_session_factory(url_engine), clock=lambda: later)
    report = queries.daily_doses_report(uow, province, middle)
    given = sum(d.administered for p in report.facilities[0].subtree for d in p.doses)
    print(
        f"daily doses report of the province for {middle}: {len(report.facilities)} "
        f"facilities, {given} doses given that day"
    )
    status = queries.stock_status(status_uow, province)
    print(f"stock status on {status.on}: {len(status.facilities)} facilities")
    wastage = queries.wastage_report(uow, province, month, month_end)
    print(f"wastage {month} … {month_end}: {len(wastage.facilities)} facilities")
    allocation = queries.allocation_status(uow, province, product, month, month_end)
    print(f"allocation status {month} … {month_end}: {len(allocation)} facilities")
    return {
        "daily_doses_report": timed(
            runs, lambda: queries.daily_doses_report(uow, province, middle)
        ),
        "stock_status": timed(runs, lambda: queries.stock_status(status_uow, province)),
        "wastage_month": timed(
            runs, lambda: queries.wastage_report(uow, province, month, month_end)
        ),
        "allocation_status": timed(
            runs, lambda: queries.allocation_status(uow, province, product, month, month_end)
        ),
    }


# This process's CPU time per call, by the list of wall times it goes with: on a busy
# machine it moves less than wall time (on SQLite it includes the database's own work; on
# PostgreSQL the server's work is not in it).
CPU_MS: dict[int, list[float]] = {}


def timed(runs: int, call: Callable[[], object]) -> list[float]:
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    CPU_MS[id(times)] = cpu
    return times


def dispatch_rate(
    uow: UnitOfWork,
    tree: dict[str, list[tuple[int, int, int | None]]],
    lots: list[int],
    product_of: dict[int, int],
    count: int,
) -> float:
    province = tree["province"][0]
    cities = tree["city"]
    shipments = [
        services.create_shipment(
            uow,
            CreateShipment(province[0], cities[i % len(cities)][0], timedelta(hours=48), "bench"),
        ).id
        for i in range(count)
    ]
    at = T0 + timedelta(days=40)
    started = time.perf_counter()
    for i, shipment in enumerate(shipments):
        product = product_of[lots[i % len(lots)]]
        services.dispatch_shipment(
            uow,
            DispatchShipment(
                shipment, province[1], (DispatchItem(product, 10),), "bench", f"bd-{shipment}", at
            ),
        )
    return count / (time.perf_counter() - started)


def add_gc_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gc",
        choices=("frozen", "default"),
        default="frozen",
        help="frozen (default): the heap built before timing is frozen out of the garbage "
        "collector's walks, as `coldchain serve` does; default: CPython's collector untouched",
    )


def set_up_gc(mode: str) -> None:
    """Before timing: the process's heap frozen as ``coldchain serve`` freezes its own
    (``frozen``), or CPython's collector as it is (``default``)."""
    frozen = freeze_startup_heap() if mode == "frozen" else 0
    print(f"garbage collector: {mode} ({frozen} start-up objects frozen, kit/collector.py)")


def settle(engine: db.Engine) -> None:
    """On PostgreSQL, VACUUM ANALYZE before timing: a bulk load leaves the balances' index
    pointing at ~30 dead row versions per live one (each posting updates its balance rows)
    until autovacuum gets to it, and a steady ledger is vacuumed. SQLite has no such state."""
    if engine.dialect.name != "postgresql":
        return
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--movements", type=int, default=200_000, help="at least this many")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--keep",
        type=Path,
        help="a SQLite file to build once and reuse in later runs (with its .pickle); with "
        "--database, the database is reused once FILE's .pickle exists; the dispatch-rate "
        "step adds 200 shipments each run",
    )
    add_gc_option(parser)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    scratch = None
    url = args.database
    if args.keep is not None and url is None:
        url = f"sqlite:///{args.keep.resolve()}"
    elif url is None:
        scratch = tempfile.TemporaryDirectory(prefix="coldchain-bench-")
        url = f"sqlite:///{Path(scratch.name) / 'ledger.db'}"
    kept = args.keep.with_suffix(".pickle") if args.keep is not None else None
    db.upgrade(url)
    engine = db.make_engine(url)
    uow = UnitOfWork(db.make_session_factory(engine))

    build_started = time.perf_counter()
    if kept is not None and kept.exists():
        print(f"reusing the ledger of {args.keep} (migrated to the head)")
        national: National = pickle.loads(kept.read_bytes())
    else:
        national = build_national(uow, args.movements)
        if kept is not None:
            kept.write_bytes(pickle.dumps(national))
    tree, lots, product_of, days = national.tree, national.lots, national.product_of, national.days
    build_s = time.perf_counter() - build_started
    print(f"build: {build_s:.1f} s")
    with uow:
        movements = uow.session.scalar(select(func.count()).select_from(m.Movement)) or 0
        lines = uow.session.scalar(select(func.count()).select_from(m.MovementLine)) or 0
        facilities = uow.session.scalar(select(func.count()).select_from(m.Facility)) or 0
    settle(engine)
    widest = lots[0]
    trace = queries.trace_lot(uow, widest)
    assert trace.conservation.balanced
    print(
        f"{facilities} facilities, {movements} movements, {lines} lines; lot {widest} is in "
        f"{len(trace.facilities)} facilities"
    )

    set_up_gc(args.gc)
    trace_ms = timed(args.runs, lambda: queries.trace_lot(uow, widest))
    province = tree["province"][0][0]
    stock_ms = timed(
        args.runs, lambda: queries.stock_on_hand(uow, facility_id=province, subtree=True)
    )
    report_ms = reports(uow, engine, province, product_of[widest], days, max(3, args.runs // 4))
    per_s = dispatch_rate(uow, tree, lots, product_of, 200)

    def pct(values: list[float], q: int) -> float:
        return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)

    summary: dict[str, object] = {
        "database": engine.dialect.name,
        "facilities": facilities,
        "movements": movements,
        "movement_lines": lines,
        "trace_ms_p50": round(statistics.median(trace_ms), 1),
        "trace_ms_p95": pct(trace_ms, 95),
        "trace_cpu_ms_p50": round(statistics.median(CPU_MS[id(trace_ms)]), 1),
        "stock_ms_p50": round(statistics.median(stock_ms), 1),
        "stock_ms_p95": pct(stock_ms, 95),
        "stock_cpu_ms_p50": round(statistics.median(CPU_MS[id(stock_ms)]), 1),
        "dispatch_per_s": round(per_s, 1),
        "build_s": round(build_s, 1),
        "gc": args.gc,
    }
    for name, values in report_ms.items():
        summary[f"{name}_ms_p50"] = round(statistics.median(values), 1)
        summary[f"{name}_ms_p95"] = pct(values, 95)
        summary[f"{name}_cpu_ms_p50"] = round(statistics.median(CPU_MS[id(values)]), 1)
    print(
        f"trace p50 {summary['trace_ms_p50']} ms, p95 {summary['trace_ms_p95']} ms "
        f"(CPU p50 {summary['trace_cpu_ms_p50']} ms); "
        f"subtree stock p50 {summary['stock_ms_p50']} ms "
        f"(CPU p50 {summary['stock_cpu_ms_p50']} ms); "
        f"{summary['dispatch_per_s']} dispatches/s"
    )
    for name in report_ms:
        print(
            f"{name.replace('_', ' ')} p50 {summary[f'{name}_ms_p50']} ms, "
            f"p95 {summary[f'{name}_ms_p95']} ms (CPU p50 {summary[f'{name}_cpu_ms_p50']} ms)"
        )
    engine.dispose()
    if scratch is not None:
        scratch.cleanup()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
