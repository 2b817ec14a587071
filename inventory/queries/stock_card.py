"""The stock card: the ledger history of a facility or storage unit for a product or a lot,
with a running balance (usable, held and physical) in time order.

Invariant: opening balance + the changes listed = closing balance, exactly; an entry is one
movement's net effect on one lot within the scope (moves inside the scope that change
neither usable nor held stock, such as a transfer between two units of the facility, are
left out because they change nothing the card shows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from inventory import models as m
from inventory.errors import InvalidInput, NotFound
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Balances:
    usable: int
    held: int

    @property
    def physical(self) -> int:
        return self.usable + self.held


@dataclass(frozen=True)
class StockCardEntry:
    movement_id: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    user: str
    lot_id: int
    lot_number: str
    usable_change: int
    held_change: int
    balance: Balances  # after this entry, over every lot on the card
    counterparty: str  # where the doses came from or went to
    reason: str | None
    reference: str | None
    shipment_id: int | None
    reverses_movement_id: int | None

    @property
    def change(self) -> int:
        return self.usable_change + self.held_change


@dataclass(frozen=True)
class StockCard:
    scope: str
    product_id: int | None
    lot_id: int | None
    start: datetime | None
    end: datetime | None
    opening: Balances
    entries: tuple[StockCardEntry, ...]
    closing: Balances


def stock_card(
    uow: UnitOfWork,
    *,
    facility_id: int | None = None,
    storage_unit_id: int | None = None,
    product_id: int | None = None,
    lot_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> StockCard:
    """Entries with ``start < occurred_at <= end`` (open ends when None)."""
    if (facility_id is None) == (storage_unit_id is None):
        raise InvalidInput("give exactly one of facility_id or storage_unit_id")
    if product_id is None and lot_id is None:
        raise InvalidInput("a stock card is for a product or a lot")
    uow.window.check_range(start, end)
    with uow:
        session = uow.session
        scope, in_scope = _scope(session, facility_id, storage_unit_id)
        which = (
            m.MovementLine.lot_id == lot_id
            if lot_id is not None
            else m.Lot.product_id == product_id
        )
        opening = _opening(session, in_scope, which, start)
        rows = _changes(session, in_scope, which, start, end)
        others = _counterparties(session, {r[0] for r in rows}, in_scope)
        movements = _movements(session, {r[0] for r in rows})
        count_reasons = _count_reasons(session, {r[0] for r in rows})
        numbers = _lot_numbers(session, {r[1] for r in rows})
        entries: list[StockCardEntry] = []
        usable, held = opening.usable, opening.held
        for movement_id, lot, d_usable, d_held in rows:
            if d_usable == 0 and d_held == 0:
                continue
            usable, held = usable + d_usable, held + d_held
            mv = movements[movement_id]
            entries.append(
                StockCardEntry(
                    movement_id,
                    mv.kind,
                    mv.occurred_at,
                    mv.recorded_at,
                    mv.user_name,
                    lot,
                    numbers[lot],
                    d_usable,
                    d_held,
                    Balances(usable, held),
                    others.get((movement_id, lot), ""),
                    count_reasons.get((movement_id, lot)) or mv.reason,
                    mv.reference,
                    mv.shipment_id,
                    mv.reverses_movement_id,
                )
            )
    return StockCard(
        scope, product_id, lot_id, start, end, opening, tuple(entries), Balances(usable, held)
    )


def _scope(
    session: Session, facility_id: int | None, unit_id: int | None
) -> tuple[str, ColumnElement[bool]]:
    if unit_id is not None:
        unit = session.get(m.StorageUnit, unit_id)
        if unit is None:
            raise NotFound(f"storage unit {unit_id} does not exist")
        return f"storage unit {unit.code}", m.Account.storage_unit_id == unit_id
    facility = session.get(m.Facility, facility_id)
    if facility is None:
        raise NotFound(f"facility {facility_id} does not exist")
    return f"facility {facility.code}", m.Account.facility_id == facility_id


def _physical_sums() -> tuple[ColumnElement[int], ColumnElement[int]]:
    a, line = m.Account, m.MovementLine
    from sqlalchemy import case

    usable = func.sum(case((a.kind == "stock", line.doses), else_=0))
    held = func.sum(case((a.kind == "quarantine", line.doses), else_=0))
    return usable, held


def _base(in_scope: ColumnElement[bool], which: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    return [m.Account.kind.in_(["stock", "quarantine"]), in_scope, which]


def _opening(
    session: Session,
    in_scope: ColumnElement[bool],
    which: ColumnElement[bool],
    start: datetime | None,
) -> Balances:
    if start is None:
        return Balances(0, 0)
    usable, held = _physical_sums()
    line = m.MovementLine
    stmt = (
        select(usable, held)
        .select_from(line)
        .join(m.Account, m.Account.id == line.account_id)
        .join(m.Lot, m.Lot.id == line.lot_id)
        .where(*_base(in_scope, which), line.occurred_at <= start)
    )
    u, h = session.execute(stmt).one()
    return Balances(int(u or 0), int(h or 0))


def _changes(
    session: Session,
    in_scope: ColumnElement[bool],
    which: ColumnElement[bool],
    start: datetime | None,
    end: datetime | None,
) -> list[tuple[int, int, int, int]]:
    usable, held = _physical_sums()
    line = m.MovementLine
    stmt = (
        select(line.movement_id, line.lot_id, usable, held)
        .select_from(line)
        .join(m.Account, m.Account.id == line.account_id)
        .join(m.Lot, m.Lot.id == line.lot_id)
        .where(*_base(in_scope, which))
        .group_by(line.movement_id, line.occurred_at, line.lot_id)
        .order_by(line.occurred_at, line.movement_id, line.lot_id)
    )
    if start is not None:
        stmt = stmt.where(line.occurred_at > start)
    if end is not None:
        stmt = stmt.where(line.occurred_at <= end)
    return [(i, lot, int(u), int(h)) for i, lot, u, h in session.execute(stmt)]


def _counterparties(
    session: Session, movement_ids: set[int], in_scope: ColumnElement[bool]
) -> dict[tuple[int, int], str]:
    """Per (movement, lot): the accounts outside the scope that the doses came from/went to."""
    if not movement_ids:
        return {}
    line, a = m.MovementLine, m.Account
    physical_here = a.kind.in_(["stock", "quarantine"]) & in_scope
    stmt = (
        select(line.movement_id, line.lot_id, a.key)
        .join(a, a.id == line.account_id)
        .where(line.movement_id.in_(sorted(movement_ids)), ~physical_here)
        .order_by(line.id)
    )
    found: dict[tuple[int, int], list[str]] = defaultdict(list)
    for movement_id, lot, key in session.execute(stmt):
        if key not in found[(movement_id, lot)]:
            found[(movement_id, lot)].append(key)
    return {k: ", ".join(v) for k, v in found.items()}


def _movements(session: Session, ids: set[int]) -> dict[int, m.Movement]:
    if not ids:
        return {}
    stmt = select(m.Movement).where(m.Movement.id.in_(sorted(ids)))
    return {row.id: row for row in session.scalars(stmt)}


def _count_reasons(session: Session, ids: set[int]) -> dict[tuple[int, int], str]:
    """A count's reason per lot, where the counter gave one (it names the lot's own
    difference; the movement's note is for the count as a whole)."""
    if not ids:
        return {}
    d = m.CountDifference
    stmt = select(d.movement_id, d.lot_id, d.reason).where(
        d.movement_id.in_(sorted(ids)), d.reason.is_not(None)
    )
    return {(mv, lot): reason for mv, lot, reason in session.execute(stmt) if reason}


def _lot_numbers(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(m.Lot.id, m.Lot.lot_number).where(m.Lot.id.in_(sorted(ids)))
    return {i: n for i, n in session.execute(stmt)}
