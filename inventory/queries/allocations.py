"""Allocation status: allocated vs dispatched vs received vs administered, per facility and
rolled up the tree, for one product and period.

Per facility: ``allocated`` is its quota for the period: every quota whose period shares a
day with it, each its share of days inside the period (``quota_in``: all of it when the
quota's period lies inside; a third of a quarter's quota for one of its months);
``allocated_to_children`` the same of the quotas it gave;
``dispatched`` / ``received`` are doses shipped to it / received by it in the period;
``administered`` is given at the facility itself and ``administered_in_subtree`` at it and
everything below it. The period is local dates (inclusive) in the root facility's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select

from inventory import models as m
from inventory.domain.facilities import ancestor_ids
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AllocationStatus:
    facility_id: int
    code: str
    level: str
    parent_id: int | None
    allocated: int
    allocated_to_children: int
    dispatched: int
    received: int
    administered: int
    administered_in_subtree: int


def allocation_status(
    uow: UnitOfWork, facility_id: int, product_id: int, period_start: date, period_end: date
) -> list[AllocationStatus]:
    """The facility and every facility below it (ordered by path)."""
    uow.window.check_days(period_start, period_end, ("period_start", "period_end"))
    with uow:
        root = uow.repo.get(m.Facility, facility_id, "facility")
        tz = ZoneInfo(root.timezone)
        since = datetime.combine(period_start, time(0), tzinfo=tz)
        until = datetime.combine(period_end + timedelta(days=1), time(0), tzinfo=tz)
        in_tree = m.Facility.path.startswith(root.path)
        f = m.Facility
        facilities = list(
            uow.session.execute(
                select(f.id, f.code, f.level, f.parent_id, f.path).where(in_tree).order_by(f.path)
            )
        )
        allocated = _allocated(uow, in_tree, product_id, period_start, period_end)
        dispatched, received = _shipped(uow, in_tree, product_id, since, until)
        administered = _administered(uow, in_tree, product_id, since, until)
    below: dict[int, int] = defaultdict(int)
    given: dict[int, int] = defaultdict(int)
    for fid, _, _, parent_id, path in facilities:
        for ancestor in ancestor_ids(path):
            below[ancestor] += administered.get(fid, 0)
        if parent_id is not None:
            given[parent_id] += allocated.get(fid, 0)
    return [
        AllocationStatus(
            fid,
            code,
            level,
            parent_id,
            allocated.get(fid, 0),
            given.get(fid, 0),
            dispatched.get(fid, 0),
            received.get(fid, 0),
            administered.get(fid, 0),
            below.get(fid, 0),
        )
        for fid, code, level, parent_id, _ in facilities
    ]


def _allocated(
    uow: UnitOfWork, in_tree: ColumnElement[bool], product_id: int, start: date, end: date
) -> dict[int, int]:
    """Each facility's quotas of the periods that share a day with [start, end], each its
    share of days inside it (``quota_in``)."""
    a = m.Allocation
    stmt = (
        select(a.facility_id, a.doses, a.period_start, a.period_end)
        .join(m.Facility, m.Facility.id == a.facility_id)
        .where(in_tree, a.product_id == product_id, a.period_start <= end, a.period_end >= start)
    )
    found: dict[int, int] = defaultdict(int)
    for facility, doses, first, last in uow.session.execute(stmt):
        found[facility] += quota_in(doses, first, last, start, end)
    return found


def quota_in(doses: int, first: date, last: date, start: date, end: date) -> int:
    """The part of a quota of ``doses`` for the days ``first`` … ``last`` that falls in
    ``start`` … ``end``, by days, to the nearest dose (half up): all of it when its period
    lies inside, a third of a quarter's quota for one of its months."""
    days = (last - first).days + 1
    inside = (min(last, end) - max(first, start)).days + 1
    if inside <= 0:
        return 0
    if inside >= days:
        return doses
    return (2 * doses * inside + days) // (2 * days)


def _shipped(
    uow: UnitOfWork, in_tree: ColumnElement[bool], product_id: int, since: datetime, until: datetime
) -> tuple[dict[int, int], dict[int, int]]:
    s, line = m.Shipment, m.ShipmentLine
    base = (
        select(s.destination_facility_id)
        .join(line, line.shipment_id == s.id)
        .join(m.Lot, m.Lot.id == line.lot_id)
        .join(m.Facility, m.Facility.id == s.destination_facility_id)
        .where(in_tree, m.Lot.product_id == product_id)
        .group_by(s.destination_facility_id)
    )
    sent = base.add_columns(func.sum(line.dispatched_doses)).where(
        s.dispatched_at >= since, s.dispatched_at < until
    )
    got = base.add_columns(func.sum(line.received_doses)).where(
        s.received_at >= since, s.received_at < until
    )
    return (
        {f: int(d or 0) for f, d in uow.session.execute(sent)},
        {f: int(d or 0) for f, d in uow.session.execute(got)},
    )


def _administered(
    uow: UnitOfWork, in_tree: ColumnElement[bool], product_id: int, since: datetime, until: datetime
) -> dict[int, int]:
    line, a = m.MovementLine, m.Account
    stmt = (
        select(a.facility_id, func.sum(line.doses))
        .join(a, a.id == line.account_id)
        .join(m.Lot, m.Lot.id == line.lot_id)
        .join(m.Facility, m.Facility.id == a.facility_id)
        .where(
            in_tree,
            a.kind == "administered",
            m.Lot.product_id == product_id,
            line.occurred_at >= since,
            line.occurred_at < until,
        )
        .group_by(a.facility_id)
    )
    return {f: int(d) for f, d in uow.session.execute(stmt) if f is not None}
