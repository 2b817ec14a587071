"""Stock on hand per storage unit, facility or facility subtree, by product and lot.

Read from the ``balances`` projection (one row per account and lot), so the cost grows with
the number of (unit, lot) pairs in scope, not with the length of the ledger. Usable and held
(quarantined) doses are shown apart, in doses and in vials; stock in transit to the scope
is listed separately, per shipment, with the refused shipments on their way back to it
(``returning``: the sender's doses again, not at the facility until it receives them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, cast, func, select
from sqlalchemy.orm import Session

from inventory import models as m
from inventory.domain.holds import LotStatus, lot_holds
from inventory.domain.shipments import ShipmentStatus
from inventory.errors import InvalidInput, NotFound
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Quantity:
    """Doses, and the same as full vials plus loose doses (an opened vial's rest)."""

    doses: int
    vials: int
    loose_doses: int


def quantity(doses: int, doses_per_vial: int) -> Quantity:
    return Quantity(doses, doses // doses_per_vial, doses % doses_per_vial)


@dataclass(frozen=True)
class LotInfo:
    lot_id: int
    lot_number: str
    expiry: date
    product_id: int
    product_code: str
    doses_per_vial: int
    vvm_stage: int | None
    recalled: bool


@dataclass(frozen=True)
class StockLine:
    product_id: int
    product_code: str
    lot_id: int
    lot_number: str
    expiry: date
    usable: Quantity
    held: Quantity
    holds: tuple[str, ...]  # why the usable doses cannot be issued now (expired, vvm, recalled)
    facility_id: int | None = None  # set when by_unit
    storage_unit_id: int | None = None  # set when by_unit


@dataclass(frozen=True)
class TransitLine:
    shipment_id: int
    origin_facility_id: int
    destination_facility_id: int
    dispatched_at: datetime | None
    product_id: int
    product_code: str
    lot_id: int
    lot_number: str
    expiry: date
    in_transit: Quantity
    returning: bool = False  # a refused shipment on its way back to its origin (the scope)


@dataclass(frozen=True)
class ProductTotal:
    product_id: int
    product_code: str
    usable: Quantity
    held: Quantity
    in_transit: Quantity


@dataclass(frozen=True)
class StockOnHand:
    scope: str
    at: datetime
    lines: tuple[StockLine, ...]
    in_transit: tuple[TransitLine, ...]
    totals: tuple[ProductTotal, ...]


def stock_on_hand(
    uow: UnitOfWork,
    *,
    storage_unit_id: int | None = None,
    facility_id: int | None = None,
    subtree: bool = False,
    product_id: int | None = None,
    by_unit: bool = False,
    at: datetime | None = None,
) -> StockOnHand:
    """Stock now in one unit, one facility, or a facility and everything below it.

    Hold reasons are evaluated at ``at`` (default now) in the scope facility's time zone.
    """
    if (storage_unit_id is None) == (facility_id is None):
        raise InvalidInput("give exactly one of storage_unit_id or facility_id")
    at = at or uow.clock()
    with uow:
        session = uow.session
        scope, tz, where = _scope(session, storage_unit_id, facility_id, subtree)
        physical = _physical(session, where, product_id, by_unit)
        transit = [] if storage_unit_id is not None else _transit(session, where, product_id)
        lots = lot_infos(session, {row[2] for row in physical} | {row[3] for row in transit})
    lines = _stock_lines(physical, lots, at, tz)
    transit_lines = tuple(_transit_line(row, lots) for row in transit)
    return StockOnHand(scope, at, lines, transit_lines, _totals(lines, transit_lines, lots))


def _scope(
    session: Session, unit_id: int | None, facility_id: int | None, subtree: bool
) -> tuple[str, ZoneInfo, ColumnElement[bool]]:
    if unit_id is not None:
        unit = session.get(m.StorageUnit, unit_id)
        if unit is None:
            raise NotFound(f"storage unit {unit_id} does not exist")
        facility = session.get(m.Facility, unit.facility_id)
        assert facility is not None
        return (
            f"storage unit {unit.code}",
            ZoneInfo(facility.timezone),
            m.Account.storage_unit_id == unit_id,
        )
    assert facility_id is not None
    facility = session.get(m.Facility, facility_id)
    if facility is None:
        raise NotFound(f"facility {facility_id} does not exist")
    tz = ZoneInfo(facility.timezone)
    if subtree:
        return f"facility {facility.code} and below", tz, m.Facility.path.startswith(facility.path)
    return f"facility {facility.code}", tz, m.Facility.id == facility_id


def _physical(
    session: Session, where: ColumnElement[bool], product_id: int | None, by_unit: bool
) -> list[tuple[str, int | None, int, int | None, int]]:
    """Rows of (account kind, unit, lot, facility, doses)."""
    b, a = m.Balance, m.Account
    unit_cols = (a.storage_unit_id, a.facility_id) if by_unit else ()
    stmt = (
        select(a.kind, *unit_cols, b.lot_id, cast(func.sum(b.doses), BigInteger))
        .join(a, a.id == b.account_id)
        .join(m.Facility, m.Facility.id == a.facility_id)
        .where(a.kind.in_(["stock", "quarantine"]), b.doses != 0, where)
        .group_by(a.kind, *unit_cols, b.lot_id)
    )
    if product_id is not None:
        stmt = stmt.join(m.Lot, m.Lot.id == b.lot_id).where(m.Lot.product_id == product_id)
    rows = []
    for row in session.execute(stmt):
        if by_unit:
            kind, unit, facility, lot, doses = row
        else:
            kind, lot, doses = row
            unit = facility = None
        rows.append((str(kind), _opt(unit), int(lot), _opt(facility), int(doses)))  # type: ignore[call-overload]
    return rows


def _opt(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _transit(
    session: Session, where: ColumnElement[bool], product_id: int | None
) -> list[tuple[int, int, int, int, int, datetime | None, bool]]:
    """Rows of (shipment, origin, destination, lot, doses, dispatched_at, returning) bound
    for the scope: shipments to it in transit, refused shipments from it on their way back."""
    b, a, s = m.Balance, m.Account, m.Shipment
    rows: list[tuple[int, int, int, int, int, datetime | None, bool]] = []
    # Only a dispatched shipment holds doses in transit, only a refused one doses on the
    # way back (verify_ledger checks both): the status index finds the few on the road
    # instead of every transit account's rows.
    for kind, status, bound_for, returning in (
        ("in_transit", ShipmentStatus.DISPATCHED, s.destination_facility_id, False),
        ("in_transit_returned", ShipmentStatus.REFUSED, s.origin_facility_id, True),
    ):
        stmt = (
            select(
                s.id,
                s.origin_facility_id,
                s.destination_facility_id,
                b.lot_id,
                b.doses,
                s.dispatched_at,
            )
            .select_from(b)
            .join(a, a.id == b.account_id)
            .join(s, s.id == a.shipment_id)
            .join(m.Facility, m.Facility.id == bound_for)
            .where(s.status == status.value, a.kind == kind, b.doses > 0, where)
            .order_by(s.id, b.lot_id)
        )
        if product_id is not None:
            stmt = stmt.join(m.Lot, m.Lot.id == b.lot_id).where(m.Lot.product_id == product_id)
        rows += [(*row, returning) for row in session.execute(stmt)]  # type: ignore[list-item]
    return sorted(rows)


def lot_infos(session: Session, lot_ids: Iterable[int]) -> dict[int, LotInfo]:
    ids = sorted(set(lot_ids))
    if not ids:
        return {}
    lot, p = m.Lot, m.Product
    stmt = (
        select(
            lot.id,
            lot.lot_number,
            lot.expiry,
            p.id,
            p.code,
            p.doses_per_vial,
            lot.vvm_stage,
            lot.recalled_at.is_not(None),
        )
        .join(p, p.id == lot.product_id)
        .where(lot.id.in_(ids))
    )
    return {row[0]: LotInfo(*row) for row in session.execute(stmt)}


def _stock_lines(
    rows: list[tuple[str, int | None, int, int | None, int]],
    lots: dict[int, LotInfo],
    at: datetime,
    tz: ZoneInfo,
) -> tuple[StockLine, ...]:
    usable: dict[tuple[int | None, int | None, int], int] = defaultdict(int)
    held: dict[tuple[int | None, int | None, int], int] = defaultdict(int)
    for kind, unit, lot, facility, doses in rows:
        (usable if kind == "stock" else held)[(facility, unit, lot)] += doses
    lines = []
    for key in sorted(
        set(usable) | set(held),
        key=lambda k: (
            lots[k[2]].product_code,
            lots[k[2]].expiry,
            lots[k[2]].lot_number,
            k[1] or 0,
        ),
    ):
        facility, unit, lot_id = key
        info = lots[lot_id]
        status = LotStatus(lot_id, info.lot_number, info.expiry, info.vvm_stage, info.recalled)
        lines.append(
            StockLine(
                product_id=info.product_id,
                product_code=info.product_code,
                lot_id=lot_id,
                lot_number=info.lot_number,
                expiry=info.expiry,
                usable=quantity(usable.get(key, 0), info.doses_per_vial),
                held=quantity(held.get(key, 0), info.doses_per_vial),
                holds=tuple(r.value for r in lot_holds(status, at, tz)),
                facility_id=facility,
                storage_unit_id=unit,
            )
        )
    return tuple(lines)


def _transit_line(
    row: tuple[int, int, int, int, int, datetime | None, bool], lots: dict[int, LotInfo]
) -> TransitLine:
    shipment, origin, destination, lot_id, doses, dispatched_at, returning = row
    info = lots[lot_id]
    return TransitLine(
        shipment,
        origin,
        destination,
        dispatched_at,
        info.product_id,
        info.product_code,
        lot_id,
        info.lot_number,
        info.expiry,
        quantity(doses, info.doses_per_vial),
        returning,
    )


def _totals(
    lines: tuple[StockLine, ...], transit: tuple[TransitLine, ...], lots: dict[int, LotInfo]
) -> tuple[ProductTotal, ...]:
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in lines:
        sums[line.product_id][0] += line.usable.doses
        sums[line.product_id][1] += line.held.doses
    for t in transit:
        sums[t.product_id][2] += t.in_transit.doses
    per_vial = {info.product_id: (info.product_code, info.doses_per_vial) for info in lots.values()}
    return tuple(
        ProductTotal(
            pid,
            per_vial[pid][0],
            quantity(u, per_vial[pid][1]),
            quantity(h, per_vial[pid][1]),
            quantity(t, per_vial[pid][1]),
        )
        for pid, (u, h, t) in sorted(sums.items(), key=lambda kv: per_vial[kv[0]][0])
    )
