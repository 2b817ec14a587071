"""The daily doses report's cumulative read model (issue 12): a running total per facility,
product and UTC day of physical stock and of doses given per dose number, kept in the
posting transaction by ``post`` and by the bulk ``append_movements``, exact under backdated
movements and reversals, backfilled by its migration, re-derived by ``verify_ledger``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import Engine, text

from coldchain import db
from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    ReceiveFromSupplier,
    ReverseMovement,
    TransferStock,
)
from inventory.domain import postings
from inventory.domain.movements import MovementKind, check_balanced
from inventory.repository import MovementHeader, ResolvedLine
from inventory.unit_of_work import UnitOfWork
from tests.builders import key, make_uow
from tests.integration.inventory.conftest import World

CUMULATIVE = """
    SELECT s.facility_id, s.measure, s.dose_number, d.day, d.change, d.running
    FROM cumulative_series s JOIN cumulative_days d ON d.series_id = s.id
    ORDER BY s.facility_id, s.measure, s.dose_number, d.day
"""


def at(day: int, hour: int = 10) -> datetime:
    """``day`` of March 2024 at ``hour`` UTC (18:00 in Shanghai: the same local day)."""
    return datetime(2024, 3, day, hour, tzinfo=UTC)


def rows(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    with uow:
        return [
            (f, measure, n, str(day), change, running)
            for f, measure, n, day, change, running in uow.session.execute(text(CUMULATIVE))
        ]


def march(day: int) -> str:
    return date(2024, 3, day).isoformat()


def receive(uow: UnitOfWork, world: World, doses: int, when: datetime) -> int:
    unit = world.tree.clinics[0].unit
    return services.receive_from_supplier(
        uow, ReceiveFromSupplier(unit.id, world.early.id, doses, "store", key(), when)
    ).id


def give(uow: UnitOfWork, world: World, doses: int, when: datetime, dose: int | None) -> int:
    unit = world.tree.clinics[0].unit
    return services.administer_doses(
        uow, AdministerDoses(unit.id, world.early.id, doses, "nurse", key(), when, dose)
    ).id


def test_backdated_movements_and_reversals_keep_every_later_day_right(
    uow: UnitOfWork, world: World
) -> None:
    clinic = world.tree.clinics[0].id
    receive(uow, world, 100, at(1))
    first = give(uow, world, 10, at(3), 1)
    give(uow, world, 4, at(5), 2)
    receive(uow, world, 50, at(2))  # backdated: days 3 and 5 take it too
    give(uow, world, 6, at(4), 1)  # backdated between two days of dose 1
    give(uow, world, 3, at(5, 12), None)  # same day as the latest, no dose number
    services.reverse_movement(uow, ReverseMovement(first, "wrong lot", "nurse", key()))
    assert rows(uow) == [
        (clinic, "administered", 0, march(5), 3, 3),
        (clinic, "administered", 1, march(3), 0, 0),  # given and reversed: netted, kept
        (clinic, "administered", 1, march(4), 6, 6),
        (clinic, "administered", 2, march(5), 4, 4),
        (clinic, "physical", 0, march(1), 100, 100),
        (clinic, "physical", 0, march(2), 50, 150),
        (clinic, "physical", 0, march(3), 0, 150),
        (clinic, "physical", 0, march(4), -6, 144),
        (clinic, "physical", 0, march(5), -7, 137),
    ]
    assert queries.verify_ledger(uow) == []
    report = queries.daily_doses_report(uow, clinic, date(2024, 3, 5))
    (product,) = report.facilities[0].own
    assert product.reconciliation.opening == 144
    assert product.reconciliation.closing == 137
    doses = {d.dose_number: (d.administered, d.cumulative) for d in product.doses}
    assert doses == {1: (0, 6), 2: (4, 4), None: (3, 3)}


def test_a_transfer_inside_the_facility_changes_nothing_but_has_its_day(
    uow: UnitOfWork, world: World
) -> None:
    site = world.tree.clinics[0]
    receive(uow, world, 30, at(1))
    services.transfer_stock(
        uow,
        TransferStock(site.unit.id, site.units[1].id, world.early.id, 12, "k", key(), at(2)),
    )
    assert rows(uow) == [
        (site.id, "physical", 0, march(1), 30, 30),
        (site.id, "physical", 0, march(2), 0, 30),
    ]
    assert queries.verify_ledger(uow) == []


def bulk_administration(
    uow: UnitOfWork, world: World, doses: int, when: datetime, dose: int | None
) -> tuple[MovementHeader, list[ResolvedLine]]:
    """One administration as ``append_movements`` takes it (what ``bench.ledger`` loads)."""
    site = world.tree.clinics[0]
    lines = check_balanced(
        MovementKind.ADMINISTRATION,
        postings.administration(site.id, site.unit.id, world.early.id, doses),
    )
    ids = uow.repo.account_ids(ln.account for ln in lines)
    name = key("bulk")
    header = MovementHeader(
        kind=MovementKind.ADMINISTRATION.value,
        occurred_at=when,
        recorded_at=when,
        user="bulk",
        idempotency_key=name,
        fingerprint=name,
        facility_id=site.id,
        dose_number=dose,
    )
    return header, [
        ResolvedLine(ids[ln.account], ln.lot_id, ln.doses, ln.account.nonnegative) for ln in lines
    ]


def test_the_bulk_path_keeps_the_read_model_in_any_order(uow: UnitOfWork, world: World) -> None:
    clinic = world.tree.clinics[0].id
    receive(uow, world, 500, at(1))
    give(uow, world, 5, at(6), 1)
    with uow:
        batch = [
            bulk_administration(uow, world, 7, at(9), 1),  # after the latest day
            bulk_administration(uow, world, 2, at(3), 1),  # before it: days 6 and 9 take it
            bulk_administration(uow, world, 1, at(6, 20), 1),  # on the latest day
            bulk_administration(uow, world, 4, at(9, 1), 1),
            bulk_administration(uow, world, 8, at(7), 2),
        ]
        uow.repo.append_movements(batch)
        uow.commit()
    assert queries.verify_ledger(uow) == []
    given = [r for r in rows(uow) if r[1] == "administered"]
    assert given == [
        (clinic, "administered", 1, march(3), 2, 2),
        (clinic, "administered", 1, march(6), 6, 8),
        (clinic, "administered", 1, march(9), 11, 19),
        (clinic, "administered", 2, march(7), 8, 8),
    ]


def test_verify_ledger_reports_a_day_that_differs_from_the_lines(
    uow: UnitOfWork, world: World
) -> None:
    receive(uow, world, 100, at(1))
    give(uow, world, 10, at(3), 1)
    with uow:
        uow.session.execute(text("UPDATE cumulative_days SET running = running + 1"))
        uow.commit()
    problems = queries.verify_ledger(uow)
    assert len(problems) == 3
    assert all(p.startswith("cumulative read model of ") for p in problems)
    with uow:
        uow.session.execute(text("DELETE FROM cumulative_days"))
        uow.commit()
    assert len(queries.verify_ledger(uow)) == 3  # missing rows too


def test_the_migration_backfills_the_read_model_from_the_lines(
    engine: Engine, database_url: str, world: World
) -> None:
    uow = make_uow(engine)
    receive(uow, world, 100, at(1))
    first = give(uow, world, 10, at(3), 1)
    give(uow, world, 4, at(5), 2)
    receive(uow, world, 50, at(2))
    give(uow, world, 6, at(4, 23), None)
    services.reverse_movement(uow, ReverseMovement(first, "wrong lot", "nurse", key()))
    kept = rows(uow)
    engine.dispose()
    command.downgrade(db.alembic_config(database_url), "0032_cumulative_read_model-1")
    db.upgrade(database_url)  # the backfill
    assert rows(uow) == kept
    assert queries.verify_ledger(uow) == []
    # and the posting path goes on from the backfilled rows
    give(uow, world, 1, at(5) + timedelta(hours=1), 2)
    assert queries.verify_ledger(uow) == []
