"""Benchmark: what a restarted ingest pays to rebuild its detectors, against history length.

For each history (default 1 h, 10 h, 100 h of readings every 10 min of device time for
``--units`` fridges, with a 12 h heat excursion ending an hour before the restart when the
history is long enough, and a heat stretch still going on at the restart), a fresh SQLite
database is filled the way ``coldchain ingest`` fills it: the ``AlarmRecorder`` observes
each batch (episodes, alarms and detector states in one transaction) and the embedded sink
stores it. Then a new recorder (the restarted process) observes one batch with the next
reading of every unit, and the benchmark reports the wall time of that first batch, its
peak Python memory (tracemalloc) and how many stored readings it read, in two ways:

- ``states``: resumed from ``detector_states`` plus the readings after them (today);
- ``replay``: the states deleted first, so each detector is rebuilt by replaying the rules'
  look-back (72 h + a gap for ``2-8``): what every restart cost before migration 0022.

Prints a table and ends with one JSON line. Run from the repository root:
``.venv/bin/python bench/restart.py [--units 200] [--hours 1 10 100] [--workdir DIR]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# The repository root first: bench/ingest.py would otherwise shadow the ingest package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, delete

from coldchain import db
from coldchain.db import make_session_factory
from ingest.alarms.ports import AlarmNotice, ExposedLot, UnitInfo
from ingest.alarms.recorder import AlarmRecorder
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.models import DetectorStateRow
from ingest.queries import EmbeddedTelemetryReader
from ingest.readings import Reading
from ingest.sinks.embedded import EmbeddedSink

NS_PER_MIN = 60_000_000_000
T0_NS = 1_735_689_600 * 1_000_000_000  # 2025-01-01T00:00Z
BATCH = 1000
FACILITY = "clinic-1"


@dataclass
class Directory:
    def unit(self, unit_code: str) -> UnitInfo | None:
        return UnitInfo(FACILITY, "2-8", "UTC")

    def units_of(self, unit_codes: Collection[str]) -> dict[str, UnitInfo | None]:
        return {code: self.unit(code) for code in unit_codes}

    def escalation_chain(self, facility_code: str) -> list[str]:
        return [facility_code]


class Ledger:
    def exposure(self, unit_code: str, start: datetime, end: datetime) -> list[ExposedLot]:
        return []

    def quarantine(
        self, unit_code: str, lots: Sequence[ExposedLot], *, reason: str, reference: str
    ) -> None:
        return None


class Notifier:
    def notify(self, notice: AlarmNotice) -> None:
        return None


@dataclass
class CountingReader:
    reader: EmbeddedTelemetryReader
    readings: int = 0

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]:
        return self.raw_readings_of([unit], start=start, end=end)

    def raw_readings_of(
        self, units: Sequence[str], *, start: datetime, end: datetime
    ) -> list[Reading]:
        found = self.reader.raw_readings_of(units, start=start, end=end)
        self.readings += len(found)
        return found


def temperature(minute: int, hours: int) -> float:
    end = hours * 60
    if end - 13 * 60 <= minute < end - 60:  # a 12 h excursion that closed an hour ago
        return 12.0
    if minute >= end - 40:  # hot again at the restart: an open episode and a running run
        return 12.0
    return 5.0


def readings(units: int, start_min: int, end_min: int, hours: int) -> list[Reading]:
    out = []
    for minute in range(start_min, end_min, 10):
        t = T0_NS + minute * NS_PER_MIN
        temp = temperature(minute, hours)
        for u in range(units):
            out.append(Reading(FACILITY, f"fridge-{u:04d}", f"s-{u:04d}", t, temp, t))
    return out


def recorder(uow: AlarmsUnitOfWork, source: object) -> AlarmRecorder:
    return AlarmRecorder(uow, Directory(), Ledger(), Notifier(), source)  # type: ignore[arg-type]


def restart(
    uow: AlarmsUnitOfWork,
    engine: Engine,
    reader: EmbeddedTelemetryReader,
    batch: list[Reading],
    *,
    states: bool,
) -> dict[str, float]:
    """Two restarts of the same kind: one timed, one under tracemalloc (which slows it)."""
    figures: dict[str, float] = {}
    for traced in (False, True):
        if not states:
            with engine.begin() as conn:
                conn.execute(delete(DetectorStateRow))
        source = CountingReader(reader)
        fresh = recorder(uow, source)
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        fresh.observe(batch)
        seconds = time.perf_counter() - started
        if traced:
            figures["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
        else:
            figures["seconds"] = round(seconds, 3)
            figures["readings_read"] = source.readings
    return figures


def run(units: int, hours: int, workdir: Path) -> dict[str, object]:
    url = f"sqlite:///{workdir / f'restart-{hours}h.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    uow = AlarmsUnitOfWork(make_session_factory(engine), clock=lambda: datetime.now(UTC))
    sink = EmbeddedSink(engine)
    reader = EmbeddedTelemetryReader(engine)
    history = readings(units, 0, hours * 60, hours)
    filling = recorder(uow, reader)
    started = time.perf_counter()
    for i in range(0, len(history), BATCH):
        chunk = history[i : i + BATCH]
        filling.observe(chunk)
        sink.write(chunk)
    fill_s = time.perf_counter() - started
    nxt = readings(units, hours * 60, hours * 60 + 10, hours)
    with_states = restart(uow, engine, reader, nxt, states=True)
    replayed = restart(uow, engine, reader, nxt, states=False)
    engine.dispose()
    return {
        "hours": hours,
        "units": units,
        "stored_readings": len(history),
        "fill_s": round(fill_s, 1),
        "states": with_states,
        "replay": replayed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--hours", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        results = [run(args.units, hours, workdir) for hours in args.hours]
    print(
        f"restart of {args.units} units (first batch: one reading per unit), SQLite embedded store"
    )
    print(
        f"{'history':>8} {'stored':>8} | {'states: s':>9} {'MB':>6} {'read':>7} "
        f"| {'replay: s':>9} {'MB':>6} {'read':>7}"
    )
    for r in results:
        s, p = r["states"], r["replay"]
        assert isinstance(s, dict) and isinstance(p, dict)
        print(
            f"{r['hours']:>7}h {r['stored_readings']:>8} | {s['seconds']:>9} {s['peak_mb']:>6} "
            f"{s['readings_read']:>7} | {p['seconds']:>9} {p['peak_mb']:>6} {p['readings_read']:>7}"
        )
    print(json.dumps({"bench": "restart", "units": args.units, "results": results}))


if __name__ == "__main__":
    main()
