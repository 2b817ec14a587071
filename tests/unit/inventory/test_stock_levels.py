"""Stock-level rules: average monthly consumption, months of stock, min/max status, and the
lots that will expire before they are used at the current rate."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.domain.stock_levels import (
    LotStock,
    StockStatus,
    average_monthly_consumption,
    check_levels,
    classify,
    expiry_risks,
    months_of_stock,
)
from inventory.errors import InvalidInput


def test_amc_is_the_mean_of_the_last_three_months_with_consumption() -> None:
    # most recent first: a month without consumption is skipped, not averaged as 0
    assert average_monthly_consumption([300, 0, 600, 900, 5000]) == 600
    assert average_monthly_consumption([0, 0, 120]) == 120
    assert average_monthly_consumption([0] * 12 + [500]) is None  # older than 12 months
    assert average_monthly_consumption([]) is None


def test_months_of_stock_and_status_against_the_levels() -> None:
    assert months_of_stock(1500, 600) == 2.5
    assert months_of_stock(1500, None) is None
    levels = (1.0, 3.0)
    assert classify(0.9, levels) is StockStatus.UNDERSTOCK
    assert classify(1.0, levels) is StockStatus.ADEQUATE
    assert classify(3.0, levels) is StockStatus.ADEQUATE
    assert classify(3.1, levels) is StockStatus.OVERSTOCK
    assert classify(None, levels) is StockStatus.UNKNOWN


def test_levels_are_checked() -> None:
    assert check_levels(0.5, 2) == (0.5, 2)
    with pytest.raises(InvalidInput, match="below min_months"):
        check_levels(3, 2)
    with pytest.raises(InvalidInput, match="between 0 and 36"):
        check_levels(-1, 2)


def lot(lot_id: int, expiry: date, doses: int) -> LotStock:
    return LotStock(lot_id, f"L{lot_id}", expiry, doses)


def test_a_lot_that_cannot_be_used_in_time_is_at_risk_with_what_will_be_left() -> None:
    today = date(2025, 1, 1)
    lots = [lot(2, date(2025, 7, 2), 1000), lot(1, date(2025, 3, 2), 500)]
    # 100 doses a month (a month is 365.25 / 12 days): lot 1 has 60 days = 1.97 months, so
    # 197 of its 500 are used and 303 are left; lot 2 follows those 197 and has 182 days =
    # 5.98 months: 598 − 197 = 401 of its 1000 are used, 600 (rounded up) are left.
    risks = expiry_risks(lots, 100.0, today)
    assert [(r.lot.lot_id, r.doses_at_risk) for r in risks] == [(1, 303), (2, 600)]
    assert [r.months_until_expiry for r in risks] == [2.0, 6.0]
    # at 1 000 a month everything is used in time
    assert expiry_risks(lots, 1000.0, today) == []
    # no consumption at all: every lot is at risk in full
    assert [r.doses_at_risk for r in expiry_risks(lots, None, today)] == [500, 1000]


def test_an_expired_lot_is_at_risk_in_full() -> None:
    (risk,) = expiry_risks([lot(1, date(2024, 12, 1), 50)], 1000.0, date(2025, 1, 1))
    assert (risk.doses_at_risk, risk.months_until_expiry) == (50, 0.0)
