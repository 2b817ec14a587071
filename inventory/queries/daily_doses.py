"""The daily doses report (domain rule 22): per site, product and dose number, the doses
given on a local day against the daily target, with cumulative coverage; per site and
product, the stock reconciliation ``opening + received − issued − administered − wasted =
closing``, a non-zero difference flagged; and the same figures rolled up the tree (county,
city, province).

Each facility's day is its own local day (its IANA zone). Stock is physical stock: usable
plus quarantined doses in the facility's storage units. Flows are classified by the kind of
movement (a reversal by the kind it reverses, with the opposite sign): receipts and
shipment receipts are *received*, dispatches *issued*, administrations *administered*,
wastage and destruction *wasted*; transfers, quarantine, release and recall move doses
inside the facility. A count posts its difference to the adjustment account, which no term
of the formula explains: that is what the *difference* shows (doses found or missing).
*Cumulative* counts every dose of that number given up to the end of the day.

Opening stock and the doses to date come from the cumulative read model
(``domain/cumulative.py``, ``repository/cumulative.py``: a running total per facility,
product and UTC day) plus the lines of the UTC day the local day starts on, so a day deep in
a long history reads a few rows per facility and product rather than every line before it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from inventory import models as m
from inventory.domain.accounts import AccountKind
from inventory.domain.cumulative import ADMINISTERED, PHYSICAL, utc_day
from inventory.domain.facilities import ancestor_ids
from inventory.domain.movements import MovementKind
from inventory.domain.time_window import local_days
from inventory.queries.places import subtree_rows
from inventory.unit_of_work import UnitOfWork

_PHYSICAL = (AccountKind.STOCK.value, AccountKind.QUARANTINE.value)
_RECEIVED = {
    MovementKind.RECEIPT.value,
    MovementKind.SHIPMENT_RECEIPT.value,
    MovementKind.RETURN_RECEIPT.value,  # a refused shipment received back at the sender
    # a refusal recorded before the return leg existed posted straight into the sender's
    # quarantine; a refusal now moves nothing physical (the doses are on the road back)
    MovementKind.SHIPMENT_RETURN.value,
}
_ISSUED = {MovementKind.DISPATCH.value}
_ADMINISTERED = {MovementKind.ADMINISTRATION.value}
_WASTED = {MovementKind.WASTAGE.value, MovementKind.DESTRUCTION.value}


@dataclass(frozen=True)
class DoseLine:
    """One dose number of one product: at a site, or summed over a subtree."""

    dose_number: int | None  # None: administrations recorded without a dose number
    administered: int  # on the day
    daily_target: int | None  # None: no target covers the day
    cumulative: int  # every dose of this number given up to the end of the day
    target_population: int | None  # the dose target's population (None: not given)
    eligible: int | None = None  # the sites' eligible population for the product and year
    cumulative_target: int | None = None  # the straight line: daily target × days so far

    @property
    def percent_of_target(self) -> float | None:
        if not self.daily_target:
            return None
        return round(100 * self.administered / self.daily_target, 1)

    @property
    def coverage_percent(self) -> float | None:
        """Cumulative doses ÷ the eligible population (else the target's population)."""
        denominator = self.eligible if self.eligible is not None else self.target_population
        if not denominator:
            return None
        return round(100 * self.cumulative / denominator, 1)

    @property
    def percent_of_cumulative_target(self) -> float | None:
        if not self.cumulative_target:
            return None
        return round(100 * self.cumulative / self.cumulative_target, 1)


@dataclass(frozen=True)
class Dropout:
    """Of the people given dose ``first``, the share not (yet) given dose ``then``:
    (cumulative first − cumulative then) ÷ cumulative first × 100."""

    first: int
    then: int
    percent: float


@dataclass(frozen=True)
class Reconciliation:
    opening: int
    received: int
    issued: int
    administered: int
    wasted: int
    closing: int

    @property
    def difference(self) -> int:
        """Doses the formula does not explain (count adjustments); 0 when it balances."""
        return (
            self.opening
            + self.received
            - self.issued
            - self.administered
            - self.wasted
            - self.closing
        )

    @property
    def flagged(self) -> bool:
        return self.difference != 0


@dataclass(frozen=True)
class ProductDay:
    product_id: int
    product_code: str
    reconciliation: Reconciliation
    doses: tuple[DoseLine, ...]
    eligible: int | None = None  # the eligible population for the product and the day's year
    dropouts: tuple[Dropout, ...] = ()  # between consecutive dose numbers


@dataclass(frozen=True)
class FacilityDay:
    facility_id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    start: datetime  # the facility's local day, as UTC instants [start, end)
    end: datetime
    own: tuple[ProductDay, ...]  # at the facility itself
    subtree: tuple[ProductDay, ...]  # at it and everywhere below it


@dataclass(frozen=True)
class DailyDosesReport:
    day: date
    facilities: tuple[FacilityDay, ...]  # the root first, then by tree path

    @property
    def flagged(self) -> tuple[str, ...]:
        """Codes of the facilities whose own reconciliation does not balance."""
        return tuple(
            f.code for f in self.facilities if any(p.reconciliation.flagged for p in f.own)
        )


@dataclass
class _Tally:
    opening: int = 0
    received: int = 0
    issued: int = 0
    administered: int = 0
    wasted: int = 0
    net: int = 0  # every physical line of the day
    doses: dict[int | None, list[int]] = field(default_factory=dict)  # dose → [day, cumulative]
    targets: dict[int, tuple[int, int | None, int]] = field(default_factory=dict)  # days so far
    eligible: int | None = None


def daily_doses_report(
    uow: UnitOfWork, facility_id: int, day: date, *, levels: int | None = None
) -> DailyDosesReport:
    """The report for ``day`` over the facility and everything below it. With ``levels``,
    ``facilities`` holds the facility and those at most ``levels`` below it (each with its
    whole subtree's figures): a page showing a province and its cities builds 16 entries,
    not one per site."""
    uow.window.check_day("day", day)
    with uow:
        root_path = uow.repo.get(m.Facility, facility_id, "facility").path
        facilities = subtree_rows(uow, root_path)
        zones = {zone: local_days(day, day, zone) for zone in {row.timezone for row in facilities}}
        windows = {row.id: zones[row.timezone] for row in facilities}
        ids = list(windows)
        tallies: dict[tuple[int, int], _Tally] = defaultdict(_Tally)
        before = _running_before(uow, ids, windows)
        _opening(uow, ids, windows, before, tallies)
        _flows(uow, ids, windows, tallies)
        _administered(uow, ids, windows, before, tallies)
        _targets(uow, ids, day, tallies)
        _eligible(uow, ids, day, tallies)
        codes = dict(
            _rows(
                uow,
                select(m.Product.id, m.Product.code).where(
                    m.Product.id.in_({product for _, product in tallies})
                ),
            ).all()
        )
    below: dict[int, list[int]] = defaultdict(list)
    for row in facilities:
        for ancestor in ancestor_ids(row.path):
            below[ancestor].append(row.id)
    by_facility: dict[int, list[tuple[int, _Tally]]] = defaultdict(list)
    for (fid, product), tally in tallies.items():
        by_facility[fid].append((product, tally))
    if levels is not None:
        depth = len(ancestor_ids(root_path))
        facilities = [r for r in facilities if len(ancestor_ids(r.path)) - depth <= levels]
    return DailyDosesReport(
        day,
        tuple(
            FacilityDay(
                row.id,
                row.code,
                row.name,
                row.level,
                row.parent_id,
                *windows[row.id],
                *_own_and_subtree(by_facility, row.id, below[row.id], codes),
            )
            for row in facilities
        ),
    )


def _own_and_subtree(
    by_facility: dict[int, list[tuple[int, _Tally]]],
    facility_id: int,
    below: list[int],
    codes: dict[int, str],
) -> tuple[tuple[ProductDay, ...], tuple[ProductDay, ...]]:
    own = _products(by_facility, [facility_id], codes)
    if below == [facility_id]:  # a leaf (most sites): its subtree is itself
        return own, own
    return own, _products(by_facility, below, codes)


def _by_window(
    ids: list[int], windows: dict[int, tuple[datetime, datetime]]
) -> dict[tuple[datetime, datetime], list[int]]:
    """Facilities grouped by their local day as UTC instants: one query per group (one for
    a province in one zone)."""
    groups: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
    for fid in ids:
        groups[windows[fid]].append(fid)
    return groups


_LINE, _ACCOUNT, _MOVEMENT = m.MovementLine, m.Account, m.Movement
_REVERSED = aliased(m.Movement)  # the movement a reversal reverses (outer-joined)


def _lines(*columns: Any, movements: bool = False) -> Select[Any]:
    """A select over movement lines with their account and lot (``m.Lot``) joined, and with
    ``movements`` also their movement (``_MOVEMENT``) and what it reverses (``_REVERSED``)."""
    stmt = (
        select(*columns)
        .join(_ACCOUNT, _ACCOUNT.id == _LINE.account_id)
        .join(m.Lot, m.Lot.id == _LINE.lot_id)
    )
    if movements:
        stmt = stmt.join(_MOVEMENT, _MOVEMENT.id == _LINE.movement_id).outerjoin(
            _REVERSED, _REVERSED.id == _MOVEMENT.reverses_movement_id
        )
    return stmt


def _opening(
    uow: UnitOfWork,
    ids: list[int],
    windows: dict[int, tuple[datetime, datetime]],
    before: dict[tuple[int, int, str, int], int | None],
    tallies: dict[tuple[int, int], _Tally],
) -> None:
    """Physical stock at the start of the day: the cumulative read model's running total
    before the UTC day the local day starts on, plus that UTC day's lines before the start
    (a few index seeks per facility and product, whatever the length of the history)."""
    line, a = _LINE, _ACCOUNT
    for (fid, product, measure, _number), running in before.items():
        if measure == PHYSICAL:
            tallies[(fid, product)].opening += running or 0
    for (start, _), group in _by_window(ids, windows).items():
        since = (
            _lines(a.facility_id, m.Lot.product_id, func.sum(line.doses))
            .where(
                a.kind.in_(_PHYSICAL),
                a.facility_id.in_(group),
                line.occurred_at >= _utc_midnight(start),
                line.occurred_at < start,
            )
            .group_by(a.facility_id, m.Lot.product_id)
        )
        for fid, product, doses in _rows(uow, since):
            assert fid is not None
            tallies[(fid, product)].opening += int(doses)


def _utc_midnight(at: datetime) -> datetime:
    """The start of the UTC day of ``at`` (the read model's days are UTC days)."""
    return datetime.combine(utc_day(at), time(0), tzinfo=UTC)


def _running_before(
    uow: UnitOfWork, ids: list[int], windows: dict[int, tuple[datetime, datetime]]
) -> dict[tuple[int, int, str, int], int | None]:
    """Every series of the facilities with its running total at the end of the latest UTC
    day before the one its facility's day starts on (None: the series has no earlier day):
    one index seek per series."""
    s, d = m.CumulativeSeries, m.CumulativeDay
    found: dict[tuple[int, int, str, int], int | None] = {}
    for (start, _), group in _by_window(ids, windows).items():
        before = (
            select(d.running)
            .where(d.series_id == s.id, d.day < utc_day(start))
            .order_by(d.day.desc())
            .limit(1)
            .scalar_subquery()
        )
        stmt = select(s.facility_id, s.product_id, s.measure, s.dose_number, before).where(
            s.facility_id.in_(group)
        )
        for fid, product, measure, number, running in _rows(uow, stmt):
            found[(fid, product, measure, number)] = None if running is None else int(running)
    return found


def _flows(
    uow: UnitOfWork,
    ids: list[int],
    windows: dict[int, tuple[datetime, datetime]],
    tallies: dict[tuple[int, int], _Tally],
) -> None:
    line, a = _LINE, _ACCOUNT
    for (start, end), group in _by_window(ids, windows).items():
        stmt = _lines(
            a.facility_id,
            m.Lot.product_id,
            line.doses,
            _MOVEMENT.kind,
            _REVERSED.kind,
            movements=True,
        ).where(
            a.kind.in_(_PHYSICAL),
            a.facility_id.in_(group),
            line.occurred_at >= start,
            line.occurred_at < end,
        )
        for fid, product, doses, kind, reversed_kind in _rows(uow, stmt):
            assert fid is not None
            tally = tallies[(fid, product)]
            tally.net += doses
            effective = reversed_kind if kind == MovementKind.REVERSAL.value else kind
            if effective in _RECEIVED:
                tally.received += doses
            elif effective in _ISSUED:
                tally.issued -= doses
            elif effective in _ADMINISTERED:
                tally.administered -= doses
            elif effective in _WASTED:
                tally.wasted -= doses


def _administered(
    uow: UnitOfWork,
    ids: list[int],
    windows: dict[int, tuple[datetime, datetime]],
    before: dict[tuple[int, int, str, int], int | None],
    tallies: dict[tuple[int, int], _Tally],
) -> None:
    """Doses given per dose number: on the day, and in all up to its end (the read model's
    running total before the day's first UTC day, plus the lines from then to the end)."""
    line, a = _LINE, _ACCOUNT
    dose_number = func.coalesce(_MOVEMENT.dose_number, _REVERSED.dose_number)
    for (fid, product, measure, number), running in before.items():
        if measure == ADMINISTERED and running is not None:
            tallies[(fid, product)].doses[number or None] = [0, running]
    for (start, end), group in _by_window(ids, windows).items():
        on_day = func.sum(line.doses).filter(line.occurred_at >= start)
        stmt = (
            _lines(
                a.facility_id,
                m.Lot.product_id,
                dose_number,
                on_day,
                func.sum(line.doses),
                movements=True,
            )
            .where(
                a.kind == AccountKind.ADMINISTERED.value,
                a.facility_id.in_(group),
                line.occurred_at >= _utc_midnight(start),
                line.occurred_at < end,
            )
            .group_by(a.facility_id, m.Lot.product_id, dose_number)
        )
        for fid, product, number, today, since in _rows(uow, stmt):
            assert fid is not None
            figures = tallies[(fid, product)].doses.setdefault(number, [0, 0])
            figures[0] += int(today or 0)
            figures[1] += int(since)


def _targets(
    uow: UnitOfWork, ids: list[int], day: date, tallies: dict[tuple[int, int], _Tally]
) -> None:
    t = m.DoseTarget
    stmt = select(
        t.facility_id,
        t.product_id,
        t.dose_number,
        t.daily_target,
        t.target_population,
        t.period_start,
    ).where(t.facility_id.in_(ids), t.period_start <= day, t.period_end >= day)
    for fid, product, number, target, population, start in _rows(uow, stmt):
        tally = tallies[(fid, product)]
        tally.targets[number] = (target, population, (day - start).days + 1)
        tally.doses.setdefault(number, [0, 0])


def _eligible(
    uow: UnitOfWork, ids: list[int], day: date, tallies: dict[tuple[int, int], _Tally]
) -> None:
    e = m.EligiblePopulation
    stmt = select(e.facility_id, e.product_id, e.population).where(
        e.facility_id.in_(ids), e.year == day.year
    )
    for fid, product, population in _rows(uow, stmt):
        tallies[(fid, product)].eligible = population


def _products(
    by_facility: dict[int, list[tuple[int, _Tally]]],
    facility_ids: list[int],
    codes: dict[int, str],
) -> tuple[ProductDay, ...]:
    """The facilities' figures per product, summed (one facility: its own)."""
    products: dict[int, list[_Tally]] = defaultdict(list)
    for fid in facility_ids:
        for product, tally in by_facility.get(fid, ()):
            products[product].append(tally)
    return tuple(
        _product_day(product, codes[product], group)
        for product, group in sorted(products.items(), key=lambda kv: codes[kv[0]])
    )


def _product_day(product: int, code: str, tallies: list[_Tally]) -> ProductDay:
    opening = sum(t.opening for t in tallies)
    reconciliation = Reconciliation(
        opening,
        sum(t.received for t in tallies),
        sum(t.issued for t in tallies),
        sum(t.administered for t in tallies),
        sum(t.wasted for t in tallies),
        opening + sum(t.net for t in tallies),
    )
    numbers = sorted(
        {n for t in tallies for n in t.doses}, key=lambda n: (n is None, n if n else 0)
    )
    eligibles = [t.eligible for t in tallies if t.eligible is not None]
    eligible = sum(eligibles) if eligibles else None
    lines = []
    for number in numbers:
        targets = [t.targets[number] for t in tallies if number in t.targets]
        populations = [p for _, p, _ in targets if p is not None]
        lines.append(
            DoseLine(
                number,
                sum(t.doses[number][0] for t in tallies if number in t.doses),
                sum(target for target, _, _ in targets) if targets else None,
                sum(t.doses[number][1] for t in tallies if number in t.doses),
                sum(populations) if populations else None,
                eligible,
                sum(target * days for target, _, days in targets) if targets else None,
            )
        )
    return ProductDay(product, code, reconciliation, tuple(lines), eligible, _dropouts(lines))


def _dropouts(lines: list[DoseLine]) -> tuple[Dropout, ...]:
    given = {line.dose_number: line.cumulative for line in lines if line.dose_number}
    numbers = sorted(given)
    return tuple(
        Dropout(a, b, round(100 * (given[a] - given[b]) / given[a], 1))
        for a, b in itertools.pairwise(numbers)
        if b == a + 1 and given[a] > 0
    )


@dataclass(frozen=True)
class DosesByDay:
    """One product and dose number over the facility's subtree: doses given to date at the
    end of each day of a span (the chart of cumulative doses against the target line)."""

    product_id: int
    dose_number: int | None
    days: tuple[date, ...]
    cumulative: tuple[int, ...]


def doses_to_date_by_day(
    uow: UnitOfWork, facility_id: int, last: date, days: int
) -> tuple[DosesByDay, ...]:
    """Doses given to date over the facility's subtree at the end of each of the ``days``
    UTC days up to ``last`` (the cumulative read model's days: one grouped read of the
    subtree's day rows in the span, and one index seek per series for the total before it),
    per product and dose number with any dose given by then."""
    uow.window.check_day("day", last)
    first = last - timedelta(days=days - 1)
    s, d = m.CumulativeSeries, m.CumulativeDay
    with uow:
        root = uow.repo.get(m.Facility, facility_id, "facility")
        subtree = select(m.Facility.id).where(m.Facility.path.startswith(root.path))
        mine = (s.facility_id.in_(subtree), s.measure == ADMINISTERED)
        before = (
            select(d.running)
            .where(d.series_id == s.id, d.day < first)
            .order_by(d.day.desc())
            .limit(1)
            .scalar_subquery()
        )
        start: dict[tuple[int, int], int] = defaultdict(int)
        for product, number, running in _rows(
            uow,
            select(s.product_id, s.dose_number, func.sum(before))
            .where(*mine)
            .group_by(s.product_id, s.dose_number),
        ):
            if running is not None:
                start[(product, number)] = int(running)
        changes: dict[tuple[int, int], dict[date, int]] = defaultdict(dict)
        for product, number, day, change in _rows(
            uow,
            select(s.product_id, s.dose_number, d.day, func.sum(d.change))
            .join(d, d.series_id == s.id)
            .where(*mine, d.day >= first, d.day <= last)
            .group_by(s.product_id, s.dose_number, d.day),
        ):
            changes[(product, number)][day] = int(change)
    span = tuple(first + timedelta(days=k) for k in range(days))
    result = []
    for product, number in sorted(set(start) | set(changes)):
        running = start.get((product, number), 0)
        points = []
        for day in span:
            running += changes.get((product, number), {}).get(day, 0)
            points.append(running)
        result.append(DosesByDay(product, number or None, span, tuple(points)))
    return tuple(result)


def _rows(uow: UnitOfWork, stmt: Any) -> Any:
    """Run a Core select on the unit of work's connection (without the ORM's row handling:
    the province's report reads tens of thousands of rows)."""
    return uow.session.connection().execute(stmt)
