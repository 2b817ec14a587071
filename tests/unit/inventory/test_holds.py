"""Holds: expiry from local midnight after the expiry date, VVM discard point, recall."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from inventory.domain.holds import (
    HoldReason,
    LotStatus,
    expires_at,
    expiry_warning,
    is_expired,
    lot_holds,
    require_issuable,
)
from inventory.errors import LotOnHold

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8
LOS_ANGELES = ZoneInfo("America/Los_Angeles")  # UTC-8 in winter
EXPIRY = date(2025, 1, 31)


def test_a_lot_is_usable_through_its_expiry_date_in_local_time() -> None:
    # 2025-01-31 23:59 in Shanghai is 15:59 UTC.
    assert not is_expired(EXPIRY, datetime(2025, 1, 31, 15, 59, tzinfo=UTC), SHANGHAI)


def test_a_lot_expires_at_local_midnight_after_its_expiry_date() -> None:
    # 2025-02-01 00:00 in Shanghai is 2025-01-31 16:00 UTC: expired although UTC says the 31st.
    assert is_expired(EXPIRY, datetime(2025, 1, 31, 16, 0, tzinfo=UTC), SHANGHAI)
    assert expires_at(EXPIRY, SHANGHAI) == datetime(2025, 1, 31, 16, 0, tzinfo=UTC)


def test_the_same_instant_is_expired_in_one_zone_and_not_in_another() -> None:
    instant = datetime(2025, 2, 1, 3, 0, tzinfo=UTC)  # Feb 1 in Shanghai, Jan 31 in LA
    assert is_expired(EXPIRY, instant, SHANGHAI)
    assert not is_expired(EXPIRY, instant, LOS_ANGELES)
    assert is_expired(EXPIRY, datetime(2025, 2, 1, 8, 0, tzinfo=UTC), LOS_ANGELES)


def test_expiry_across_a_daylight_saving_change_uses_the_local_day() -> None:
    # US DST starts 2025-03-09; midnight of 2025-03-09 in LA is still PST (08:00 UTC).
    assert expires_at(date(2025, 3, 8), LOS_ANGELES).astimezone(UTC) == datetime(
        2025, 3, 9, 8, 0, tzinfo=UTC
    )
    # Midnight of 2025-03-10 is PDT (07:00 UTC).
    assert is_expired(date(2025, 3, 9), datetime(2025, 3, 10, 7, 0, tzinfo=UTC), LOS_ANGELES)
    assert not is_expired(date(2025, 3, 9), datetime(2025, 3, 10, 6, 59, tzinfo=UTC), LOS_ANGELES)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_expired(EXPIRY, datetime(2025, 1, 1), SHANGHAI)


@pytest.mark.parametrize(
    ("stage", "held"), [(None, False), (1, False), (2, False), (3, True), (4, True)]
)
def test_vvm_stage_three_and_four_are_the_discard_point(stage: int | None, held: bool) -> None:
    lot = LotStatus(1, "A1", date(2030, 1, 1), vvm_stage=stage)
    reasons = lot_holds(lot, datetime(2025, 1, 1, tzinfo=UTC), SHANGHAI)
    assert (HoldReason.VVM_DISCARD in reasons) is held


def test_every_reason_is_named_when_refusing_to_issue() -> None:
    lot = LotStatus(1, "A1", EXPIRY, vvm_stage=4, recalled=True)
    with pytest.raises(LotOnHold) as raised:
        require_issuable(lot, datetime(2025, 3, 1, tzinfo=UTC), SHANGHAI, "administered")
    assert raised.value.reasons == ("recalled", "expired", "vvm_discard_point")
    assert "lot A1 cannot be administered" in raised.value.message
    assert "expired on 2025-01-31" in raised.value.message
    assert "VVM stage 4" in raised.value.message


def test_an_issuable_lot_passes() -> None:
    require_issuable(LotStatus(1, "A1", EXPIRY), datetime(2025, 1, 1, tzinfo=UTC), SHANGHAI, "x")


def test_expiry_warnings_at_90_60_and_30_days() -> None:
    at = datetime(2025, 1, 1, 4, 0, tzinfo=UTC)
    assert expiry_warning(date(2025, 6, 1), at, SHANGHAI) is None
    assert expiry_warning(date(2025, 3, 15), at, SHANGHAI) == 90
    assert expiry_warning(date(2025, 2, 20), at, SHANGHAI) == 60
    assert expiry_warning(date(2025, 1, 20), at, SHANGHAI) == 30
    assert expiry_warning(date(2024, 12, 31), at, SHANGHAI) is None
