"""Corrections by reversal, and idempotent replays: the ledger is only ever appended to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from inventory import models, queries, services
from inventory.commands import (
    AdministerDoses,
    CountedLot,
    DispatchItem,
    DispatchShipment,
    RecallLot,
    ReceivedLot,
    ReceiveShipment,
    RecordCount,
    ReverseMovement,
    TransferStock,
)
from inventory.errors import AlreadyReversed, IdempotencyConflict, InsufficientStock, InvalidState
from inventory.unit_of_work import UnitOfWork
from tests.builders import T0, assert_conserved, key, make_shipment, stock_up
from tests.integration.inventory.conftest import World


def at(hours: float):  # type: ignore[no-untyped-def]
    return T0 + timedelta(hours=hours)


def usable(uow: UnitOfWork, unit_id: int) -> dict[str, int]:
    report = queries.stock_on_hand(uow, storage_unit_id=unit_id)
    return {line.lot_number: line.usable.doses for line in report.lines if line.usable.doses}


def count_rows(uow: UnitOfWork, model: type[models.Base]) -> int:
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def reverse(uow: UnitOfWork, movement_id: int, reason: str = "entered twice"):  # type: ignore[no-untyped-def]
    return services.reverse_movement(
        uow, ReverseMovement(movement_id, reason, "supervisor", key("rev"))
    )


def test_a_reversal_negates_the_original_and_references_it(uow: UnitOfWork, world: World) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    given = services.administer_doses(
        uow, AdministerDoses(unit.id, world.early.id, 20, "nurse", key(), at(1))
    )
    undone = reverse(uow, given.id)
    assert undone.kind == "reversal"
    assert undone.reverses_movement_id == given.id
    assert (undone.reason, undone.user, undone.occurred_at) == (
        "entered twice",
        "supervisor",
        given.occurred_at,
    )
    assert sorted((ln.account, ln.doses) for ln in undone.lines) == sorted(
        (ln.account, -ln.doses) for ln in given.lines
    )
    assert usable(uow, unit.id) == {"EARLY1": 50}
    assert queries.get_movement(uow, given.id).reversed_by == undone.id
    assert_conserved(uow)


def test_a_movement_is_reversed_once_and_a_reversal_is_not_reversed(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    receipt = stock_up(uow, unit, world.early, 50)
    undone = reverse(uow, receipt)
    with pytest.raises(AlreadyReversed, match=f"already reversed by movement {undone.id}"):
        reverse(uow, receipt)
    with pytest.raises(InvalidState, match="a reversal movement cannot be reversed"):
        reverse(uow, undone.id)
    assert_conserved(uow)


def test_a_reversal_that_would_make_a_balance_negative_is_refused(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    receipt = stock_up(uow, unit, world.early, 50)
    services.administer_doses(
        uow, AdministerDoses(unit.id, world.early.id, 20, "nurse", key(), at(1))
    )
    movements = count_rows(uow, models.Movement)
    with pytest.raises(InsufficientStock):
        reverse(uow, receipt)
    assert count_rows(uow, models.Movement) == movements
    assert usable(uow, unit.id) == {"EARLY1": 30}
    assert_conserved(uow)


def test_reversing_an_administration_then_its_receipt_nets_to_nothing(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    receipt = stock_up(uow, unit, world.early, 50)
    given = services.administer_doses(
        uow, AdministerDoses(unit.id, world.early.id, 20, "nurse", key(), at(1))
    )
    reverse(uow, given.id)
    reverse(uow, receipt)
    assert usable(uow, unit.id) == {}
    assert queries.storage_history(uow, unit.id, at(-1), at(5)) == []
    assert_conserved(uow)


def test_reversing_a_dispatch_returns_the_shipment_to_created(
    uow: UnitOfWork, world: World
) -> None:
    city = world.tree.cities[0]
    stock_up(uow, world.store, world.early, 100)
    shipment = make_shipment(uow, world.tree.province, city)
    sent = services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id, world.store.id, (DispatchItem(world.mmr.id, 60),), "d", key(), at(1)
        ),
    )
    reverse(uow, sent.movement.id, "wrong product")
    view = queries.get_shipment(uow, shipment.id)
    assert (view.status, view.dispatched_at, view.lines) == ("created", None, ())
    assert usable(uow, world.store.id) == {"EARLY1": 100}
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id, world.store.id, (DispatchItem(world.mmr.id, 40),), "d", key(), at(2)
        ),
    )
    assert queries.get_shipment(uow, shipment.id).status == "dispatched"
    assert_conserved(uow)


def test_reversing_a_receipt_returns_the_shipment_to_dispatched(
    uow: UnitOfWork, world: World
) -> None:
    city = world.tree.cities[0]
    stock_up(uow, world.store, world.early, 100)
    shipment = make_shipment(uow, world.tree.province, city)
    sent = services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id, world.store.id, (DispatchItem(world.mmr.id, 60),), "d", key(), at(1)
        ),
    )
    got = services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id,
            city.unit.id,
            (ReceivedLot(world.early.id, 50, "miscounted"),),
            "r",
            key(),
            at(9),
        ),
    )
    with pytest.raises(InvalidState, match="is partially_received; it must be dispatched"):
        reverse(uow, sent.movement.id)
    reverse(uow, got.movement.id, "recounted: all 60 were there")
    view = queries.get_shipment(uow, shipment.id)
    assert (view.status, view.received_at, view.discrepancies) == ("dispatched", None, ())
    assert [ln.received for ln in view.lines] == [None]
    services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id, city.unit.id, (ReceivedLot(world.early.id, 60),), "r", key(), at(9)
        ),
    )
    assert usable(uow, city.unit.id) == {"EARLY1": 60}
    assert queries.trace_lot(uow, world.early.id).wastage_by_reason == ()
    assert_conserved(uow)


def test_a_recall_cannot_be_reversed(uow: UnitOfWork, world: World) -> None:
    recall = services.recall_lot(uow, RecallLot(world.early.id, "R", "qa", key()))
    with pytest.raises(InvalidState, match="a recall movement cannot be reversed"):
        reverse(uow, recall.movement.id)


def test_a_replay_returns_the_first_result_and_posts_nothing(uow: UnitOfWork, world: World) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    command = AdministerDoses(unit.id, world.early.id, 5, "nurse", "tablet-7/visit-991", at(1))
    first = services.administer_doses(uow, command)
    lines = count_rows(uow, models.MovementLine)
    again = services.administer_doses(uow, command)
    assert again == first
    assert count_rows(uow, models.MovementLine) == lines
    assert usable(uow, unit.id) == {"EARLY1": 45}
    assert_conserved(uow)


def test_a_replayed_dispatch_returns_the_first_result_after_the_shipment_moved_on(
    uow: UnitOfWork, world: World
) -> None:
    city = world.tree.cities[0]
    stock_up(uow, world.store, world.early, 100)
    shipment = make_shipment(uow, world.tree.province, city)
    command = DispatchShipment(
        shipment.id, world.store.id, (DispatchItem(world.mmr.id, 60),), "d", "dispatch-1", at(1)
    )
    first = services.dispatch_shipment(uow, command)
    services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id, city.unit.id, (ReceivedLot(world.early.id, 60),), "r", key(), at(9)
        ),
    )
    assert services.dispatch_shipment(uow, command) == first
    assert usable(uow, world.store.id) == {"EARLY1": 40}
    assert_conserved(uow)


def test_a_replayed_recall_lists_the_holders_at_the_time_of_the_recall(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    command = RecallLot(world.early.id, "R-9", "qa", "recall-9", occurred_at=at(1))
    first = services.recall_lot(uow, command)
    stock_up(uow, world.tree.clinics[1].unit, world.early, 5, at=at(2))
    assert services.recall_lot(uow, command) == first
    assert_conserved(uow)


def test_the_same_key_for_a_different_request_is_a_conflict(uow: UnitOfWork, world: World) -> None:
    fridge, cold_box = world.tree.clinics[0].units
    stock_up(uow, fridge, world.early, 50)
    services.transfer_stock(
        uow, TransferStock(fridge.id, cold_box.id, world.early.id, 5, "k", "same-key", at(1))
    )
    movements = count_rows(uow, models.Movement)
    with pytest.raises(
        IdempotencyConflict, match=r"'same-key' was already used by movement \d+ \(transfer\)"
    ):
        services.transfer_stock(
            uow, TransferStock(fridge.id, cold_box.id, world.early.id, 6, "k", "same-key", at(1))
        )
    with pytest.raises(IdempotencyConflict):
        services.record_count(
            uow, RecordCount(fridge.id, (CountedLot(world.early.id, 45),), "k", "same-key")
        )
    assert count_rows(uow, models.Movement) == movements
    assert usable(uow, cold_box.id) == {"EARLY1": 5}
    assert_conserved(uow)
