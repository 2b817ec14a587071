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

Cost: one query for balances, one for the 12 months of consumption (a sum per month over one
range of the lines' ``(account, occurred_at)`` index), one for levels; the roll-ups are
summed per facility over its own subtree's figures only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from inventory import models as m
from inventory.domain.accounts import AccountKind
from inventory.domain.facilities import FacilityLevel, ancestor_ids
from inventory.domain.stock_levels import (
    AMC_LOOK_BACK,
    DEFAULT_LEVELS,
    ExpiryRisk,
    LotStock,
    StockStatus,
    average_monthly_consumption,
    classify,
    expiry_risks,
    months_of_stock,
)
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
        facilities = list(
            uow.session.execute(
                select(f.id, f.code, f.name, f.level, f.parent_id, f.path)
                .where(f.path.startswith(root.path))
                .order_by(f.path)
            )
        )
        ids = [row.id for row in facilities]
        lots = _usable_lots(uow, ids)
        used = _used_by_month(uow, ids, today, zone)
        levels = {
            (row.facility_id, row.product_id): (row.min_months, row.max_months)
            for row in uow.session.scalars(
                select(m.StockLevel).where(m.StockLevel.facility_id.in_(ids))
            )
        }
        products = {product for _, product in used} | {lot[1] for lot in lots}
        codes = dict(
            uow.session.execute(
                select(m.Product.id, m.Product.code).where(m.Product.id.in_(products))
            ).all()
        )
    below: dict[int, list[int]] = defaultdict(list)
    for row in facilities:
        for ancestor in ancestor_ids(row.path):
            below[ancestor].append(row.id)
    # Grouped once by product and facility, so each facility sums only its own subtree's
    # entries (not every entry of the province once per facility and product).
    lots_of: dict[int, dict[int, list[LotStock]]] = defaultdict(dict)
    for (fid, pid), found in lots.items():
        lots_of[pid][fid] = found
    used_of: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for (fid, pid), by_month in used.items():
        used_of[pid][fid] = by_month
    report = []
    for row in facilities:
        members = below[row.id]
        lines = []
        for product in sorted(products, key=lambda p: codes[p]):
            held, consumed = lots_of.get(product, {}), used_of.get(product, {})
            own = sum(lot.doses for lot in held.get(row.id, ()))
            subtree_lots = _merge(lot for fid in members for lot in held.get(fid, ()))
            in_subtree = sum(lot.doses for lot in subtree_lots)
            monthly = [0] * AMC_LOOK_BACK
            for fid in members:
                for month, doses in enumerate(consumed.get(fid, ())):
                    monthly[month] += doses
            amc = average_monthly_consumption(monthly)
            if not in_subtree and amc is None:
                continue
            explicit = levels.get((row.id, product))
            bounds = explicit or DEFAULT_LEVELS[FacilityLevel(row.level)]
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


def _usable_lots(uow: UnitOfWork, ids: list[int]) -> dict[tuple[int, int], list[LotStock]]:
    """(facility, product) → its usable stock per lot."""
    b, a, lot = m.Balance, m.Account, m.Lot
    stmt = (
        select(a.facility_id, lot.product_id, lot.id, lot.lot_number, lot.expiry, func.sum(b.doses))
        .join(a, a.id == b.account_id)
        .join(lot, lot.id == b.lot_id)
        .where(a.kind == AccountKind.STOCK.value, a.facility_id.in_(ids), b.doses > 0)
        .group_by(a.facility_id, lot.product_id, lot.id, lot.lot_number, lot.expiry)
    )
    found: dict[tuple[int, int], list[LotStock]] = defaultdict(list)
    for fid, product, lot_id, number, expiry, doses in uow.session.execute(stmt):
        assert fid is not None  # stock accounts belong to a facility
        found[(fid, product)].append(LotStock(lot_id, number, expiry, int(doses)))
    return found


def _merge(lots: object) -> list[LotStock]:
    """The same lot held in several places, summed."""
    total: dict[int, LotStock] = {}
    for lot in lots:  # type: ignore[attr-defined]
        seen = total.get(lot.lot_id)
        total[lot.lot_id] = (
            lot
            if seen is None
            else LotStock(lot.lot_id, lot.lot_number, lot.expiry, seen.doses + lot.doses)
        )
    return list(total.values())


def _used_by_month(
    uow: UnitOfWork, ids: list[int], today: date, zone: ZoneInfo
) -> dict[tuple[int, int], list[int]]:
    """(facility, product) → doses used in each of the 12 full months before ``today``'s
    month, most recent first."""
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
            a.kind.in_((AccountKind.ADMINISTERED.value, AccountKind.WASTED.value)),
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
    index = today.year * 12 + today.month - 1 - back
    return datetime.combine(date(index // 12, index % 12 + 1, 1), time(0), tzinfo=zone)
