"""Benchmark: quarantine of every lot exposed to an excursion, per lot vs one transaction.

Builds one clinic, then for each run two fresh fridges holding the same ``--lots`` lots
(received from the supplier). In one fridge the exposed lots are held the way the alarms
did before ``inventory.services.quarantine_exposed``: one ``quarantine_stock`` per lot, one
transaction each, keyed ``quarantine:{reference}:{lot}`` (the old ``coldchain/ports.py``
loop). In the other, one ``quarantine_exposed`` holds them all in one movement. The order
of the two alternates between runs. A second ``quarantine_exposed`` with the same
reference (the retry that adds nothing) is timed too. Prints figures; the last line is one
JSON object. Nothing is asserted.

Run: ``.venv/bin/python bench/quarantine.py [--database URL] [--lots 50] [--runs 10]``
(default database: a temporary SQLite file; a PostgreSQL URL must name an empty database).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where bench/ingest.py would shadow
# the ingest package that the migrations import.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import itertools
import json
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from coldchain import db
from inventory import services
from inventory.commands import (
    CreateFacility,
    CreateProduct,
    CreateStorageUnit,
    QuarantineRequest,
    QuarantineStock,
    ReceiveFromSupplier,
    RegisterLot,
)
from inventory.domain.excursions import ExcursionRef
from inventory.errors import InsufficientStock, InvalidState
from inventory.unit_of_work import UnitOfWork

T0 = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
USER = "coldchain-alarms"
_units = itertools.count(1)


def stocked_fridge(uow: UnitOfWork, facility_id: int, lots: list[int]) -> tuple[str, int]:
    code = f"BENCH-F{next(_units)}"
    unit = services.create_storage_unit(uow, CreateStorageUnit(code, facility_id, "fridge"))
    for lot in lots:
        services.receive_from_supplier(
            uow, ReceiveFromSupplier(unit.id, lot, 100, "storekeeper", f"in:{code}:{lot}", T0)
        )
    return code, unit.id


def per_lot(uow: UnitOfWork, unit_id: int, ref: ExcursionRef, lots: list[int]) -> None:
    """What the alarms' ledger adapter did before: one transaction per lot."""
    for lot in lots:
        command = QuarantineStock(
            storage_unit_id=unit_id,
            reason=f"temperature alarm {ref}",
            user=USER,
            idempotency_key=f"{ref.quarantine_key()}:{lot}",
            lot_id=lot,
            reference=ref.render(),
        )
        try:
            services.quarantine_stock(uow, command)
        except (InvalidState, InsufficientStock):
            continue


def one_transaction(uow: UnitOfWork, ref: ExcursionRef, lots: list[int]) -> int:
    request = QuarantineRequest(ref, tuple(lots), f"temperature alarm {ref}", USER)
    return len(services.quarantine_exposed(uow, request).held)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--lots", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    scratch = None
    url = args.database
    if url is None:
        scratch = tempfile.TemporaryDirectory(prefix="coldchain-bench-")
        url = f"sqlite:///{Path(scratch.name) / 'quarantine.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    uow = UnitOfWork(db.make_session_factory(engine))
    clinic = services.create_facility(
        uow, CreateFacility("BENCH", "bench clinic", "clinic", "Africa/Nairobi", None)
    )
    product = services.create_product(
        uow, CreateProduct("MMR", "MMR vaccine", "Acme", 10, "2-8", False, None)
    )
    lots = [
        services.register_lot(uow, RegisterLot(product.id, f"L{n}", date(2030, 1, 31), None)).id
        for n in range(args.lots)
    ]

    before: list[float] = []
    after: list[float] = []
    replay: list[float] = []
    for run in range(args.runs):
        units = {
            "before": stocked_fridge(uow, clinic.id, lots),
            "after": stocked_fridge(uow, clinic.id, lots),
        }
        order = ["before", "after"] if run % 2 == 0 else ["after", "before"]
        for way in order:
            code, unit_id = units[way]
            start_ns = int((T0 + timedelta(hours=run)).timestamp()) * 10**9
            ref = ExcursionRef("BENCH", code, "who-heat", start_ns)
            if way == "before":
                started = time.perf_counter()
                per_lot(uow, unit_id, ref, lots)
                before.append(time.perf_counter() - started)
            else:
                started = time.perf_counter()
                held = one_transaction(uow, ref, lots)
                after.append(time.perf_counter() - started)
                assert held == len(lots)
                started = time.perf_counter()
                one_transaction(uow, ref, lots)
                replay.append(time.perf_counter() - started)

    backend = url.split(":", 1)[0].split("+", 1)[0]

    def ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 1)

    print(f"database: {backend}; {args.lots} lots per excursion, {args.runs} runs (machine busy)")
    print(f"  per lot (one transaction each): p50 {ms(before)} ms, max {max(before) * 1000:.1f} ms")
    print(f"  quarantine_exposed (one):       p50 {ms(after)} ms, max {max(after) * 1000:.1f} ms")
    print(f"  the same again (adds nothing):  p50 {ms(replay)} ms")
    print(f"  speed-up p50: {ms(before) / ms(after):.1f}x")
    print(
        json.dumps(
            {
                "bench": "quarantine",
                "database": backend,
                "lots": args.lots,
                "runs": args.runs,
                "per_lot_p50_ms": ms(before),
                "one_transaction_p50_ms": ms(after),
                "replay_p50_ms": ms(replay),
                "speedup_p50": round(ms(before) / ms(after), 1),
                "machine": "busy (2 cores shared by 5 helpers)",
            }
        )
    )
    engine.dispose()
    if scratch is not None:
        scratch.cleanup()


if __name__ == "__main__":
    main()
