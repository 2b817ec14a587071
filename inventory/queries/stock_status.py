"""The stock status report (rule 25): months of stock per facility and product against its
minimum and maximum, and the lots that will expire before they can be used.

Per facility of the subtree and product:

- ``on_hand``: usable doses in the facility's own storage units; ``on_hand_in_subtree``:
  the same at it and everywhere below it (held stock is never counted: it cannot be used);
- ``amc``: the average monthly consumption of the facility and everything below it (doses
  administered + wasted; the mean of the last 3 of the 12 full calendar months before the
  report's month that had any), in the root facility's time zone;
- ``months_of_stock`` = on_hand ÷ amc: how long the facility's own stock serves everyone
  it supplies; ``months_of_stock_in_subtree`` = on_hand_in_subtree ÷ amc: the same for the
  level including everything below it;
- ``status``: ``months_of_stock`` against the facility's minimum and maximum (set with
  ``set_stock_level``, else its level's default);
- ``expiring``: the lots of the subtree that will not be used up before their expiry at the
  AMC (earliest expiry first), with the doses that will be left.

Cost: one query for balances, one for the 12 months of consumption from the read model
``consumption_months`` (a row per facility, product and month: a few thousand rows for a
province, whatever the length of the ledger), one for levels. A facility of the subtree in
another time zone than the root's has its consumption re-derived from its own lines (its read
model counts its own months). The roll-ups are done once, children before parents, each
facility adding its subtree's figures to its parent's: linear in the facilities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select

from inventory import models as m
from inventory.domain.accounts import AccountKind
from inventory.domain.facilities import FacilityLevel
from inventory.domain.stock_levels import (
    AMC_LOOK_BACK,
    CONSUMPTION_ACCOUNT_KINDS,
    DEFAULT_LEVELS,
    ExpiryRisk,
    LotStock,
    StockStatus,
    add_months,
    average_monthly_consumption,
    classify,
    expiry_risks,
    month_start,
    months_of_stock,
)
from inventory.queries.places import subtree_rows
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ProductStockStatus:
    product_id: int
    product_code: str
    on_hand: int
    on_hand_in_subtree: int
    amc: float | None
    months_of_stock: float | None
    months_of_stock_in_subtree: float | None
    min_months: float
    max_months: float
    levels_set: bool  # False: the level's default
    status: StockStatus
    expiring: tuple[ExpiryRisk, ...]


@dataclass(frozen=True)
class FacilityStockStatus:
    facility_id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    products: tuple[ProductStockStatus, ...]  # by product code


@dataclass(frozen=True)
class StockStatusReport:
    on: date  # the report's day, in the root facility's zone
    facilities: tuple[FacilityStockStatus, ...]  # the root first, then by tree path

    @property
    def understocked(self) -> tuple[tuple[str, str], ...]:
        """(facility code, product code) of every understocked line."""
        return tuple(
            (f.code, p.product_code)
            for f in self.facilities
            for p in f.products
            if p.status is StockStatus.UNDERSTOCK
        )


def stock_status(uow: UnitOfWork, facility_id: int) -> StockStatusReport:
    """The report for the facility and everything below it, as of now (``uow.clock``)."""
    with uow:
        root = uow.repo.get(m.Facility, facility_id, "facility")
        zone = ZoneInfo(root.timezone)
        today = uow.clock().astimezone(zone).date()
        f = m.Facility
        facilities = subtree_rows(uow, root.path)
        in_scope = f.path.startswith(root.path)
        lots = _usable_lots(uow, in_scope)
        used = _used_by_month(uow, root.path, today, zone)
        elsewhere = [row.id for row in facilities if row.timezone != root.timezone]
        if elsewhere:  # their read model counts their own months, not the root's
            used.update(_used_by_month_from_lines(uow, elsewhere, today, zone))
        levels = {
            (fid, pid): (low, high)
            for fid, pid, low, high in uow.session.execute(
                select(
                    m.StockLevel.facility_id,
                    m.StockLevel.product_id,
                    m.StockLevel.min_months,
                    m.StockLevel.max_months,
                )
                .join(f, f.id == m.StockLevel.facility_id)
                .where(in_scope)
            )
        }
        products = {product for _, product in used} | {product for _, product in lots}
        codes = dict(
            uow.session.execute(
                select(m.Product.id, m.Product.code).where(m.Product.id.in_(products))
            ).all()
        )
    # Rolled up once, children before parents (deepest path first): each facility adds its
    # subtree's figures to its parent's, so the work is linear in the facilities.
    order = sorted(products, key=lambda p: codes[p])
    own_lots: dict[int, dict[int, dict[int, LotStock]]] = defaultdict(dict)
    sub_lots: dict[int, dict[int, dict[int, LotStock]]] = defaultdict(dict)
    sub_used: dict[int, dict[int, list[int]]] = defaultdict(dict)
    own_used: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for (fid, pid), found in lots.items():
        own_lots[fid][pid] = {lot.lot_id: lot for lot in found}
    for (fid, pid), by_month in used.items():
        own_used[fid][pid] = by_month
    ids = {row.id for row in facilities}
    for row in sorted(facilities, key=lambda r: len(r.path), reverse=True):
        mine_lots, mine_used = sub_lots[row.id], sub_used[row.id]
        for pid, held in own_lots.get(row.id, {}).items():
            _add_lots(mine_lots.setdefault(pid, {}), held.values())
        for pid, by_month in own_used.get(row.id, {}).items():
            _add_months(mine_used, pid, by_month)
        if row.parent_id in ids:
            parent_lots, parent_used = sub_lots[row.parent_id], sub_used[row.parent_id]
            for pid, held in mine_lots.items():
                _add_lots(parent_lots.setdefault(pid, {}), held.values())
            for pid, by_month in mine_used.items():
                _add_months(parent_used, pid, by_month)
    report = []
    for row in facilities:
        lines = []
        below, consumed = sub_lots[row.id], sub_used[row.id]
        mine = own_lots.get(row.id, {})
        default = DEFAULT_LEVELS[FacilityLevel(row.level)]
        for product in order:
            if product not in below and product not in consumed:
                continue  # nothing held or used here or below
            subtree_lots = list(below.get(product, {}).values())
            own = sum(lot.doses for lot in mine.get(product, {}).values())
            in_subtree = sum(lot.doses for lot in subtree_lots)
            amc = average_monthly_consumption(consumed.get(product, ()))
            if not in_subtree and amc is None:
                continue
            explicit = levels.get((row.id, product))
            bounds = explicit or default
            months = months_of_stock(own, amc)
            lines.append(
                ProductStockStatus(
                    product,
                    codes[product],
                    own,
                    in_subtree,
                    None if amc is None else round(amc, 1),
                    months,
                    months_of_stock(in_subtree, amc),
                    bounds[0],
                    bounds[1],
                    explicit is not None,
                    classify(months, bounds),
                    tuple(expiry_risks(subtree_lots, amc, today)),
                )
            )
        report.append(
            FacilityStockStatus(row.id, row.code, row.name, row.level, row.parent_id, tuple(lines))
        )
    return StockStatusReport(today, tuple(report))


def _add_lots(into: dict[int, LotStock], lots: Iterable[LotStock]) -> None:
    """The same lot held in several places, summed."""
    for lot in lots:
        seen = into.get(lot.lot_id)
        into[lot.lot_id] = (
            lot
            if seen is None
            else LotStock(lot.lot_id, lot.lot_number, lot.expiry, seen.doses + lot.doses)
        )


def _add_months(into: dict[int, list[int]], product: int, by_month: Sequence[int]) -> None:
    total = into.get(product)
    into[product] = (
        list(by_month) if total is None else [a + b for a, b in zip(total, by_month, strict=True)]
    )


def _usable_lots(
    uow: UnitOfWork, in_scope: ColumnElement[bool]
) -> dict[tuple[int, int], list[LotStock]]:
    """(facility, product) → its usable stock per lot: the sums per facility and lot, then
    the few lots' numbers and expiries apart (fewer columns per row)."""
    b, a = m.Balance, m.Account
    stmt = (
        select(a.facility_id, b.lot_id, func.sum(b.doses))
        .join(a, a.id == b.account_id)
        .join(m.Facility, m.Facility.id == a.facility_id)
        .where(a.kind == AccountKind.STOCK.value, in_scope, b.doses > 0)
        .group_by(a.facility_id, b.lot_id)
    )
    held = uow.session.execute(stmt).all()
    lot = m.Lot
    about = {
        row.id: row
        for row in uow.session.execute(
            select(lot.id, lot.product_id, lot.lot_number, lot.expiry).where(
                lot.id.in_({lot_id for _, lot_id, _ in held})
            )
        )
    }
    found: dict[tuple[int, int], list[LotStock]] = defaultdict(list)
    for fid, lot_id, doses in held:
        assert fid is not None  # stock accounts belong to a facility
        info = about[lot_id]
        found[(fid, info.product_id)].append(
            LotStock(lot_id, info.lot_number, info.expiry, int(doses))
        )
    return found


def _used_by_month(
    uow: UnitOfWork, root_path: str, today: date, zone: ZoneInfo
) -> dict[tuple[int, int], list[int]]:
    """(facility, product) → doses used in each of the 12 full months before ``today``'s
    month, most recent first, from the read model (``consumption_months``: one row per
    facility, product and month, in the facility's own zone)."""
    this_month = today.replace(day=1)
    c = m.ConsumptionMonth
    per_month = [
        func.sum(c.doses).filter(c.month == add_months(this_month, -(back + 1)))
        for back in range(AMC_LOOK_BACK)
    ]
    stmt = (
        select(c.facility_id, c.product_id, *per_month)
        .join(m.Facility, m.Facility.id == c.facility_id)
        .where(
            m.Facility.path.startswith(root_path),
            c.month >= add_months(this_month, -AMC_LOOK_BACK),
            c.month < this_month,
        )
        .group_by(c.facility_id, c.product_id)
    )
    return {
        (fid, product): [int(doses or 0) for doses in months]
        for fid, product, *months in uow.session.execute(stmt)
    }


def _used_by_month_from_lines(
    uow: UnitOfWork, ids: list[int], today: date, zone: ZoneInfo
) -> dict[tuple[int, int], list[int]]:
    """The same, from the lines, for facilities whose zone is not the root's (their months
    in the root's zone are not those of the read model)."""
    starts = [_month_start(today, back, zone) for back in range(AMC_LOOK_BACK + 1)]
    line, a = m.MovementLine, m.Account
    per_month = [
        func.sum(line.doses).filter(line.occurred_at >= starts[month + 1], line.occurred_at < end)
        for month, end in enumerate(starts[:-1])
    ]
    stmt = (
        select(a.facility_id, m.Lot.product_id, *per_month)
        .join(a, a.id == line.account_id)
        .join(m.Lot, m.Lot.id == line.lot_id)
        .where(
            a.kind.in_(CONSUMPTION_ACCOUNT_KINDS),
            a.facility_id.in_(ids),
            line.occurred_at >= starts[-1],
            line.occurred_at < starts[0],
        )
        .group_by(a.facility_id, m.Lot.product_id)
    )
    used: dict[tuple[int, int], list[int]] = {}
    for fid, product, *months in uow.session.execute(stmt):
        assert fid is not None
        used[(fid, product)] = [int(doses or 0) for doses in months]
    return used


def _month_start(today: date, back: int, zone: ZoneInfo) -> datetime:
    """The first instant of the month ``back`` months before ``today``'s (0: this month)."""
    return month_start(add_months(today.replace(day=1), -back), zone)
