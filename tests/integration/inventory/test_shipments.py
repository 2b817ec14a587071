"""Shipments through the services: dispatch (FEFO), receipt with discrepancies, loss, overdue."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from inventory import queries, services
from inventory.commands import (
    CreateShipment,
    DispatchItem,
    DispatchShipment,
    MarkShipmentLost,
    ReceivedLot,
    ReceiveShipment,
)
from inventory.errors import (
    FefoViolation,
    IdempotencyConflict,
    InsufficientStock,
    InvalidInput,
    InvalidState,
    LotOnHold,
)
from inventory.unit_of_work import UnitOfWork
from tests.builders import (
    T0,
    assert_conserved,
    key,
    make_lot,
    make_shipment,
    make_uow,
    stock_up,
)
from tests.integration.inventory.conftest import World


def usable(uow: UnitOfWork, unit_id: int) -> dict[str, int]:
    report = queries.stock_on_hand(uow, storage_unit_id=unit_id)
    return {line.lot_number: line.usable.doses for line in report.lines if line.usable.doses}


def dispatch(
    uow: UnitOfWork,
    shipment_id: int,
    unit_id: int,
    *items: DispatchItem,
    reason: str | None = None,
    hours: int = 1,
):  # type: ignore[no-untyped-def]
    return services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment_id,
            unit_id,
            items,
            "dispatcher",
            key("dispatch"),
            T0 + timedelta(hours=hours),
            reason,
        ),
    )


def test_shipment_lifecycle_with_a_shortfall_and_an_unknown_lot(
    uow: UnitOfWork, world: World
) -> None:
    province, city = world.tree.province, world.tree.cities[0]
    stock_up(uow, world.store, world.early, 100)
    stock_up(uow, world.store, world.late, 200)
    stray = make_lot(uow, world.mmr, "STRAY9", date(2031, 1, 31))
    shipment = make_shipment(uow, province, city)
    assert shipment.status == "created"

    sent = dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 150))

    assert sent.status == "dispatched"
    picked = {ln.lot_id: ln.doses for ln in sent.movement.lines if ln.account == "in_transit"}
    assert picked == {world.early.id: 100, world.late.id: 50}
    assert usable(uow, world.store.id) == {"LATE1": 150}
    inbound = queries.stock_on_hand(uow, facility_id=city.id).in_transit
    assert {(t.lot_number, t.in_transit.doses) for t in inbound} == {("EARLY1", 100), ("LATE1", 50)}

    got = services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id,
            city.unit.id,
            (
                ReceivedLot(world.early.id, 100),
                ReceivedLot(world.late.id, 40, "one box crushed"),
                ReceivedLot(stray.id, 10, "packed by mistake"),
            ),
            "receiver",
            key("receive"),
            T0 + timedelta(hours=30),
        ),
    )

    assert got.status == "partially_received"
    assert {(d.lot_id, d.kind, d.dispatched, d.received) for d in got.discrepancies} == {
        (world.late.id, "shortfall", 50, 40),
        (stray.id, "unknown_lot", 0, 10),
    }
    assert usable(uow, city.unit.id) == {"EARLY1": 100, "LATE1": 40, "STRAY9": 10}
    view = queries.get_shipment(uow, shipment.id)
    assert view.status == "partially_received"
    assert view.received_at == T0 + timedelta(hours=30)
    assert {(ln.lot_number, ln.dispatched, ln.received) for ln in view.lines} == {
        ("EARLY1", 100, 100),
        ("LATE1", 50, 40),
        ("STRAY9", 0, 10),
    }
    assert len(view.discrepancies) == 2
    lost = queries.trace_lot(uow, world.late.id).wastage_by_reason
    assert lost == (("lost", 10),)
    assert queries.stock_on_hand(uow, facility_id=city.id).in_transit == ()
    assert_conserved(uow)


def test_an_excess_is_received_with_a_reason(uow: UnitOfWork, world: World) -> None:
    stock_up(uow, world.store, world.early, 100)
    shipment = make_shipment(uow, world.tree.province, world.tree.cities[0])
    dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 60))
    got = services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id,
            world.tree.cities[0].unit.id,
            (ReceivedLot(world.early.id, 62, "two doses over"),),
            "receiver",
            key(),
            T0 + timedelta(hours=5),
        ),
    )
    assert got.status == "received"
    assert got.discrepancies[0].kind == "excess"
    trace = queries.trace_lot(uow, world.early.id)
    assert trace.conservation.adjusted == -2
    assert trace.conservation.on_hand == 102
    assert_conserved(uow)


def test_a_discrepancy_without_a_reason_is_refused_and_nothing_changes(
    uow: UnitOfWork, world: World
) -> None:
    stock_up(uow, world.store, world.early, 100)
    shipment = make_shipment(uow, world.tree.province, world.tree.cities[0])
    dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 60))
    with pytest.raises(InvalidInput, match=r"shortfall .* needs a discrepancy reason"):
        services.receive_shipment(
            uow,
            ReceiveShipment(
                shipment.id,
                world.tree.cities[0].unit.id,
                (ReceivedLot(world.early.id, 50),),
                "receiver",
                key(),
                T0 + timedelta(hours=5),
            ),
        )
    assert queries.get_shipment(uow, shipment.id).status == "dispatched"
    assert usable(uow, world.tree.cities[0].unit.id) == {}
    assert_conserved(uow)


def test_a_lost_shipment_is_wasted_as_lost_at_the_shipping_facility(
    uow: UnitOfWork, world: World
) -> None:
    stock_up(uow, world.store, world.early, 100)
    shipment = make_shipment(uow, world.tree.province, world.tree.cities[0])
    dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 70))
    lost = services.mark_shipment_lost(
        uow,
        MarkShipmentLost(shipment.id, "truck stolen", "dispatcher", key(), T0 + timedelta(days=5)),
    )
    assert lost.status == "lost"
    assert {(ln.account, ln.facility_id, ln.reason, ln.doses) for ln in lost.movement.lines} == {
        ("in_transit", None, None, -70),
        ("wasted", world.tree.province.id, "lost", 70),
    }
    assert queries.get_shipment(uow, shipment.id).status == "lost"
    with pytest.raises(InvalidState, match=r"shipment .* is lost; it must be dispatched"):
        services.receive_shipment(
            uow,
            ReceiveShipment(
                shipment.id,
                world.tree.cities[0].unit.id,
                (ReceivedLot(world.early.id, 70),),
                "r",
                key(),
            ),
        )
    assert_conserved(uow)


def test_named_lots_that_break_fefo_need_a_reason(uow: UnitOfWork, world: World) -> None:
    stock_up(uow, world.store, world.early, 100)
    stock_up(uow, world.store, world.late, 100)
    shipment = make_shipment(uow, world.tree.province, world.tree.cities[0])
    with pytest.raises(FefoViolation, match=r"lot EARLY1 .* should go first") as refused:
        dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 30, world.late.id))
    assert refused.value.should_go_first == world.early.id
    assert usable(uow, world.store.id) == {"EARLY1": 100, "LATE1": 100}

    sent = dispatch(
        uow,
        shipment.id,
        world.store.id,
        DispatchItem(world.mmr.id, 30, world.late.id),
        reason="clinic trial needs lot LATE1",
    )
    assert sent.movement.reason == "clinic trial needs lot LATE1"
    assert usable(uow, world.store.id) == {"EARLY1": 100, "LATE1": 70}
    assert_conserved(uow)


def test_named_lots_that_follow_fefo_need_no_reason(uow: UnitOfWork, world: World) -> None:
    stock_up(uow, world.store, world.early, 100)
    stock_up(uow, world.store, world.late, 100)
    shipment = make_shipment(uow, world.tree.province, world.tree.cities[0])
    dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 40, world.early.id))
    assert usable(uow, world.store.id) == {"EARLY1": 60, "LATE1": 100}
    assert_conserved(uow)


def test_running_short_raises_and_allocates_nothing(uow: UnitOfWork, world: World) -> None:
    stock_up(uow, world.store, world.early, 30)
    stock_up(uow, world.store, world.late, 20)
    shipment = make_shipment(uow, world.tree.province, world.tree.cities[0])
    with pytest.raises(InsufficientStock, match=r"60 doses of product MMR .* only 50 issuable"):
        dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 60))
    assert usable(uow, world.store.id) == {"EARLY1": 30, "LATE1": 20}
    assert queries.get_shipment(uow, shipment.id).status == "created"
    assert_conserved(uow)


def test_fefo_skips_an_expired_lot_and_naming_it_says_why(uow: UnitOfWork, world: World) -> None:
    # T0 is 2024-03-01 10:00 in Shanghai: a lot expiring on 2024-02-29 is expired.
    expired = make_lot(uow, world.mmr, "OLD", date(2024, 2, 29))
    stock_up(uow, world.store, expired, 50, at=T0 - timedelta(days=30))
    stock_up(uow, world.store, world.late, 50)
    shipment = make_shipment(uow, world.tree.province, world.tree.cities[0])
    with pytest.raises(
        LotOnHold, match="lot OLD cannot be dispatched: expired on 2024-02-29"
    ) as held:
        dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 10, expired.id))
    assert held.value.reasons == ("expired",)
    sent = dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 10))
    assert {ln.lot_id for ln in sent.movement.lines} == {world.late.id}
    assert_conserved(uow)


def test_dispatch_and_receipt_check_the_units_and_states(uow: UnitOfWork, world: World) -> None:
    stock_up(uow, world.store, world.early, 100)
    city = world.tree.cities[0]
    shipment = make_shipment(uow, world.tree.province, city)
    with pytest.raises(InvalidInput, match="not at the origin facility"):
        dispatch(uow, shipment.id, city.unit.id, DispatchItem(world.mmr.id, 10))
    dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 10))
    with pytest.raises(InvalidState, match="is dispatched; it must be created"):
        dispatch(uow, shipment.id, world.store.id, DispatchItem(world.mmr.id, 10))
    with pytest.raises(InvalidInput, match="not at the destination facility"):
        services.receive_shipment(
            uow,
            ReceiveShipment(
                shipment.id, world.store.id, (ReceivedLot(world.early.id, 10),), "r", key()
            ),
        )
    assert_conserved(uow)


def test_overdue_shipments_are_those_past_lead_time_plus_grace(
    uow: UnitOfWork, world: World
) -> None:
    stock_up(uow, world.store, world.early, 100)
    city, county = world.tree.cities[0], world.tree.counties[0]
    late = make_shipment(uow, world.tree.province, city, lead_time=timedelta(hours=48))
    arrived = make_shipment(uow, world.tree.province, city, lead_time=timedelta(hours=48))
    dispatch(uow, late.id, world.store.id, DispatchItem(world.mmr.id, 10), hours=0)
    dispatch(uow, arrived.id, world.store.id, DispatchItem(world.mmr.id, 10), hours=0)
    services.receive_shipment(
        uow,
        ReceiveShipment(
            arrived.id,
            city.unit.id,
            (ReceivedLot(world.early.id, 10),),
            "r",
            key(),
            T0 + timedelta(hours=40),
        ),
    )
    due = T0 + timedelta(hours=72)
    assert queries.overdue_shipments(uow, now=due) == []
    overdue = queries.overdue_shipments(uow, now=due + timedelta(minutes=1))
    assert [(o.shipment_id, o.overdue_by) for o in overdue] == [(late.id, timedelta(minutes=1))]
    shorter = queries.overdue_shipments(uow, now=due, grace=timedelta(hours=12))
    assert [o.shipment_id for o in shorter] == [late.id]
    path = queries.get_facility(uow, county.id).path
    assert queries.overdue_shipments(uow, now=due + timedelta(days=1), facility_path=path) == []
    assert_conserved(uow)


def test_planning_a_shipment_again_with_its_key_returns_the_first_and_plans_nothing(
    uow: UnitOfWork, world: World
) -> None:
    province, city = world.tree.province, world.tree.cities[0]
    plan = CreateShipment(province.id, city.id, timedelta(hours=24), "d", "week 9", "plan-9")

    first = services.create_shipment(uow, plan)
    again = services.create_shipment(uow, plan)
    unkeyed = services.create_shipment(uow, replace(plan, idempotency_key=None))

    assert again == first and unkeyed.id != first.id
    planned = {s.id for s in queries.list_shipments(uow, facility_id=province.id)}
    assert planned == {first.id, unkeyed.id}
    with pytest.raises(IdempotencyConflict, match=r"plan-9.*already used by shipment"):
        services.create_shipment(uow, replace(plan, reference="week 10"))


def test_twin_requests_racing_with_one_key_plan_one_shipment(engine: Engine, world: World) -> None:
    province, city = world.tree.province, world.tree.cities[0]
    plan = CreateShipment(province.id, city.id, timedelta(hours=24), "d", None, "twin-1")
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def create() -> None:
        barrier.wait()
        try:
            results.append(services.create_shipment(make_uow(engine), plan).id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 4 and len(set(results)) == 1
