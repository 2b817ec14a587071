"""Double entry: lines sum to zero per lot; reversals negate exactly."""

from __future__ import annotations

import pytest

from inventory.domain import accounts as acc
from inventory.domain import postings
from inventory.domain.accounts import WastageReason
from inventory.domain.movements import (
    Line,
    MovementKind,
    check_balanced,
    net_by_account_and_lot,
    reversal_lines,
)
from inventory.errors import InvalidInput, UnbalancedMovement

UNIT, OTHER, FACILITY, LOT = 7, 8, 3, 11


def test_balanced_lines_are_accepted() -> None:
    lines = postings.administration(FACILITY, UNIT, LOT, 20)
    assert check_balanced(MovementKind.ADMINISTRATION, lines) == lines


def test_lines_that_do_not_sum_to_zero_per_lot_are_refused_naming_the_lot() -> None:
    lines = [Line(acc.stock(UNIT, FACILITY), LOT, -20), Line(acc.administered(FACILITY), LOT, 19)]
    with pytest.raises(UnbalancedMovement, match=r"lot 11: -1"):
        check_balanced(MovementKind.ADMINISTRATION, lines)


def test_lines_balanced_overall_but_not_per_lot_are_refused() -> None:
    lines = [
        Line(acc.stock(UNIT, FACILITY), LOT, -5),
        Line(acc.administered(FACILITY), LOT + 1, 5),
    ]
    with pytest.raises(UnbalancedMovement, match="lot 11: -5, lot 12: \\+5"):
        check_balanced(MovementKind.ADMINISTRATION, lines)


def test_a_zero_dose_line_is_refused() -> None:
    lines = [Line(acc.stock(UNIT, FACILITY), LOT, 0), Line(acc.administered(FACILITY), LOT, 0)]
    with pytest.raises(UnbalancedMovement, match="zero doses"):
        check_balanced(MovementKind.ADMINISTRATION, lines)


def test_doses_must_be_integers() -> None:
    lines = [Line(acc.stock(UNIT, FACILITY), LOT, -1.5), Line(acc.administered(FACILITY), LOT, 1.5)]  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="integer"):
        check_balanced(MovementKind.ADMINISTRATION, lines)


def test_only_counts_and_recalls_may_be_empty() -> None:
    assert check_balanced(MovementKind.COUNT, []) == ()
    assert check_balanced(MovementKind.RECALL, []) == ()
    with pytest.raises(UnbalancedMovement, match="at least one line"):
        check_balanced(MovementKind.TRANSFER, [])


def test_reversal_lines_negate_every_line_and_cancel_the_original() -> None:
    original = postings.dispatch(FACILITY, UNIT, 99, {LOT: 30, LOT + 1: 5})
    reversed_ = reversal_lines(original)
    assert [(r.account, r.lot_id, r.doses) for r in reversed_] == [
        (o.account, o.lot_id, -o.doses) for o in original
    ]
    assert net_by_account_and_lot([*original, *reversed_]) == {}
    check_balanced(MovementKind.REVERSAL, reversed_)


def test_every_posting_rule_balances() -> None:
    built = [
        postings.receipt(FACILITY, UNIT, LOT, 10),
        postings.receipt(FACILITY, UNIT, LOT, 10, held=True),
        postings.dispatch(FACILITY, UNIT, 4, {LOT: 3}),
        postings.transfer(FACILITY, UNIT, OTHER, LOT, 2),
        postings.wastage(FACILITY, UNIT, LOT, 1, WastageReason.BROKEN),
        postings.count(FACILITY, UNIT, {LOT: 10, LOT + 1: 4}, {LOT: 7, LOT + 1: 6}),
        postings.quarantine(FACILITY, UNIT, {LOT: 3}),
        postings.release(FACILITY, UNIT, {LOT: 3}),
        postings.destruction(FACILITY, UNIT, {LOT: 3}, WastageReason.TEMPERATURE_DAMAGE),
        postings.recall([(FACILITY, UNIT, LOT, 4), (FACILITY, OTHER, LOT, 0)]),
        postings.shipment_lost(FACILITY, 4, {LOT: 3}),
        postings.shipment_return(4, {LOT: 3, LOT + 1: 2}),
        postings.shipment_lost_returning(FACILITY, 4, {LOT: 3}),
    ]
    for lines in built:
        assert lines
        assert sum(line.doses for line in lines) == 0


def test_a_recalled_lot_received_from_the_supplier_lands_in_quarantine() -> None:
    lines = postings.receipt(FACILITY, UNIT, LOT, 10, held=True)
    assert {(line.account.kind.value, line.doses) for line in lines} == {
        ("supplier", -10),
        ("quarantine", 10),
    }


def test_a_count_posts_the_difference_to_adjustment() -> None:
    lines = postings.count(FACILITY, UNIT, book={LOT: 10}, counted={LOT: 7})
    assert {(line.account.kind.value, line.doses) for line in lines} == {
        ("stock", -3),
        ("adjustment", 3),
    }
    assert postings.count(FACILITY, UNIT, book={LOT: 10}, counted={LOT: 10}) == ()


def test_only_real_stock_accounts_are_nonnegative() -> None:
    assert acc.stock(UNIT, FACILITY).nonnegative
    assert acc.quarantine(UNIT, FACILITY).nonnegative
    assert acc.in_transit(5).nonnegative
    for pseudo in (
        acc.supplier(FACILITY),
        acc.administered(FACILITY),
        acc.wasted(FACILITY, WastageReason.LOST),
        acc.adjustment(FACILITY),
    ):
        assert not pseudo.nonnegative


def test_account_keys_are_distinct_per_location() -> None:
    keys = {
        acc.stock(UNIT, FACILITY).key,
        acc.quarantine(UNIT, FACILITY).key,
        acc.stock(OTHER, FACILITY).key,
        acc.in_transit(5).key,
        acc.wasted(FACILITY, WastageReason.LOST).key,
        acc.wasted(FACILITY, WastageReason.EXPIRED).key,
        acc.administered(FACILITY).key,
        acc.adjustment(FACILITY).key,
        acc.supplier(FACILITY).key,
    }
    assert len(keys) == 9


def test_a_refusal_puts_the_doses_on_the_road_back_and_a_loss_there_is_the_senders() -> None:
    refused = postings.shipment_return(4, {LOT: 30})
    assert {(line.account.key, line.doses) for line in refused} == {
        ("in_transit:s4", -30),
        ("in_transit_returned:s4", 30),
    }
    assert all(line.account.nonnegative for line in refused)
    lost = postings.shipment_lost_returning(FACILITY, 4, {LOT: 30})
    assert {(line.account.key, line.doses) for line in lost} == {
        ("in_transit_returned:s4", -30),
        (f"wasted:f{FACILITY}:lost", 30),
    }
