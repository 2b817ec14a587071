"""Ledger self-check: every invariant of the ledger, re-derived from the rows.

Returns a list of problems (empty when the ledger is sound) rather than stopping at the
first: movements whose lines do not sum to zero per lot, a ``balances`` projection that
differs from the sum of the lines (its balance, and the lot trace's read model: doses in,
first arrival, last line; a pair with lines and no row), the stock status report's read model
(``consumption_months``: doses used per facility, product and local month) that differs
from the lines, a negative balance on a real stock
account, a lot whose doses do not conserve, and a shipment whose lines are not accounted
for: a dispatched shipment's in-transit account holds exactly what its lines say was
dispatched, lot by lot; a planned one holds nothing yet; a received, partly received or lost
one holds nothing any more, and a received one has a received quantity on every line.
It also re-derives the daily doses report's cumulative read model (``cumulative_days``: per
facility, product, measure, dose number and UTC day, the day's change and the running total
to its end) from the lines and reports every day row that differs, is missing or is extra.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session, aliased

from inventory import models as m
from inventory.domain.accounts import AccountKind
from inventory.domain.cumulative import ADMINISTERED, PHYSICAL, SeriesKey
from inventory.domain.stock_levels import CONSUMPTION_ACCOUNT_KINDS, month_of
from inventory.unit_of_work import UnitOfWork


def verify_ledger(uow: UnitOfWork) -> list[str]:
    problems: list[str] = []
    line = m.MovementLine
    with uow:
        session = uow.session
        unbalanced = session.execute(
            select(line.movement_id, line.lot_id, func.sum(line.doses))
            .group_by(line.movement_id, line.lot_id)
            .having(func.sum(line.doses) != 0)
        )
        problems += [
            f"movement {mid}: lines of lot {lot} sum to {total:+d}, not 0"
            for mid, lot, total in unbalanced
        ]
        derived_rows = session.execute(
            select(
                line.account_id,
                line.lot_id,
                func.sum(line.doses),
                func.coalesce(func.sum(line.doses).filter(line.doses > 0), 0),
                func.min(line.occurred_at).filter(line.doses > 0),
                func.max(line.occurred_at),
            ).group_by(line.account_id, line.lot_id)
        )
        from_lines: dict[tuple[int, int], int] = {}
        read_model: dict[tuple[int, int], tuple[int, Any, Any]] = {}
        for a, lot, total, doses_in, first_in, last_at in derived_rows:
            from_lines[(a, lot)] = int(total)
            read_model[(a, lot)] = (int(doses_in), first_in, last_at)
        b = m.Balance
        projection: dict[tuple[int, int], tuple[int, bool]] = {}
        stored_model: dict[tuple[int, int], tuple[int, Any, Any]] = {}
        for a, lot, doses, nonnegative, came_in, first, last in session.execute(
            select(
                b.account_id, b.lot_id, b.doses, b.nonnegative, b.doses_in, b.first_in, b.last_at
            )
        ):
            projection[(a, lot)] = (doses, nonnegative)
            stored_model[(a, lot)] = (int(came_in), first, last)
        kinds = {i: k for i, k in session.execute(select(m.Account.id, m.Account.kind))}
        transit_of = {
            a: s
            for a, s in session.execute(
                select(m.Account.id, m.Account.shipment_id).where(m.Account.kind == "in_transit")
            )
        }
        shipments = {i: s for i, s in session.execute(select(m.Shipment.id, m.Shipment.status))}
        shipped: dict[tuple[int, int], int] = defaultdict(int)
        unreceived: set[int] = set()
        for shipment_id, lot_id, dispatched, received in session.execute(
            select(
                m.ShipmentLine.shipment_id,
                m.ShipmentLine.lot_id,
                m.ShipmentLine.dispatched_doses,
                m.ShipmentLine.received_doses,
            )
        ):
            shipped[shipment_id, lot_id] += dispatched
            if received is None:
                unreceived.add(shipment_id)
        problems += _cumulative_problems(session)
        consumption = _consumption_problems(session)
    for pair in sorted(set(from_lines) | set(projection)):
        derived = from_lines.get(pair, 0)
        stored, nonnegative = projection.get(pair, (0, False))
        if derived != stored:
            problems.append(
                f"balance of account {pair[0]}, lot {pair[1]} is {stored}, lines say {derived}"
            )
        if read_model.get(pair) != stored_model.get(pair, (0, None, None)):
            problems.append(
                f"read model of account {pair[0]}, lot {pair[1]} (doses in, first in, last) is "
                f"{stored_model.get(pair)}, lines say {read_model.get(pair)}"
            )
        if nonnegative and stored < 0:
            problems.append(f"account {pair[0]} holds {stored} doses of lot {pair[1]}")
        if kinds.get(pair[0]) in ("stock", "quarantine", "in_transit") and derived < 0:
            problems.append(f"real account {pair[0]} has {derived} doses of lot {pair[1]}")
    per_lot: dict[int, int] = defaultdict(int)
    for (_, lot), total in from_lines.items():
        per_lot[lot] += total
    problems += [f"lot {lot} does not conserve: {t:+d}" for lot, t in sorted(per_lot.items()) if t]
    in_transit: dict[tuple[int, int], int] = defaultdict(int)
    for (account, lot), total in from_lines.items():
        shipment_of = transit_of.get(account)
        if shipment_of is not None:
            in_transit[shipment_of, lot] += total
    problems += _unaccounted_shipments(shipments, shipped, in_transit, unreceived)
    return problems + consumption


def _consumption_problems(session: Session) -> list[str]:
    """``consumption_months`` against the lines of the administered and wasted accounts,
    each put in its facility's local month here in Python (the migration's backfill does it
    in SQL: two derivations that must agree)."""
    line, a, f, lot = m.MovementLine, m.Account, m.Facility, m.Lot
    accounts = {
        account: (facility, zone)
        for account, facility, zone in session.execute(
            select(a.id, f.id, f.timezone)
            .join(f, f.id == a.facility_id)
            .where(a.kind.in_(CONSUMPTION_ACCOUNT_KINDS))
        )
    }
    products = {i: p for i, p in session.execute(select(lot.id, lot.product_id))}
    zones: dict[str, ZoneInfo] = {}
    months: dict[tuple[str, datetime], date] = {}
    derived: dict[tuple[int, int, date], int] = defaultdict(int)
    for account, lot_id, at, doses in session.execute(
        select(line.account_id, line.lot_id, line.occurred_at, func.sum(line.doses))
        .where(line.account_id.in_(select(a.id).where(a.kind.in_(CONSUMPTION_ACCOUNT_KINDS))))
        .group_by(line.account_id, line.lot_id, line.occurred_at)
    ):
        facility, name = accounts[account]
        month = months.get((name, at))
        if month is None:
            zone = zones.setdefault(name, ZoneInfo(name))
            month = months[(name, at)] = month_of(at, zone)
        derived[(facility, products[lot_id], month)] += int(doses)
    c = m.ConsumptionMonth
    stored = {
        (facility, product, month): int(doses)
        for facility, product, month, doses in session.execute(
            select(c.facility_id, c.product_id, c.month, c.doses)
        )
    }
    return [
        f"consumption of facility {key[0]}, product {key[1]} in {key[2]:%Y-%m} is "
        f"{stored.get(key)}, lines say {derived.get(key)}"
        for key in sorted(set(derived) | set(stored))
        if stored.get(key) != derived.get(key)
    ]


def _unaccounted_shipments(
    shipments: dict[int, str],
    shipped: dict[tuple[int, int], int],
    in_transit: dict[tuple[int, int], int],
    unreceived: set[int],
) -> list[str]:
    problems: list[str] = []
    for shipment_id, lot in sorted(set(shipped) | set(in_transit)):
        status = shipments.get(shipment_id, "unknown")
        holds = in_transit.get((shipment_id, lot), 0)
        expected = shipped.get((shipment_id, lot), 0) if status == "dispatched" else 0
        if holds != expected:
            problems.append(
                f"shipment {shipment_id} ({status}): in transit holds {holds} doses of lot"
                f" {lot}, its lines say {expected}"
            )
    problems += [
        f"shipment {s} ({shipments[s]}): a line has no received quantity"
        for s in sorted(unreceived)
        if shipments.get(s) in ("received", "partially_received")
    ]
    return problems


def _utc_date(session: Session, at: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", at))
    return func.date(at)  # SQLite keeps naive UTC text


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _cumulative_problems(session: Session) -> list[str]:
    """The cumulative read model against its re-derivation from the lines."""
    line, a, mv = m.MovementLine, m.Account, m.Movement
    reversed_ = aliased(m.Movement)
    administered = a.kind == AccountKind.ADMINISTERED.value
    number = case((administered, func.coalesce(mv.dose_number, reversed_.dose_number, 0)), else_=0)
    day = _utc_date(session, line.occurred_at)
    stmt = (
        select(
            a.facility_id,
            m.Lot.product_id,
            administered,
            number,
            day,
            func.sum(line.doses),
        )
        .join(a, a.id == line.account_id)
        .join(m.Lot, m.Lot.id == line.lot_id)
        .join(mv, mv.id == line.movement_id)
        .outerjoin(reversed_, reversed_.id == mv.reverses_movement_id)
        .where(a.kind.in_(("stock", "quarantine", AccountKind.ADMINISTERED.value)))
        .group_by(a.facility_id, m.Lot.product_id, administered, number, day)
    )
    changes: dict[SeriesKey, dict[date, int]] = defaultdict(dict)
    for fid, product, is_given, n, on, total in session.execute(stmt):
        key: SeriesKey = (fid, product, ADMINISTERED if is_given else PHYSICAL, n)
        changes[key][_as_date(on)] = int(total)
    derived: dict[tuple[SeriesKey, date], tuple[int, int]] = {}
    for key, days in changes.items():
        running = 0
        for on in sorted(days):
            running += days[on]
            derived[(key, on)] = (days[on], running)
    s, d = m.CumulativeSeries, m.CumulativeDay
    stored: dict[tuple[SeriesKey, date], tuple[int, int]] = {
        ((fid, product, measure, n), _as_date(on)): (int(change), int(running))
        for fid, product, measure, n, on, change, running in session.execute(
            select(
                s.facility_id, s.product_id, s.measure, s.dose_number, d.day, d.change, d.running
            ).join(d, d.series_id == s.id)
        )
    }
    return [
        f"cumulative read model of {key[2]} at facility {key[0]}, product {key[1]}, dose "
        f"{key[3]} on {on} (change, running) is {stored.get((key, on))}, lines say "
        f"{derived.get((key, on))}"
        for key, on in sorted(set(derived) | set(stored))
        if derived.get((key, on)) != stored.get((key, on))
    ]
