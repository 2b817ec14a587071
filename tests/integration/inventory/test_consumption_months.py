"""The stock status report's read model, ``consumption_months``: doses used (administered and
wasted lines) per facility, product and month in the facility's own zone, kept by every
posting (one movement through the services, or many through the bulk path), reversals and
backdated movements included; ``verify_ledger`` finds a row that differs from the lines;
migration 0033 backfills exactly what the postings kept, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, update

from coldchain import db
from inventory import models as m
from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    ReceiveFromSupplier,
    RecordWastage,
    ReverseMovement,
    TransferStock,
)
from inventory.domain import postings
from inventory.domain.accounts import WastageReason
from inventory.domain.movements import MovementKind, check_balanced
from inventory.domain.stock_levels import month_start
from inventory.errors import InventoryError
from inventory.repository import MovementHeader, ResolvedLine
from inventory.unit_of_work import UnitOfWork
from tests.builders import Site, key, make_facility, make_lot, make_product, make_uow

ZONES = ("Asia/Shanghai", "America/New_York", "Asia/Kolkata")
LATER = datetime(2024, 8, 1, tzinfo=UTC)  # the clock: after every movement below
# Instants next to the start of March … July 2024 in each zone (New York's clocks change on
# 10 March, so its month starts move by an hour).
BOUNDARIES = sorted(
    month_start(date(2024, month, 1), ZoneInfo(zone)).astimezone(UTC)
    for zone in ZONES
    for month in range(3, 8)
)


def derived_from_lines(uow: UnitOfWork) -> dict[tuple[int, int, date], int]:
    """The test's own derivation: every administered or wasted line in its facility's local
    calendar month (``astimezone``; none of these zones skips a midnight)."""
    line, a, f, lot = m.MovementLine, m.Account, m.Facility, m.Lot
    found: dict[tuple[int, int, date], int] = defaultdict(int)
    with uow:
        rows = uow.session.execute(
            select(a.facility_id, f.timezone, lot.product_id, line.occurred_at, line.doses)
            .join(a, a.id == line.account_id)
            .join(f, f.id == a.facility_id)
            .join(lot, lot.id == line.lot_id)
            .where(a.kind.in_(("administered", "wasted")))
        ).all()
    for facility, zone, product, at, doses in rows:
        assert facility is not None  # these accounts belong to a facility
        local = at.astimezone(ZoneInfo(zone))
        found[(facility, product, date(local.year, local.month, 1))] += doses
    return dict(found)


def stored(uow: UnitOfWork) -> dict[tuple[int, int, date], int]:
    c = m.ConsumptionMonth
    with uow:
        return {
            (facility, product, month): doses
            for facility, product, month, doses in uow.session.execute(
                select(c.facility_id, c.product_id, c.month, c.doses)
            )
        }


class Ledger:
    """A province (Shanghai) and two clinics (New York, Kolkata), two units each, two
    products; movements through the services at instants next to month starts."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        province = make_facility(uow, "P", "province", units=2)
        self.sites: list[Site] = [
            province,
            make_facility(uow, "P-NY", "clinic", province, "America/New_York", units=2),
            make_facility(uow, "P-IN", "clinic", province, "Asia/Kolkata", units=2),
        ]
        self.units = [unit for site in self.sites for unit in site.units]
        mmr, bcg = make_product(uow, "MMR"), make_product(uow, "BCG")
        self.lots = [make_lot(uow, mmr, "M1"), make_lot(uow, bcg, "B1")]
        self.movements: list[int] = []

    def supply_everywhere(self) -> None:
        for unit in self.units:
            for lot in self.lots:
                first = BOUNDARIES[0] - timedelta(days=1)
                cmd = ReceiveFromSupplier(unit.id, lot.id, 500, "s", key(), first)
                services.receive_from_supplier(self.uow, cmd)

    def run(self, op: tuple[Any, ...]) -> None:
        name, unit, lot, doses, at = op
        u, lt = self.units[unit], self.lots[lot]
        if name == "administer":
            result: Any = services.administer_doses(
                self.uow, AdministerDoses(u.id, lt.id, doses, "n", key(), at)
            )
        elif name == "waste":
            cmd = RecordWastage(u.id, lt.id, doses, WastageReason.BROKEN, "n", key(), at)
            result = services.record_wastage(self.uow, cmd)
        elif name == "transfer":  # within the facility: no consumption
            other = self.units[unit ^ 1]
            cmd2 = TransferStock(u.id, other.id, lt.id, doses, "k", key(), at)
            result = services.transfer_stock(self.uow, cmd2)
        else:  # reverse the movement numbered ``doses`` (modulo) of those made so far
            if not self.movements:
                return
            target = self.movements[doses % len(self.movements)]
            cmd3 = ReverseMovement(target, "mistake", "s", key())
            services.reverse_movement(self.uow, cmd3)
            return
        movement = getattr(result, "movement", result)
        self.movements.append(movement.id)


instants = st.builds(
    lambda boundary, minutes: boundary + timedelta(minutes=minutes),
    st.sampled_from(BOUNDARIES),
    st.sampled_from((-61, -1, 0, 1, 59, 60, 61, 24 * 60)),
)
operations = st.tuples(
    st.sampled_from(("administer", "administer", "waste", "transfer", "reverse")),
    st.integers(0, 5),
    st.integers(0, 1),
    st.integers(1, 60),
    instants,  # in any order: many are backdated
)


@pytest.fixture(scope="module")
def template(_sqlite_template: Path) -> Path:
    return _sqlite_template


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(operations, min_size=1, max_size=25))
def test_after_any_movements_the_read_model_is_the_lines_per_local_month(
    template: Path, tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[Any, ...]]
) -> None:
    path = tmp_path_factory.getbasetemp() / f"consumption-{uuid.uuid4().hex}.db"
    shutil.copy(template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        uow = make_uow(engine, clock_at=LATER)
        ledger = Ledger(uow)
        ledger.supply_everywhere()
        for step in steps:
            with contextlib.suppress(InventoryError):  # refused: nothing written
                ledger.run(step)
        assert stored(uow) == derived_from_lines(uow)
        assert queries.verify_ledger(uow) == []
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)


def post_in_bulk(uow: UnitOfWork, ledger: Ledger, days: int) -> None:
    """Daily administrations of 7 doses in every unit, through ``append_movements`` (the
    bulk loaders' path), one transaction."""
    with uow:
        batch = []
        for day in range(days):
            at = BOUNDARIES[0] + timedelta(days=day, hours=13)
            for site in ledger.sites:
                for unit in site.units:
                    lot = ledger.lots[day % 2]
                    lines = check_balanced(
                        MovementKind.ADMINISTRATION,
                        postings.administration(site.id, unit.id, lot.id, 7),
                    )
                    ids = uow.repo.account_ids(ln.account for ln in lines)
                    header = MovementHeader(
                        kind="administration",
                        occurred_at=at,
                        recorded_at=LATER,
                        user="bulk",
                        idempotency_key=key("bulk"),
                        fingerprint="bulk",
                        facility_id=site.id,
                    )
                    resolved = [
                        ResolvedLine(ids[ln.account], ln.lot_id, ln.doses, ln.account.nonnegative)
                        for ln in lines
                    ]
                    batch.append((header, resolved))
        uow.repo.append_movements(batch)
        uow.commit()


def test_the_bulk_path_and_the_services_keep_it_and_the_ledger_check_finds_a_wrong_row(
    engine: Engine,
) -> None:
    uow = make_uow(engine, clock_at=LATER)
    ledger = Ledger(uow)
    ledger.supply_everywhere()
    post_in_bulk(uow, ledger, days=40)  # across the end of March in every zone
    ledger.run(("administer", 2, 0, 30, BOUNDARIES[5] - timedelta(minutes=1)))
    ledger.run(("waste", 4, 1, 5, BOUNDARIES[5]))
    ledger.run(("reverse", 0, 0, 0, None))  # the administration, at its own instant
    kept = stored(uow)
    assert kept == derived_from_lines(uow)
    ny, product = ledger.sites[1].id, ledger.lots[0].product_id
    # 40 days from 1 March 13:00 UTC, 7 doses per unit (2) on the even days (MMR)
    march = sum(
        14
        for day in range(0, 40, 2)
        if (BOUNDARIES[0] + timedelta(days=day, hours=13)).astimezone(ZoneInfo(ZONES[1])).month == 3
    )
    assert kept[(ny, product, date(2024, 3, 1))] == march
    assert queries.verify_ledger(uow) == []

    c = m.ConsumptionMonth
    with uow:
        uow.session.execute(
            update(c)
            .where(c.facility_id == ny, c.product_id == product, c.month == date(2024, 3, 1))
            .values(doses=c.doses + 1)
        )
        uow.commit()
    assert queries.verify_ledger(uow) == [
        f"consumption of facility {ny}, product {product} in 2024-03 is {march + 1}, "
        f"lines say {march}"
    ]


def test_the_migration_backfills_what_the_postings_kept(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        uow = make_uow(engine, clock_at=LATER)
        ledger = Ledger(uow)
        ledger.supply_everywhere()
        post_in_bulk(uow, ledger, days=75)
        for n, boundary in enumerate(BOUNDARIES[1:]):
            for minutes in (-1, 0):
                at = boundary + timedelta(minutes=minutes)
                ledger.run(("administer", n % 6, n % 2, 3, at))
        ledger.run(("reverse", 0, 0, 7, None))
        kept = stored(uow)
        assert kept and kept == derived_from_lines(uow)
    finally:
        engine.dispose()
    config = db.alembic_config(database_url)
    command.downgrade(config, "0033_consumption_months-1")
    command.upgrade(config, "head")
    engine = db.make_engine(database_url)
    try:
        uow = make_uow(engine, clock_at=LATER)
        assert stored(uow) == kept
        assert queries.verify_ledger(uow) == []
    finally:
        engine.dispose()
