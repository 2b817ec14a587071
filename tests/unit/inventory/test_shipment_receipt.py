"""The receipt rule: received ≤ dispatched, discrepancies with reasons, transit emptied."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from inventory.domain.accounts import AccountKind
from inventory.domain.movements import Line, MovementKind, check_balanced
from inventory.domain.shipments import (
    DiscrepancyKind,
    ReceiptContext,
    ReceivedLot,
    ShipmentStatus,
    is_overdue,
    plan_receipt,
)
from inventory.errors import InvalidInput

CTX = ReceiptContext(shipment_id=9, origin_facility_id=1, destination_facility_id=2, unit_id=5)


def by_account(lines: tuple[Line, ...]) -> dict[tuple[str, int | None], int]:
    totals: dict[tuple[str, int | None], int] = defaultdict(int)
    for line in lines:
        totals[(line.account.kind.value, line.account.facility_id)] += line.doses
    return dict(totals)


def test_a_complete_receipt_moves_transit_to_stock() -> None:
    plan = plan_receipt(CTX, {1: 100}, [ReceivedLot(1, 100)])
    assert plan.status is ShipmentStatus.RECEIVED
    assert plan.discrepancies == ()
    assert by_account(plan.lines) == {("in_transit", None): -100, ("stock", 2): 100}


def test_a_shortfall_is_lost_at_the_shipping_facility_and_partially_received() -> None:
    plan = plan_receipt(CTX, {1: 100}, [ReceivedLot(1, 90, "vials broken")])
    assert plan.status is ShipmentStatus.PARTIALLY_RECEIVED
    (d,) = plan.discrepancies
    assert (d.kind, d.dispatched, d.received, d.difference, d.reason) == (
        DiscrepancyKind.SHORTFALL,
        100,
        90,
        -10,
        "vials broken",
    )
    assert by_account(plan.lines) == {
        ("in_transit", None): -100,
        ("stock", 2): 90,
        ("wasted", 1): 10,
    }
    check_balanced(MovementKind.SHIPMENT_RECEIPT, plan.lines)


def test_an_excess_comes_out_of_adjustment_at_the_receiver() -> None:
    plan = plan_receipt(CTX, {1: 100}, [ReceivedLot(1, 105, "extra box")])
    assert plan.status is ShipmentStatus.RECEIVED
    assert plan.discrepancies[0].kind is DiscrepancyKind.EXCESS
    assert by_account(plan.lines) == {
        ("in_transit", None): -100,
        ("stock", 2): 105,
        ("adjustment", 2): -5,
    }


def test_an_unknown_lot_comes_out_of_adjustment_and_the_dispatched_lot_is_short() -> None:
    plan = plan_receipt(
        CTX, {1: 50}, [ReceivedLot(1, 0, "wrong lot packed"), ReceivedLot(2, 50, "wrong lot")]
    )
    kinds = {d.lot_id: d.kind for d in plan.discrepancies}
    assert kinds == {1: DiscrepancyKind.SHORTFALL, 2: DiscrepancyKind.UNKNOWN_LOT}
    assert plan.status is ShipmentStatus.PARTIALLY_RECEIVED
    check_balanced(MovementKind.SHIPMENT_RECEIPT, plan.lines)
    transit = sum(ln.doses for ln in plan.lines if ln.account.kind is AccountKind.IN_TRANSIT)
    assert transit == -50


def test_a_discrepancy_without_a_reason_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"lot 1: shortfall .* needs a discrepancy reason"):
        plan_receipt(CTX, {1: 100}, [ReceivedLot(1, 90)])


def test_every_dispatched_lot_must_be_in_the_receipt() -> None:
    with pytest.raises(InvalidInput, match=r"lots \[2\] were dispatched"):
        plan_receipt(CTX, {1: 10, 2: 10}, [ReceivedLot(1, 10)])


def test_a_lot_listed_twice_or_negative_is_refused() -> None:
    with pytest.raises(InvalidInput, match="twice"):
        plan_receipt(CTX, {1: 10}, [ReceivedLot(1, 5), ReceivedLot(1, 5)])
    with pytest.raises(InvalidInput, match="≥ 0"):
        plan_receipt(CTX, {1: 10}, [ReceivedLot(1, -1)])


def test_a_recalled_lot_is_received_into_quarantine() -> None:
    ctx = ReceiptContext(9, 1, 2, 5, held_lots=frozenset({1}))
    plan = plan_receipt(ctx, {1: 10}, [ReceivedLot(1, 10)])
    assert by_account(plan.lines) == {("in_transit", None): -10, ("quarantine", 2): 10}


def test_a_shipment_is_overdue_after_lead_time_plus_grace() -> None:
    sent = datetime(2024, 1, 1, tzinfo=UTC)
    lead, grace = timedelta(hours=48), timedelta(hours=24)
    assert not is_overdue(sent, lead, sent + timedelta(hours=72), grace)
    assert is_overdue(sent, lead, sent + timedelta(hours=72, seconds=1), grace)


RETURN = ReceiptContext(
    9, origin_facility_id=1, destination_facility_id=2, unit_id=5, returning=True
)


def test_a_return_lands_every_lot_held_at_the_sender_and_a_shortfall_is_lost_there() -> None:
    plan = plan_receipt(
        RETURN,
        {1: 100, 2: 50},
        [ReceivedLot(1, 100), ReceivedLot(2, 40, "broken"), ReceivedLot(3, 5, "found")],
    )
    check_balanced(MovementKind.RETURN_RECEIPT, plan.lines)
    assert plan.status is ShipmentStatus.RETURNED
    assert by_account(plan.lines) == {
        ("in_transit_returned", None): -150,
        ("quarantine", 1): 145,
        ("wasted", 1): 10,
        ("adjustment", 1): -5,
    }
    assert [(d.lot_id, d.kind) for d in plan.discrepancies] == [
        (2, DiscrepancyKind.SHORTFALL),
        (3, DiscrepancyKind.UNKNOWN_LOT),
    ]
    assert not any(line.account.kind is AccountKind.IN_TRANSIT for line in plan.lines)
