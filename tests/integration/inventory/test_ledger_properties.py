"""Property: any sequence of valid and invalid movements keeps the ledger sound.

After every step the lines of each movement sum to zero per lot, the balance projection
equals the sum of the lines (and its read model for the lot trace, re-derived here from the
lines with SQL of the test's own, equals them too: reversals included), no real stock
account is negative, and every lot conserves; a refused movement leaves every ledger table
exactly as it was; a replayed command returns its first result and changes nothing. The daily
doses report's cumulative read model (a running total per facility, product and UTC day) is
re-derived here in Python after every step, and at the end every local day's report
(opening stock, doses on the day and to date per dose number) is checked against sums of
the lines. Runs on
SQLite (a fresh copy of the migrated template per example) with a modest number of examples.
"""

from __future__ import annotations

import shutil
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from coldchain.db import make_engine
from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    CountedLot,
    DestroyStock,
    DispatchItem,
    DispatchShipment,
    MarkShipmentLost,
    QuarantineStock,
    RecallLot,
    ReceivedLot,
    ReceiveFromSupplier,
    ReceiveShipment,
    RecordCount,
    RecordWastage,
    ReleaseStock,
    ReverseMovement,
    TransferStock,
)
from inventory.domain.accounts import WastageReason
from inventory.domain.time_window import local_days
from inventory.errors import InventoryError
from inventory.unit_of_work import UnitOfWork
from tests.builders import (
    T0,
    assert_conserved,
    make_facility,
    make_lot,
    make_product,
    make_shipment,
    make_uow,
)

LEDGER_TABLES = (
    "movements",
    "movement_lines",
    "balances",
    "accounts",
    "shipments",
    "shipment_lines",
    "shipment_discrepancies",
    "lots",
)

units = st.integers(0, 3)
lots = st.integers(0, 1)
doses = st.integers(1, 40)
# Steps back in time now and then (backdated movements), sometimes by days: across UTC and
# local days, so the cumulative read model's later days must take a backdated line too.
hours = st.one_of(st.integers(-3, 6), st.sampled_from([-75, -30, 20, 27, 50]))
supply = st.tuples(st.just("supply"), units, lots, st.integers(1, 120), hours)
dispatch = st.tuples(st.just("dispatch"), st.integers(0, 1), doses, hours)
receive = st.tuples(
    st.just("receive"), st.integers(0, 5), st.integers(-10, 10), st.booleans(), hours
)
administer = st.tuples(
    st.just("administer"), units, lots, doses, hours, st.sampled_from([None, 1, 2])
)
operations = st.one_of(
    supply,
    supply,
    administer,
    administer,
    dispatch,
    dispatch,
    receive,
    receive,
    st.tuples(st.just("waste"), units, lots, doses, hours),
    st.tuples(st.just("transfer"), units, units, lots, doses, hours),
    st.tuples(st.just("count"), units, lots, st.integers(0, 60), hours),
    st.tuples(st.just("quarantine"), units, lots, doses, hours),
    st.tuples(st.just("release"), units, lots, doses, hours),
    st.tuples(st.just("destroy"), units, lots, doses, hours),
    st.tuples(st.just("lose"), st.integers(0, 5)),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("replay"), st.integers(0, 30)),
    st.tuples(st.just("recall"), st.just(1)),
)


class Harness:
    """Applies generated operations through the services, with fresh keys."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        province = make_facility(uow, "P", "province", units=2)
        clinic = make_facility(uow, "P-C", "clinic", province, units=2)
        self.sites = [province, clinic]
        self.units = [*province.units, *clinic.units]
        self.product = make_product(uow, "MMR")
        self.lots = [
            make_lot(uow, self.product, "A", date(2030, 1, 31)),
            make_lot(uow, self.product, "B", date(2030, 6, 30)),
        ]
        self.clock = T0
        self.n = 0
        self.movements: list[int] = []
        self.done: list[tuple[Callable[[UnitOfWork, Any], Any], Any, Any]] = []
        self.dispatched: list[int] = []
        self.planned = 0

    def key(self) -> str:
        self.n += 1
        return f"p-{self.n}"

    def when(self, step: int) -> Any:
        self.clock += timedelta(hours=max(step, 0))
        return self.clock + timedelta(hours=min(step, 0))

    def run(self, op: tuple[Any, ...]) -> None:
        name, *args = op
        call, command = getattr(self, f"_{name}")(*args)
        if call is None:
            return
        result = call(self.uow, command)
        self.done.append((call, command, result))
        if name == "dispatch":
            self.dispatched.append(command.shipment_id)
        movement = getattr(result, "movement", result)
        if hasattr(movement, "id"):
            self.movements.append(movement.id)

    def _supply(self, u: int, lot: int, n: int, h: int) -> Any:
        cmd = ReceiveFromSupplier(
            self.units[u].id, self.lots[lot].id, n, "s", self.key(), self.when(h)
        )
        return services.receive_from_supplier, cmd

    def _administer(self, u: int, lot: int, n: int, h: int, number: int | None) -> Any:
        cmd = AdministerDoses(
            self.units[u].id, self.lots[lot].id, n, "n", self.key(), self.when(h), number
        )
        return services.administer_doses, cmd

    def _waste(self, u: int, lot: int, n: int, h: int) -> Any:
        cmd = RecordWastage(
            self.units[u].id,
            self.lots[lot].id,
            n,
            WastageReason.BROKEN,
            "n",
            self.key(),
            self.when(h),
        )
        return services.record_wastage, cmd

    def _transfer(self, a: int, b: int, lot: int, n: int, h: int) -> Any:
        cmd = TransferStock(
            self.units[a].id, self.units[b].id, self.lots[lot].id, n, "k", self.key(), self.when(h)
        )
        return services.transfer_stock, cmd

    def _count(self, u: int, lot: int, n: int, h: int) -> Any:
        cmd = RecordCount(
            self.units[u].id, (CountedLot(self.lots[lot].id, n),), "k", self.key(), self.when(h)
        )
        return services.record_count, cmd

    def _quarantine(self, u: int, lot: int, n: int, h: int) -> Any:
        cmd = QuarantineStock(
            self.units[u].id,
            "excursion",
            "k",
            self.key(),
            self.lots[lot].id,
            n,
            occurred_at=self.when(h),
        )
        return services.quarantine_stock, cmd

    def _release(self, u: int, lot: int, n: int, h: int) -> Any:
        cmd = ReleaseStock(
            self.units[u].id, self.lots[lot].id, "ref", "s", self.key(), n, occurred_at=self.when(h)
        )
        return services.release_stock, cmd

    def _destroy(self, u: int, lot: int, n: int, h: int) -> Any:
        cmd = DestroyStock(
            self.units[u].id, self.lots[lot].id, "s", self.key(), n, occurred_at=self.when(h)
        )
        return services.destroy_stock, cmd

    def prepare(self, op: tuple[Any, ...]) -> None:
        """Non-ledger set-up a step needs (a planned shipment), done before the snapshot."""
        if op[0] == "dispatch":
            self.planned = make_shipment(self.uow, self.sites[0], self.sites[1]).id

    def _dispatch(self, u: int, n: int, h: int) -> Any:
        """From a unit of the province (FEFO) to the clinic."""
        cmd = DispatchShipment(
            self.planned,
            self.units[u].id,
            (DispatchItem(self.product.id, n),),
            "d",
            self.key(),
            self.when(h),
        )
        return services.dispatch_shipment, cmd

    def _receive(self, index: int, off: int, with_reason: bool, h: int) -> Any:
        """Receive a dispatched shipment with ``off`` doses more or less on its first lot."""
        open_ = [
            s for s in self.dispatched if queries.get_shipment(self.uow, s).status == "dispatched"
        ]
        if not open_:
            return None, None
        shipment = queries.get_shipment(self.uow, open_[index % len(open_)])
        first = min(line.lot_id for line in shipment.lines)
        received = tuple(
            ReceivedLot(
                line.lot_id,
                max(line.dispatched + (off if line.lot_id == first else 0), 0),
                "recount" if with_reason else None,
            )
            for line in shipment.lines
        )
        cmd = ReceiveShipment(
            shipment.id, self.units[2 + index % 2].id, received, "r", self.key(), self.when(h)
        )
        return services.receive_shipment, cmd

    def _lose(self, index: int) -> Any:
        if not self.dispatched:
            return None, None
        shipment_id = self.dispatched[index % len(self.dispatched)]
        return services.mark_shipment_lost, MarkShipmentLost(
            shipment_id, "stolen", "d", self.key(), self.when(1)
        )

    def _reverse(self, index: int) -> Any:
        if not self.movements:
            return None, None
        target = self.movements[index % len(self.movements)]
        return services.reverse_movement, ReverseMovement(target, "mistake", "s", self.key())

    def _replay(self, index: int) -> Any:
        if not self.done:
            return None, None
        call, command, result = self.done[index % len(self.done)]
        before = snapshot(self.uow)
        assert call(self.uow, command) == result
        assert snapshot(self.uow) == before
        return None, None

    def _recall(self, lot: int) -> Any:
        return services.recall_lot, RecallLot(
            self.lots[lot].id, "R", "qa", self.key(), occurred_at=self.when(1)
        )


READ_MODEL_FROM_LINES = """
    SELECT account_id, lot_id, SUM(doses),
           SUM(CASE WHEN doses > 0 THEN doses ELSE 0 END),
           MIN(CASE WHEN doses > 0 THEN occurred_at END), MAX(occurred_at)
    FROM movement_lines GROUP BY account_id, lot_id ORDER BY account_id, lot_id
"""
READ_MODEL = """
    SELECT account_id, lot_id, doses, doses_in, first_in, last_at
    FROM balances ORDER BY account_id, lot_id
"""


def assert_read_model_agrees(uow: UnitOfWork) -> None:
    """Every (account, lot) with lines has one balances row with the lines' figures, and
    every balances row has lines."""
    with uow:
        derived = [tuple(row) for row in uow.session.execute(text(READ_MODEL_FROM_LINES))]
        stored = [tuple(row) for row in uow.session.execute(text(READ_MODEL))]
    assert stored == derived


KEYED_LINES = """
    SELECT a.facility_id, lots.product_id, a.kind, COALESCE(mv.dose_number, rv.dose_number),
           l.occurred_at, l.doses
    FROM movement_lines l
    JOIN accounts a ON a.id = l.account_id
    JOIN lots ON lots.id = l.lot_id
    JOIN movements mv ON mv.id = l.movement_id
    LEFT JOIN movements rv ON rv.id = mv.reverses_movement_id
    WHERE a.kind IN ('stock', 'quarantine', 'administered')
"""
CUMULATIVE = """
    SELECT s.facility_id, s.product_id, s.measure, s.dose_number, d.day, d.change, d.running
    FROM cumulative_series s JOIN cumulative_days d ON d.series_id = s.id
"""
Line = tuple[int, int, str, int | None, datetime, int]  # facility, product, kind, dose, at, doses


def keyed_lines(uow: UnitOfWork) -> list[Line]:
    with uow:
        return [
            (f, p, kind, n, datetime.fromisoformat(str(at)).replace(tzinfo=UTC), doses)
            for f, p, kind, n, at, doses in uow.session.execute(text(KEYED_LINES))
        ]


def assert_cumulative_agrees(uow: UnitOfWork) -> None:
    """The daily doses report's cumulative read model, re-derived here in Python: per series
    (facility, product, physical or administered with its dose number) and UTC day with
    lines, the day's change and the running total to the day's end."""
    changes: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f, p, kind, n, at, doses in keyed_lines(uow):
        series = (f, p, "administered", n or 0) if kind == "administered" else (f, p, "physical", 0)
        changes[series][at.date().isoformat()] += doses
    derived = {}
    for series, days in changes.items():
        running = 0
        for day in sorted(days):
            running += days[day]
            derived[(*series, day)] = (days[day], running)
    with uow:
        stored = {
            (f, p, measure, n, str(day)): (change, running)
            for f, p, measure, n, day, change, running in uow.session.execute(text(CUMULATIVE))
        }
    assert stored == derived


def assert_reports_agree(uow: UnitOfWork, sites: list[Any]) -> None:
    """Every local day with lines (and the day before and after): each site's opening stock
    and doses given on the day and to date, summed here from the lines, are the report's."""
    lines = keyed_lines(uow)
    zone = ZoneInfo("Asia/Shanghai")  # the builders' facilities
    days = {
        at.astimezone(zone).date() + timedelta(days=k) for *_, at, _ in lines for k in (-1, 0, 1)
    }
    for day in sorted(days):
        start, end = local_days(day, day, "Asia/Shanghai")
        report = queries.daily_doses_report(uow, sites[0].id, day)
        for facility in report.facilities:
            mine = [ln for ln in lines if ln[0] == facility.facility_id]
            for product in facility.own:
                opening = sum(
                    d
                    for f, p, kind, _, at, d in mine
                    if p == product.product_id and kind != "administered" and at < start
                )
                assert product.reconciliation.opening == opening, (day, facility.code)
                given = {
                    (line.dose_number, line.administered, line.cumulative) for line in product.doses
                }
                expected = {
                    (
                        number,
                        sum(
                            d
                            for _, p, kind, n, at, d in mine
                            if p == product.product_id
                            and kind == "administered"
                            and n == number
                            and start <= at < end
                        ),
                        sum(
                            d
                            for _, p, kind, n, at, d in mine
                            if p == product.product_id
                            and kind == "administered"
                            and n == number
                            and at < end
                        ),
                    )
                    for number in {
                        n
                        for _, p, kind, n, at, _ in mine
                        if p == product.product_id and kind == "administered" and at < end
                    }
                }
                assert given == expected, (day, facility.code)


def snapshot(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    with uow:
        return {
            table: [
                tuple(row)
                for row in uow.session.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))
            ]
            for table in LEDGER_TABLES
        }


@pytest.fixture(scope="module")
def template(_sqlite_template: Path) -> Path:
    return _sqlite_template


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=st.lists(operations, min_size=1, max_size=18))
def test_no_sequence_of_movements_breaks_conservation_or_goes_negative(
    template: Path, tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[Any, ...]]
) -> None:
    path = tmp_path_factory.getbasetemp() / f"prop-{uuid.uuid4().hex}.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        uow = make_uow(engine)
        harness = Harness(uow)
        for step in steps:
            harness.prepare(step)
            before = snapshot(uow)
            try:
                harness.run(step)
            except InventoryError:
                assert snapshot(uow) == before, f"refused {step} but the ledger changed"
            assert queries.verify_ledger(uow) == [], step
            assert_read_model_agrees(uow)
            assert_cumulative_agrees(uow)
        assert_conserved(uow)
        assert_reports_agree(uow, harness.sites)
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)
