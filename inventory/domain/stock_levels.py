"""Stock levels: how many months of stock a facility should hold, and what its stock says.

Rules (docs/domain.md rule 25):

- *Average monthly consumption* (AMC) of a product at a facility's level is the mean of the
  doses used (administered + wasted, rule 17) over the last 3 calendar months that had any
  consumption, among the 12 full months before the report's month, counting everything
  below the facility. No consumption in those 12 months: the AMC is unknown (``None``).
- *Months of stock* = usable stock on hand ÷ AMC; unknown when the AMC is.
- A facility's *month* is its own local calendar month: from the first instant of its first
  day in the zone (``month_start``) to the next month's (``month_of`` finds it for an instant,
  consistently). Doses used per facility, product and month are kept as a read model
  (``consumption_months``) in the posting transaction; the report of a subtree whose
  facilities share the root's zone reads it, and re-derives from the lines only those in
  another zone.
- Each facility and product has a minimum and a maximum in months (set per facility and
  product; otherwise the level's default below). Below the minimum is *understock*, above
  the maximum *overstock*, else *adequate*; with no AMC the status is *unknown*.
- A lot *will expire before it can be used* when, issuing earliest expiry first at the AMC,
  the doses ahead of it and its own outlast its expiry: at risk are
  ``min(lot doses, doses up to and including it − AMC × months until its expiry)`` (never
  below 0); what is left of a lot at its expiry is not used, so the next lot's count starts
  from what was consumed by then.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from inventory.domain.facilities import FacilityLevel
from inventory.errors import InvalidInput

MAX_MONTHS = 36.0
AMC_MONTHS = 3  # months with consumption averaged
AMC_LOOK_BACK = 12  # full months searched for them
DAYS_PER_MONTH = 365.25 / 12
# The accounts whose lines are consumption (rule 17): administered and wasted.
CONSUMPTION_ACCOUNT_KINDS = ("administered", "wasted")

# (minimum, maximum) months of stock by level (decision; set per facility to override):
# the higher a store, the longer the resupply interval it covers.
DEFAULT_LEVELS: dict[FacilityLevel, tuple[float, float]] = {
    FacilityLevel.PROVINCE: (3.0, 6.0),
    FacilityLevel.CITY: (2.0, 4.0),
    FacilityLevel.COUNTY: (1.0, 3.0),
    FacilityLevel.TOWNSHIP: (0.5, 2.0),
    FacilityLevel.CLINIC: (0.5, 1.5),
    FacilityLevel.MOBILE_TEAM: (0.25, 1.0),
}


class StockStatus(StrEnum):
    UNDERSTOCK = "understock"
    ADEQUATE = "adequate"
    OVERSTOCK = "overstock"
    UNKNOWN = "unknown"  # no consumption to measure against


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``month``'s calendar month in ``zone``."""
    return datetime.combine(month.replace(day=1), time(0), tzinfo=zone)


def month_of(at: datetime, zone: ZoneInfo) -> date:
    """The first day of the month in ``zone`` that holds the instant ``at``: the one with
    ``month_start(month) <= at < month_start(next month)`` (so a midnight that a DST change
    skips cannot put an instant in two months or none)."""
    local = at.astimezone(zone)
    month = date(local.year, local.month, 1)
    if at < month_start(month, zone):
        return add_months(month, -1)
    following = add_months(month, 1)
    return following if at >= month_start(following, zone) else month


def check_levels(min_months: float, max_months: float) -> tuple[float, float]:
    for name, value in (("min_months", min_months), ("max_months", max_months)):
        if not 0 <= value <= MAX_MONTHS:
            raise InvalidInput(f"{name} must be between 0 and {MAX_MONTHS:g} months")
    if max_months < min_months:
        raise InvalidInput(f"max_months ({max_months:g}) is below min_months ({min_months:g})")
    return min_months, max_months


def average_monthly_consumption(used_by_month: Sequence[int]) -> float | None:
    """``used_by_month``: doses used in each full month, most recent first."""
    months = [used for used in used_by_month[:AMC_LOOK_BACK] if used > 0][:AMC_MONTHS]
    return sum(months) / len(months) if months else None


def months_of_stock(on_hand: int, amc: float | None) -> float | None:
    return None if amc is None else round(on_hand / amc, 1)


def classify(months: float | None, levels: tuple[float, float]) -> StockStatus:
    if months is None:
        return StockStatus.UNKNOWN
    low, high = levels
    if months < low:
        return StockStatus.UNDERSTOCK
    if months > high:
        return StockStatus.OVERSTOCK
    return StockStatus.ADEQUATE


@dataclass(frozen=True)
class LotStock:
    lot_id: int
    lot_number: str
    expiry: date
    doses: int


@dataclass(frozen=True)
class ExpiryRisk:
    lot: LotStock
    doses_at_risk: int
    months_until_expiry: float


def expiry_risks(lots: Sequence[LotStock], amc: float | None, today: date) -> list[ExpiryRisk]:
    """The lots (earliest expiry first) that will not be used up before they expire at the
    AMC, with the doses that will be left. With no AMC nothing is used: every unexpired lot
    with stock is at risk in full."""
    risks = []
    ahead = 0
    for lot in sorted(lots, key=lambda lot: (lot.expiry, lot.lot_id)):
        if lot.doses <= 0:
            continue
        months = max(0.0, (lot.expiry - today).days / DAYS_PER_MONTH)
        through = ahead + lot.doses
        usable = 0.0 if amc is None else amc * months
        left = min(lot.doses, math.ceil(through - usable)) if through > usable else 0
        if left > 0:
            risks.append(ExpiryRisk(lot, left, round(months, 1)))
        # What is left of a lot at its expiry is wasted, not used: the next lot starts from
        # what was really consumed by then.
        ahead = min(through, math.floor(usable))
    return risks
