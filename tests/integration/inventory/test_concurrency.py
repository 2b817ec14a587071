"""Real concurrent transactions: stock is never spent twice and no balance goes negative.

Each thread has its own unit of work (its own session and connection); a barrier releases
them together so their transactions overlap. PostgreSQL is where this matters (row locks
``FOR UPDATE`` in a stable order, the CHECK constraint behind them); SQLite serialises
writers with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from coldchain.db import make_engine
from inventory import queries, services
from inventory.commands import AdministerDoses, DispatchItem, DispatchShipment, TransferStock
from inventory.errors import InsufficientStock
from inventory.repository import Repository
from inventory.unit_of_work import UnitOfWork
from tests.builders import (
    T0,
    assert_conserved,
    key,
    make_facility,
    make_lot,
    make_product,
    make_shipment,
    make_uow,
    stock_up,
)


def race(workers: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``workers`` threads released together; return results or errors."""
    barrier = threading.Barrier(workers)
    outcomes: list[Any] = [None] * workers

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def usable(uow: UnitOfWork, unit_id: int) -> int:
    report = queries.stock_on_hand(uow, storage_unit_id=unit_id)
    return sum(line.usable.doses for line in report.lines)


@pytest.fixture
def pg_engine(postgres_url: str) -> Any:
    engine = make_engine(postgres_url, pool_size=12, max_overflow=4)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_concurrent_dispatches_that_together_exceed_the_stock_cannot_all_succeed(
    pg_engine: Engine,
) -> None:
    uow = make_uow(pg_engine)
    province = make_facility(uow, "P", "province")
    cities = [make_facility(uow, f"P-C{i}", "city", province) for i in range(6)]
    product = make_product(uow, "MMR")
    lot = make_lot(uow, product, "A", date(2030, 1, 31))
    stock_up(uow, province.unit, lot, 100)
    shipments = [make_shipment(uow, province, city).id for city in cities]

    def dispatch(i: int) -> Any:
        own = make_uow(pg_engine)  # its own session and connection
        command = DispatchShipment(
            shipments[i],
            province.unit.id,
            (DispatchItem(product.id, 30),),
            "d",
            key(),
            T0 + timedelta(hours=1),
        )
        return services.dispatch_shipment(own, command)

    outcomes = race(6, dispatch)

    won = [o for o in outcomes if not isinstance(o, Exception)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 3
    assert len(lost) == 3 and all(isinstance(e, InsufficientStock) for e in lost), lost
    assert usable(uow, province.unit.id) == 10
    in_transit = queries.stock_on_hand(uow, facility_id=province.id, subtree=True).in_transit
    assert sum(t.in_transit.doses for t in in_transit) == 90
    assert_conserved(uow)


@pytest.mark.postgres
def test_concurrent_administrations_never_take_a_dose_twice(pg_engine: Engine) -> None:
    uow = make_uow(pg_engine)
    clinic = make_facility(uow, "P", "province")
    product = make_product(uow, "MMR")
    lot = make_lot(uow, product, "A", date(2030, 1, 31))
    stock_up(uow, clinic.unit, lot, 100)

    def administer(i: int) -> Any:
        command = AdministerDoses(
            clinic.unit.id, lot.id, 15, "nurse", key(), T0 + timedelta(hours=1)
        )
        return services.administer_doses(make_uow(pg_engine), command)

    outcomes = race(10, administer)

    assert sum(not isinstance(o, Exception) for o in outcomes) == 6
    assert all(isinstance(o, InsufficientStock) for o in outcomes if isinstance(o, Exception))
    assert usable(uow, clinic.unit.id) == 10
    assert_conserved(uow)


@pytest.mark.postgres
def test_concurrent_replays_of_one_key_post_once_and_answer_alike(pg_engine: Engine) -> None:
    uow = make_uow(pg_engine)
    clinic = make_facility(uow, "P", "province")
    product = make_product(uow, "MMR")
    lot = make_lot(uow, product, "A", date(2030, 1, 31))
    stock_up(uow, clinic.unit, lot, 100)
    command = AdministerDoses(
        clinic.unit.id, lot.id, 7, "nurse", "same-visit", T0 + timedelta(hours=1)
    )

    outcomes = race(8, lambda i: services.administer_doses(make_uow(pg_engine), command))

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({o.id for o in outcomes}) == 1
    assert all(o == outcomes[0] for o in outcomes)
    assert usable(uow, clinic.unit.id) == 93
    assert_conserved(uow)


@pytest.mark.postgres
def test_crossing_transfers_do_not_deadlock_and_conserve(pg_engine: Engine) -> None:
    uow = make_uow(pg_engine)
    site = make_facility(uow, "P", "province", units=2)
    product = make_product(uow, "MMR")
    lots = [make_lot(uow, product, n, date(2030, 1, 31)) for n in ("A", "B")]
    for unit in site.units:
        for lot in lots:
            stock_up(uow, unit, lot, 50)

    def transfer(i: int) -> Any:
        a, b = site.units if i % 2 else reversed(site.units)
        command = TransferStock(a.id, b.id, lots[i % 2].id, 5, "k", key(), T0 + timedelta(hours=1))
        return services.transfer_stock(make_uow(pg_engine), command)

    outcomes = race(8, transfer)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert usable(uow, site.units[0].id) + usable(uow, site.units[1].id) == 200
    assert_conserved(uow)


def test_the_database_refuses_a_negative_stock_balance(engine: Engine) -> None:
    uow = make_uow(engine)
    clinic = make_facility(uow, "P", "province")
    product = make_product(uow, "MMR")
    lot = make_lot(uow, product, "A", date(2030, 1, 31))
    stock_up(uow, clinic.unit, lot, 10)
    with engine.begin() as conn, pytest.raises(Exception, match="ck_balances_nonnegative"):
        conn.execute(text("UPDATE balances SET doses = -1 WHERE nonnegative"))


def test_the_check_constraint_is_the_last_line_of_defence(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    uow = make_uow(engine)
    clinic = make_facility(uow, "P", "province")
    product = make_product(uow, "MMR")
    lot = make_lot(uow, product, "A", date(2030, 1, 31))
    stock_up(uow, clinic.unit, lot, 10)
    # Pretend the application check was fooled (e.g. by a stale read): the CHECK still holds.
    monkeypatch.setattr(Repository, "_check_never_negative", lambda *args: None)
    with pytest.raises(InsufficientStock, match="the database refused a negative balance"):
        services.administer_doses(
            uow, AdministerDoses(clinic.unit.id, lot.id, 11, "n", key(), T0 + timedelta(hours=1))
        )
    assert usable(uow, clinic.unit.id) == 10
    assert_conserved(uow)
