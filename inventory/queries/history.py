"""Storage history: in which intervals a storage unit physically held how many doses of a lot.

Physical means usable plus quarantined (held stock stays in the unit). Intervals are
half-open ``[start, end)`` on the ledger's time line (``occurred_at``): a movement at
instant t changes the doses from t on. Changes at the same instant are netted (a reversal
shares its original's instant, so a reversed movement leaves no trace here). Invariant:
for any instant in the window, the doses of the interval covering it equal the sum of the
unit's physical lines with ``occurred_at <=`` that instant; no interval has zero doses.
This is what excursion exposure is built on: ``storage_history(unit, episode start, end)``.
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
class StorageInterval:
    storage_unit_id: int
    lot_id: int
    product_id: int
    lot_number: str
    doses: int
    start: datetime  # inclusive
    end: datetime  # exclusive


def storage_history(
    uow: UnitOfWork, storage_unit_id: int, start: datetime, end: datetime
) -> list[StorageInterval]:
    """Every (lot, doses, start, end) the unit held within ``[start, end)``, in time order."""
    uow.window.check_range(start, end)
    with uow:
        if uow.session.get(m.StorageUnit, storage_unit_id) is None:
            raise NotFound(f"storage unit {storage_unit_id} does not exist")
        where = m.Account.storage_unit_id == storage_unit_id
        return read_intervals(uow.session, where, start, end)


def lot_storage_history(
    uow: UnitOfWork, lot_id: int, start: datetime | None = None, end: datetime | None = None
) -> list[StorageInterval]:
    """Every unit the lot was in, and when, within the window (default: all time until now)."""
    uow.window.check_range(start, end)
    end = end or uow.clock()
    with uow:
        if uow.session.get(m.Lot, lot_id) is None:
            raise NotFound(f"lot {lot_id} does not exist")
        if start is None:
            first = uow.session.scalar(
                select(func.min(m.MovementLine.occurred_at)).where(m.MovementLine.lot_id == lot_id)
            )
            if first is None:
                return []
            start = first
        if end <= start:
            raise InvalidInput("the window must end after it starts")
        return read_intervals(uow.session, m.MovementLine.lot_id == lot_id, start, end)


PHYSICAL = ("stock", "quarantine")  # usable + held: what is physically in a unit


def read_intervals(
    session: Session,
    where: ColumnElement[bool],
    start: datetime,
    end: datetime,
    kinds: tuple[str, ...] = PHYSICAL,
) -> list[StorageInterval]:
    """The intervals of the lines matching ``where`` on the accounts of ``kinds``; the caller
    holds the transaction (``inventory.queries.exposure`` reads usable and held apart)."""
    line, a = m.MovementLine, m.Account
    physical = a.kind.in_(list(kinds))
    opening_stmt = (
        select(a.storage_unit_id, line.lot_id, func.sum(line.doses))
        .join(a, a.id == line.account_id)
        .where(physical, where, line.occurred_at <= start)
        .group_by(a.storage_unit_id, line.lot_id)
    )
    changes_stmt = (
        select(a.storage_unit_id, line.lot_id, line.occurred_at, func.sum(line.doses))
        .join(a, a.id == line.account_id)
        .where(physical, where, line.occurred_at > start, line.occurred_at < end)
        .group_by(a.storage_unit_id, line.lot_id, line.occurred_at)
        .order_by(line.occurred_at)
    )
    level: dict[tuple[int, int], int] = defaultdict(int)
    for unit, lot, doses in session.execute(opening_stmt):
        level[(int(unit or 0), lot)] += int(doses)
    since = {key: start for key in level}
    spans: list[tuple[int, int, int, datetime, datetime]] = []
    for unit, lot, at, change in session.execute(changes_stmt):
        if not change:
            continue
        key = (int(unit or 0), lot)
        if level[key] > 0:
            spans.append((key[0], lot, level[key], since[key], at))
        level[key] += int(change)
        since[key] = at
    spans += [(u, lot, d, since[(u, lot)], end) for (u, lot), d in level.items() if d > 0]
    lots = _lots(session, {s[1] for s in spans})
    spans.sort(key=lambda s: (s[3], s[0], lots[s[1]][1], s[1]))
    return [
        StorageInterval(unit, lot, lots[lot][0], lots[lot][1], doses, s, e)
        for unit, lot, doses, s, e in spans
    ]


def _lots(session: Session, ids: set[int]) -> dict[int, tuple[int, str]]:
    if not ids:
        return {}
    stmt = select(m.Lot.id, m.Lot.product_id, m.Lot.lot_number).where(m.Lot.id.in_(sorted(ids)))
    return {i: (p, n) for i, p, n in session.execute(stmt)}
