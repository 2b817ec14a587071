"""Property: any sequence of valid and invalid movements keeps the ledger sound.

After every step the lines of each movement sum to zero per lot, the balance projection
equals the sum of the lines (and its read model for the lot trace, re-derived here from the
lines with SQL of the test's own, equals them too: reversals included), no real stock
account is negative, and every lot conserves; a refused movement leaves every ledger table
exactly as it was; a replayed command returns its first result and changes nothing. Runs on
SQLite (a fresh copy of the migrated template per example) with a modest number of examples.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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
hours = st.integers(-3, 6)  # steps back in time now and then: backdated movements
supply = st.tuples(st.just("supply"), units, lots, st.integers(1, 120), hours)
dispatch = st.tuples(st.just("dispatch"), st.integers(0, 1), doses, hours)
receive = st.tuples(
    st.just("receive"), st.integers(0, 5), st.integers(-10, 10), st.booleans(), hours
)
administer = st.tuples(st.just("administer"), units, lots, doses, hours)
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

    def _administer(self, u: int, lot: int, n: int, h: int) -> Any:
        cmd = AdministerDoses(self.units[u].id, self.lots[lot].id, n, "n", self.key(), self.when(h))
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
        assert_conserved(uow)
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)
