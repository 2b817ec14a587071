"""Picking: FEFO with its tie-breakers, all-or-nothing, named strategies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from inventory.domain.fefo import (
    STRATEGIES,
    Candidate,
    Pick,
    first_out_of_order,
    get_strategy,
    pick,
)
from inventory.errors import InsufficientStock, InvalidInput


def lot(
    lot_id: int,
    expiry: date,
    available: int,
    vvm: int | None = None,
    received: datetime | None = None,
) -> Candidate:
    return Candidate(lot_id, f"L{lot_id}", expiry, available, vvm, received)


JAN, MAR, JUN = date(2030, 1, 31), date(2030, 3, 31), date(2030, 6, 30)


def test_fefo_picks_the_earliest_expiring_lot() -> None:
    assert pick([lot(1, JUN, 100), lot(2, JAN, 100), lot(3, MAR, 100)], 30) == (Pick(2, 30),)


def test_fefo_spills_over_to_the_next_expiring_lot() -> None:
    picks = pick([lot(1, JUN, 100), lot(2, JAN, 20), lot(3, MAR, 15)], 40)
    assert picks == (Pick(2, 20), Pick(3, 15), Pick(1, 5))


def test_fefo_breaks_an_expiry_tie_by_the_more_advanced_vvm_stage() -> None:
    picks = pick([lot(1, JAN, 10, vvm=1), lot(2, JAN, 10, vvm=2), lot(3, JAN, 10)], 15)
    assert picks == (Pick(2, 10), Pick(1, 5))


def test_fefo_breaks_an_expiry_and_vvm_tie_by_first_received() -> None:
    early = datetime(2024, 1, 1, tzinfo=UTC)
    late = datetime(2024, 2, 1, tzinfo=UTC)
    picks = pick([lot(1, JAN, 10, 1, late), lot(2, JAN, 10, 1, early)], 12)
    assert picks == (Pick(2, 10), Pick(1, 2))


def test_fefo_is_deterministic_when_everything_ties() -> None:
    candidates = [lot(5, JAN, 10), lot(4, JAN, 10)]
    assert pick(candidates, 10) == pick(list(reversed(candidates)), 10) == (Pick(4, 10),)


def test_running_short_raises_and_picks_nothing() -> None:
    with pytest.raises(InsufficientStock, match="50 doses of MMR requested but only 30"):
        pick([lot(1, JAN, 10), lot(2, MAR, 20)], 50, what="MMR")


def test_fifo_is_a_registered_alternative() -> None:
    early = datetime(2024, 1, 1, tzinfo=UTC)
    late = datetime(2024, 2, 1, tzinfo=UTC)
    assert set(STRATEGIES) >= {"fefo", "fifo"}
    assert pick([lot(1, JAN, 10, None, late), lot(2, JUN, 10, None, early)], 5, "fifo") == (
        Pick(2, 5),
    )


def test_an_unknown_strategy_is_named_in_the_error() -> None:
    with pytest.raises(InvalidInput, match="unknown picking strategy 'lifo'"):
        get_strategy("lifo")


def test_named_lots_that_follow_fefo_pass() -> None:
    candidates = [lot(1, JUN, 100), lot(2, JAN, 20)]
    assert first_out_of_order(candidates, {2: 20, 1: 10}) is None


def test_named_lots_that_skip_an_earlier_expiry_name_the_lot_that_should_go_first() -> None:
    candidates = [lot(1, JUN, 100), lot(2, JAN, 20), lot(3, MAR, 5)]
    first = first_out_of_order(candidates, {1: 10})
    assert first is not None and first.lot_id == 2
    assert first_out_of_order(candidates, {2: 20, 1: 5}) is not None  # skips lot 3
