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
from collections.abc import Sequence
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
    """One facility's (or one subtree's, summed) figures for one product on the day."""

    opening: int = 0
    received: int = 0
    issued: int = 0
    administered: int = 0
    wasted: int = 0
    net: int = 0  # every physical line of the day
    doses: dict[int | None, list[int]] = field(default_factory=dict)  # dose → [day, cumulative]
    # dose → (daily target, target population, daily target × days so far of its period)
    targets: dict[int, tuple[int, int | None, int]] = field(default_factory=dict)
    eligible: int | None = None

    def add(self, other: _Tally) -> None:
        """Add another facility's figures for the product (a roll-up)."""
        self.opening += other.opening
        self.received += other.received
        self.issued += other.issued
        self.administered += other.administered
        self.wasted += other.wasted
        self.net += other.net
        for number, (day, cumulative) in other.doses.items():
            mine = self.doses.setdefault(number, [0, 0])
            mine[0] += day
            mine[1] += cumulative
        for number, (target, population, so_far) in other.targets.items():
            had = self.targets.get(number)
            if had is None:
                self.targets[number] = (target, population, so_far)
            else:
                self.targets[number] = (
                    had[0] + target,
                    _plus(had[1], population),
                    had[2] + so_far,
                )
        self.eligible = _plus(self.eligible, other.eligible)


def _plus(a: int | None, b: int | None) -> int | None:
    """Sum of the figures given (None when neither is)."""
    if a is None:
        return b
    return a if b is None else a + b


@dataclass(frozen=True)
class _Zone:
    """The subtree's facilities in one time zone: their local day as UTC instants
    [start, end), and a sub-select of their ids (not thousands of ids sent as parameters)."""

    start: datetime
    end: datetime
    ids: Select[int]


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
        f = m.Facility
        in_subtree = f.path.startswith(root_path)
        facilities = subtree_rows(uow, root_path)
        local = {zone: local_days(day, day, zone) for zone in {row.timezone for row in facilities}}
        zones = [
            _Zone(*local[zone], select(f.id).where(in_subtree, f.timezone == zone))
            for zone in sorted(local)
        ]
        everywhere = select(f.id).where(in_subtree)
        tallies: dict[tuple[int, int], _Tally] = defaultdict(_Tally)
        before = _running_before(uow, zones)
        _opening(uow, zones, before, tallies)
        _flows(uow, zones, tallies)
        _administered(uow, zones, before, tallies)
        _targets(uow, everywhere, day, tallies)
        _eligible(uow, everywhere, day, tallies)
        codes: dict[int, str] = dict(
            _rows(  # type: ignore[arg-type]
                uow,
                select(m.Product.id, m.Product.code).where(
                    m.Product.id.in_({product for _, product in tallies})
                ),
            )
        )
    own: dict[int, dict[int, _Tally]] = defaultdict(dict)
    for (fid, product), tally in tallies.items():
        own[fid][product] = tally
    subtree = _roll_up(facilities, own)
    if levels is not None:
        depth = len(ancestor_ids(root_path))
        facilities = [r for r in facilities if len(ancestor_ids(r.path)) - depth <= levels]
    entries = []
    for row in facilities:
        mine = _products(own.get(row.id, {}), codes)
        summed = subtree.get(row.id)
        entries.append(
            FacilityDay(
                row.id,
                row.code,
                row.name,
                row.level,
                row.parent_id,
                *local[row.timezone],
                mine,
                mine if summed is None else _products(summed, codes),
            )
        )
    return DailyDosesReport(day, tuple(entries))


def _roll_up(
    facilities: Sequence[Any], own: dict[int, dict[int, _Tally]]
) -> dict[int, dict[int, _Tally]]:
    """Per facility with anything below it, its subtree's tallies per product (itself
    included), summed bottom-up in one pass: ``facilities`` are in path order, so in reverse
    every facility comes after everything below it. A leaf (most sites) has no entry: its
    subtree is itself."""
    subtree: dict[int, dict[int, _Tally]] = {}
    for row in reversed(facilities):
        summed = subtree.get(row.id)
        if summed is not None:
            for product, tally in own.get(row.id, {}).items():
                summed.setdefault(product, _Tally()).add(tally)
        if row.parent_id is None or row.id == facilities[0].id:
            continue
        into = subtree.setdefault(row.parent_id, {})
        for product, tally in (summed if summed is not None else own.get(row.id, {})).items():
            into.setdefault(product, _Tally()).add(tally)
    return subtree


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
    zones: list[_Zone],
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
    for zone in zones:
        since = (
            _lines(a.facility_id, m.Lot.product_id, func.sum(line.doses))
            .where(
                a.kind.in_(_PHYSICAL),
                a.facility_id.in_(zone.ids),
                line.occurred_at >= _utc_midnight(zone.start),
                line.occurred_at < zone.start,
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
    uow: UnitOfWork, zones: list[_Zone]
) -> dict[tuple[int, int, str, int], int | None]:
    """Every series of the facilities with its running total at the end of the latest UTC
    day before the one its facility's day starts on (None: the series has no earlier day):
    one index seek per series."""
    s, d = m.CumulativeSeries, m.CumulativeDay
    found: dict[tuple[int, int, str, int], int | None] = {}
    for zone in zones:
        before = (
            select(d.running)
            .where(d.series_id == s.id, d.day < utc_day(zone.start))
            .order_by(d.day.desc())
            .limit(1)
            .scalar_subquery()
        )
        stmt = select(s.facility_id, s.product_id, s.measure, s.dose_number, before).where(
            s.facility_id.in_(zone.ids)
        )
        for fid, product, measure, number, running in _rows(uow, stmt):
            found[(fid, product, measure, number)] = None if running is None else int(running)
    return found


def _flows(uow: UnitOfWork, zones: list[_Zone], tallies: dict[tuple[int, int], _Tally]) -> None:
    line, a = _LINE, _ACCOUNT
    for zone in zones:
        stmt = _lines(
            a.facility_id,
            m.Lot.product_id,
            line.doses,
            _MOVEMENT.kind,
            _REVERSED.kind,
            movements=True,
        ).where(
            a.kind.in_(_PHYSICAL),
            a.facility_id.in_(zone.ids),
            line.occurred_at >= zone.start,
            line.occurred_at < zone.end,
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
    zones: list[_Zone],
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
    for zone in zones:
        on_day = func.sum(line.doses).filter(line.occurred_at >= zone.start)
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
                a.facility_id.in_(zone.ids),
                line.occurred_at >= _utc_midnight(zone.start),
                line.occurred_at < zone.end,
            )
            .group_by(a.facility_id, m.Lot.product_id, dose_number)
        )
        for fid, product, number, today, since in _rows(uow, stmt):
            assert fid is not None
            figures = tallies[(fid, product)].doses.setdefault(number, [0, 0])
            figures[0] += int(today or 0)
            figures[1] += int(since)


def _targets(
    uow: UnitOfWork, ids: Select[int], day: date, tallies: dict[tuple[int, int], _Tally]
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
        tally.targets[number] = (target, population, target * ((day - start).days + 1))
        tally.doses.setdefault(number, [0, 0])


def _eligible(
    uow: UnitOfWork, ids: Select[int], day: date, tallies: dict[tuple[int, int], _Tally]
) -> None:
    e = m.EligiblePopulation
    stmt = select(e.facility_id, e.product_id, e.population).where(
        e.facility_id.in_(ids), e.year == day.year
    )
    for fid, product, population in _rows(uow, stmt):
        tallies[(fid, product)].eligible = population


def _products(tallies: dict[int, _Tally], codes: dict[int, str]) -> tuple[ProductDay, ...]:
    """A facility's (or a subtree's) figures per product, by product code."""
    return tuple(
        _product_day(product, codes[product], tally)
        for product, tally in sorted(tallies.items(), key=lambda kv: codes[kv[0]])
    )


def _product_day(product: int, code: str, t: _Tally) -> ProductDay:
    reconciliation = Reconciliation(
        t.opening, t.received, t.issued, t.administered, t.wasted, t.opening + t.net
    )
    lines = []
    for number in sorted(t.doses, key=lambda n: (n is None, n if n else 0)):
        day, cumulative = t.doses[number]
        target = t.targets.get(number) if number is not None else None
        lines.append(
            DoseLine(
                number,
                day,
                None if target is None else target[0],
                cumulative,
                None if target is None else target[1],
                t.eligible,
                None if target is None else target[2],
            )
        )
    return ProductDay(product, code, reconciliation, tuple(lines), t.eligible, _dropouts(lines))


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
    return uow.session.connection().execute(stmt).all()
