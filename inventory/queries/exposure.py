"""Exposure: which lots and doses were in a storage unit between two instants, and where a
lot stayed (the ledger's side of every temperature excursion; domain rules 16, 19, 20).

Everything is read from the movement history (``queries.history``), never from the stock
that is there now: an excursion names the lots that were in the unit while it happened.

- ``unit_exposure(uow, unit, start, end)``: per lot, every dose that was physically in the
  unit (usable or held) at some moment of ``[start, end)``, and how many of them were held
  (quarantined) at some moment — held stock is exposed too, and flagged.
- ``lot_stays(uow, lot, units=None)``: the lot's stays, one per unbroken presence in one
  unit (of ``units`` only, when given), with the unit and facility codes (what telemetry
  names them by).
- ``lot_presence(uow, lot)``: per unit the lot was ever in, the span that holds all its stays
  there (from the ``balances`` read model: one row per account, not the lot's lines), so a
  caller can find the few units worth reading stays for (the lot trace's excursions).
- ``excursion_holds(uow, lot, unit)`` / ``excursion_holds_in(uow, lot, units)``: the lot's
  quarantines in the unit(s) that cite an excursion (``ExcursionRef``), with their
  reversals; ``doses_citing`` nets them.

Invariants: windows and stays are half-open ``[start, end)``: a lot that left at the
instant a window opened, or arrived as it closed, was not in it. Each function is one short
read transaction; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, or_, select

from inventory import models as m
from inventory.domain.excursions import ExcursionRef
from inventory.errors import NotFound
from inventory.queries.history import PHYSICAL, StorageInterval, read_intervals
from inventory.unit_of_work import UnitOfWork

# Movements may be dated a little ahead of the ledger's clock (its clock-skew allowance): a
# lot's history runs to now + this, and a stay that reaches it is "still there".
HORIZON = timedelta(days=1)


@dataclass(frozen=True)
class LotExposure:
    """One lot that was in the unit during (part of) the window."""

    storage_unit_id: int
    lot_id: int
    product_id: int
    product: str  # product code
    lot_number: str
    expiry: date
    freeze_sensitive: bool
    doses: int  # every dose (usable or held) in the unit at some moment of the window
    held_doses: int  # of those, the doses that were held (quarantined) at some moment
    present_from: datetime  # the part of the window the lot spent in the unit
    present_to: datetime

    @property
    def held(self) -> bool:
        return self.held_doses > 0


def unit_exposure(
    uow: UnitOfWork, storage_unit_id: int, start: datetime, end: datetime
) -> list[LotExposure]:
    """The lots in the unit at some moment of ``[start, end)``, by lot id."""
    uow.window.check_range(start, end)
    with uow:
        if uow.session.get(m.StorageUnit, storage_unit_id) is None:
            raise NotFound(f"storage unit {storage_unit_id} does not exist")
        where = m.Account.storage_unit_id == storage_unit_id
        physical = _by_lot(read_intervals(uow.session, where, start, end, PHYSICAL))
        held = _by_lot(read_intervals(uow.session, where, start, end, ("quarantine",)))
        lots = lot_details(uow, set(physical))
    return [
        LotExposure(
            storage_unit_id=storage_unit_id,
            lot_id=lot_id,
            product_id=lots[lot_id][0],
            product=lots[lot_id][1],
            lot_number=lots[lot_id][2],
            expiry=lots[lot_id][3],
            freeze_sensitive=lots[lot_id][4],
            doses=exposed_doses(spans),
            held_doses=exposed_doses(held.get(lot_id, [])),
            present_from=spans[0].start,
            present_to=spans[-1].end,
        )
        for lot_id, spans in sorted(physical.items())
    ]


def exposed_doses(spans: Sequence[StorageInterval]) -> int:
    """Every dose of one lot that was in the unit at some moment of the window: the doses
    at the start, plus each increase, plus every return after the lot had left."""
    total = 0
    previous: StorageInterval | None = None
    for span in spans:
        if previous is None or span.start > previous.end:
            total += span.doses
        else:
            total += max(0, span.doses - previous.doses)
        previous = span
    return total


@dataclass(frozen=True)
class LotStay:
    """The lot in one unit without a break: contiguous intervals, oldest first."""

    lot_id: int
    storage_unit_id: int
    unit: str  # storage unit code
    facility_id: int
    facility: str  # facility code
    start: datetime
    end: datetime | None  # None: the lot is still there
    intervals: tuple[StorageInterval, ...]

    @property
    def until(self) -> datetime:
        """The end of the stay on the history's time line (now + ``HORIZON`` while the lot
        is still there): what an excursion must start before to overlap it."""
        return self.intervals[-1].end

    def doses_during(self, start: datetime, end: datetime | None) -> int:
        """Every dose of the lot that was in the unit at some moment of ``[start, end)``
        (``end`` None: to the end of the stay)."""
        inside = [i for i in self.intervals if i.end > start and (end is None or i.start < end)]
        return exposed_doses(inside)


def stays(intervals: Sequence[StorageInterval]) -> list[tuple[int, tuple[StorageInterval, ...]]]:
    """The intervals of one lot grouped into stays, as (unit, intervals), by start then unit:
    per unit, an interval that starts where the previous one ended continues the stay
    (only the doses changed)."""
    by_unit: dict[int, list[list[StorageInterval]]] = {}
    for interval in sorted(intervals, key=lambda i: (i.storage_unit_id, i.start)):
        runs = by_unit.setdefault(interval.storage_unit_id, [])
        if runs and runs[-1][-1].end == interval.start:
            runs[-1].append(interval)
        else:
            runs.append([interval])
    found = [(unit, tuple(run)) for unit, runs in by_unit.items() for run in runs]
    return sorted(found, key=lambda s: (s[1][0].start, s[0]))


def lot_stays(uow: UnitOfWork, lot_id: int, units: Collection[int] | None = None) -> list[LotStay]:
    """Every stay of the lot in a storage unit (in one of ``units``, when given), up to now
    (+ ``HORIZON``), by start."""
    horizon = uow.clock() + HORIZON
    uow.window.check_range(None, horizon)
    with uow:
        if uow.session.get(m.Lot, lot_id) is None:
            raise NotFound(f"lot {lot_id} does not exist")
        if units is not None and not units:
            return []
        where = m.MovementLine.lot_id == lot_id
        if units is not None:  # by account: seeks on (lot, account), not all the lot's lines
            where = where & m.MovementLine.account_id.in_(_accounts_of(units))
        first = uow.session.scalar(
            select(m.MovementLine.occurred_at)
            .where(where)
            .order_by(m.MovementLine.occurred_at)
            .limit(1)
        )
        if first is None or first >= horizon:
            return []
        grouped = stays(read_intervals(uow.session, where, first, horizon))
        places = _places(uow, {unit for unit, _ in grouped})
    return [
        LotStay(
            lot_id=lot_id,
            storage_unit_id=unit,
            unit=places[unit][0],
            facility_id=places[unit][1],
            facility=places[unit][2],
            start=run[0].start,
            end=None if run[-1].end >= horizon else run[-1].end,
            intervals=run,
        )
        for unit, run in grouped
    ]


@dataclass(frozen=True, slots=True)
class LotPresence:
    """The span of time that holds every stay of the lot in one unit: from its first
    arrival to its last line there (to now + ``HORIZON`` while doses are still there). An
    excursion in the unit outside it cannot have touched the lot."""

    storage_unit_id: int
    unit: str  # storage unit code
    start: datetime
    until: datetime


def lot_presence(uow: UnitOfWork, lot_id: int) -> list[LotPresence]:
    """Per unit the lot was ever in, its span there (``balances`` rows of the unit's stock
    and quarantine accounts: first arrival, last line, doses now), by unit id."""
    horizon = uow.clock() + HORIZON
    b, a, unit = m.Balance, m.Account, m.StorageUnit
    stmt = (
        select(
            a.storage_unit_id,
            unit.code,
            func.min(b.first_in),
            func.max(b.last_at),
            func.sum(b.doses),
        )
        .join(a, a.id == b.account_id)
        .join(unit, unit.id == a.storage_unit_id)
        .where(b.lot_id == lot_id, a.kind.in_(PHYSICAL))
        .group_by(a.storage_unit_id, unit.code)
        .order_by(a.storage_unit_id)
    )
    with uow:
        if uow.session.get(m.Lot, lot_id) is None:
            raise NotFound(f"lot {lot_id} does not exist")
        rows = uow.session.connection().execute(stmt).all()
    return [
        LotPresence(unit_id, code, start, horizon if doses or last is None else last)
        for unit_id, code, start, last, doses in rows
        if unit_id is not None and start is not None
    ]


@dataclass(frozen=True)
class ExcursionHold:
    """A quarantine of the lot in the unit, or the reversal of one (``reverses``)."""

    movement_id: int
    excursion: ExcursionRef | None  # what it cites; None for a reversal or a manual hold
    reverses: int | None  # the movement this one reverses
    held_change: int  # doses into (+) or out of (−) the unit's quarantine account


@dataclass(frozen=True)
class ExcursionHolds:
    lot_id: int
    storage_unit_id: int
    holds: tuple[ExcursionHold, ...]

    def doses_citing(self, excursions: Collection[ExcursionRef]) -> int:
        """Doses held by quarantines citing one of ``excursions``, net of their reversals;
        a later release does not subtract (they were held for it)."""
        return doses_citing(self.holds, excursions)


def doses_citing(holds: Sequence[ExcursionHold], excursions: Collection[ExcursionRef]) -> int:
    mine = {h.movement_id for h in holds if h.excursion is not None and h.excursion in excursions}
    return sum(h.held_change for h in holds if h.movement_id in mine or h.reverses in mine)


def excursion_holds(uow: UnitOfWork, lot_id: int, storage_unit_id: int) -> ExcursionHolds:
    """The lot's quarantines in the unit and their reversals."""
    with uow:
        if uow.session.get(m.StorageUnit, storage_unit_id) is None:
            raise NotFound(f"storage unit {storage_unit_id} does not exist")
    return excursion_holds_in(uow, lot_id, [storage_unit_id])[storage_unit_id]


def excursion_holds_in(
    uow: UnitOfWork, lot_id: int, storage_unit_ids: Collection[int]
) -> dict[int, ExcursionHolds]:
    """``excursion_holds`` of each unit, in one query: per unit, the lot's quarantine
    movements and reversals that changed its physical stock there (the unit's stock card
    entries of those kinds), oldest first."""
    units = sorted(set(storage_unit_ids))
    found: dict[int, list[ExcursionHold]] = {u: [] for u in units}
    if units:
        line, a, mv = m.MovementLine, m.Account, m.Movement
        usable = func.sum(case((a.kind == "stock", line.doses), else_=0))
        held = func.sum(case((a.kind == "quarantine", line.doses), else_=0))
        stmt = (
            select(
                a.storage_unit_id,
                line.movement_id,
                mv.reference,
                mv.reverses_movement_id,
                usable,
                held,
            )
            .join(a, a.id == line.account_id)
            .join(mv, mv.id == line.movement_id)
            .where(
                line.lot_id == lot_id,
                a.kind.in_(PHYSICAL),
                line.account_id.in_(_accounts_of(units)),
                or_(mv.kind == "quarantine", mv.reverses_movement_id.is_not(None)),
            )
            .group_by(
                a.storage_unit_id,
                line.movement_id,
                line.occurred_at,
                mv.reference,
                mv.reverses_movement_id,
            )
            .order_by(line.occurred_at, line.movement_id)
        )
        with uow:
            rows = list(uow.session.execute(stmt))
        for unit, movement_id, reference, reverses, d_usable, d_held in rows:
            if not d_usable and not d_held:
                continue
            cites = None if reverses is not None else ExcursionRef.find(reference)
            found[unit].append(ExcursionHold(movement_id, cites, reverses, int(d_held)))
    return {u: ExcursionHolds(lot_id, u, tuple(holds)) for u, holds in found.items()}


def _accounts_of(units: Collection[int]) -> Select[int]:
    """The ids of the units' accounts (a sub-select)."""
    return select(m.Account.id).where(m.Account.storage_unit_id.in_(sorted(units)))


def _by_lot(intervals: Sequence[StorageInterval]) -> dict[int, list[StorageInterval]]:
    by_lot: dict[int, list[StorageInterval]] = {}
    for interval in intervals:
        by_lot.setdefault(interval.lot_id, []).append(interval)
    return by_lot


def lot_details(uow: UnitOfWork, ids: set[int]) -> dict[int, tuple[int, str, str, date, bool]]:
    if not ids:
        return {}
    lot, product = m.Lot, m.Product
    stmt = (
        select(
            lot.id, product.id, product.code, lot.lot_number, lot.expiry, product.freeze_sensitive
        )
        .join(product, product.id == lot.product_id)
        .where(lot.id.in_(sorted(ids)))
    )
    return {
        row[0]: (row[1], row[2], row[3], row[4], bool(row[5])) for row in uow.session.execute(stmt)
    }


def _places(uow: UnitOfWork, unit_ids: set[int]) -> dict[int, tuple[str, int, str]]:
    if not unit_ids:
        return {}
    unit, facility = m.StorageUnit, m.Facility
    stmt = (
        select(unit.id, unit.code, facility.id, facility.code)
        .join(facility, facility.id == unit.facility_id)
        .where(unit.id.in_(sorted(unit_ids)))
    )
    return {row[0]: (row[1], row[2], row[3]) for row in uow.session.execute(stmt)}
