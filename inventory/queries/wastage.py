"""The wastage report: doses administered and wasted per facility and product over a period,
by reason and by open or closed vial, with the programme's published ratios.

Over a period of local days (each facility's own zone, both days included) and a facility's
subtree, per facility (its own figures and its subtree's) and product:

- *administered*: doses posted to the facility's administered account;
- *wasted*, per reason: doses posted to its wasted accounts (``WastageReason``). Open-vial
  wastage is what was discarded from an opened vial (``opened_vial_discarded``); every other
  reason (expired, heat or freeze damage, broken, VVM, lost, recalled) is closed-vial
  wastage: the vial was never opened;
- *used* = administered + wasted: the doses taken out of usable stock for use or loss at
  the facility (what the published formulas call doses issued);
- usage rate = administered ÷ used × 100; wastage rate = 100 − usage rate; wastage factor
  = 100 ÷ (100 − wastage rate) (= used ÷ administered). A rate is ``None`` when nothing was
  used; the factor is ``None`` when nothing was administered.

A reversal posts the opposite lines, so a reversed wastage or administration counts zero.
Doses dispatched down the tree are not used: a store that only distributes has no wastage
rate of its own, while its subtree figures include every clinic below it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from inventory import models as m
from inventory.domain.accounts import AccountKind, WastageReason
from inventory.domain.facilities import ancestor_ids
from inventory.domain.time_window import local_days
from inventory.queries.places import subtree_rows
from inventory.unit_of_work import UnitOfWork

OPEN_VIAL_REASONS = frozenset({WastageReason.OPENED_VIAL_DISCARDED})


@dataclass(frozen=True)
class WastageFigures:
    product_id: int
    product_code: str
    administered: int
    wasted_by_reason: tuple[tuple[WastageReason, int], ...]  # reasons with doses, by name

    @property
    def wasted(self) -> int:
        return sum(doses for _, doses in self.wasted_by_reason)

    @property
    def open_vial_wasted(self) -> int:
        return sum(d for reason, d in self.wasted_by_reason if reason in OPEN_VIAL_REASONS)

    @property
    def closed_vial_wasted(self) -> int:
        return self.wasted - self.open_vial_wasted

    @property
    def used(self) -> int:
        return self.administered + self.wasted

    @property
    def usage_rate(self) -> float | None:
        return None if self.used <= 0 else round(100 * self.administered / self.used, 1)

    @property
    def wastage_rate(self) -> float | None:
        usage = self.usage_rate
        return None if usage is None else round(100 - usage, 1)

    @property
    def wastage_factor(self) -> float | None:
        if self.administered <= 0 or self.used <= 0:
            return None
        return round(self.used / self.administered, 2)


@dataclass(frozen=True)
class FacilityWastage:
    facility_id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    own: tuple[WastageFigures, ...]  # by product code
    subtree: tuple[WastageFigures, ...]


@dataclass(frozen=True)
class WastageReport:
    first: date
    last: date
    facilities: tuple[FacilityWastage, ...]  # the root first, then by tree path


def wastage_report(uow: UnitOfWork, facility_id: int, first: date, last: date) -> WastageReport:
    """The report over ``first`` … ``last`` (local days, both included) and the subtree."""
    uow.window.check_days(first, last, ("first", "last"))
    with uow:
        root = uow.repo.get(m.Facility, facility_id, "facility")
        facilities = subtree_rows(uow, root.path)
        groups: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
        for row in facilities:
            groups[local_days(first, last, row.timezone)].append(row.id)
        # (facility, product) -> {None: administered, reason: wasted}
        sums: dict[tuple[int, int], dict[str | None, int]] = defaultdict(dict)
        line, a = m.MovementLine, m.Account
        for (start, end), ids in groups.items():
            stmt = (
                select(a.facility_id, m.Lot.product_id, a.kind, a.reason, func.sum(line.doses))
                .join(a, a.id == line.account_id)
                .join(m.Lot, m.Lot.id == line.lot_id)
                .where(
                    a.kind.in_((AccountKind.ADMINISTERED.value, AccountKind.WASTED.value)),
                    a.facility_id.in_(ids),
                    line.occurred_at >= start,
                    line.occurred_at < end,
                )
                .group_by(a.facility_id, m.Lot.product_id, a.kind, a.reason)
            )
            for fid, product, kind, reason, doses in uow.session.execute(stmt):
                assert fid is not None  # administered and wasted accounts name a facility
                key = None if kind == AccountKind.ADMINISTERED.value else reason
                sums[(fid, product)][key] = int(doses)
        codes = dict(
            uow.session.execute(
                select(m.Product.id, m.Product.code).where(
                    m.Product.id.in_({product for _, product in sums})
                )
            ).all()
        )
    below: dict[int, list[int]] = defaultdict(list)
    for row in facilities:
        for ancestor in ancestor_ids(row.path):
            below[ancestor].append(row.id)
    # Grouped by facility once, so each roll-up reads only its own subtree's figures.
    by_facility: dict[int, list[tuple[int, dict[str | None, int]]]] = defaultdict(list)
    for (fid, product), by_key in sums.items():
        by_facility[fid].append((product, by_key))
    return WastageReport(
        first,
        last,
        tuple(
            FacilityWastage(
                row.id,
                row.code,
                row.name,
                row.level,
                row.parent_id,
                _figures(by_facility, [row.id], codes),
                _figures(by_facility, below[row.id], codes),
            )
            for row in facilities
        ),
    )


def _figures(
    by_facility: dict[int, list[tuple[int, dict[str | None, int]]]],
    facility_ids: list[int],
    codes: dict[int, str],
) -> tuple[WastageFigures, ...]:
    totals: dict[int, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for fid in facility_ids:
        for product, by_key in by_facility.get(fid, ()):
            for key, doses in by_key.items():
                totals[product][key] += doses
    figures = []
    for product, by_key in totals.items():
        reasons = tuple(
            (WastageReason(key), doses)
            for key, doses in sorted((k, d) for k, d in by_key.items() if k is not None)
            if doses
        )
        administered = by_key.get(None, 0)
        if administered or reasons:
            figures.append(WastageFigures(product, codes[product], administered, reasons))
    return tuple(sorted(figures, key=lambda fig: fig.product_code))
