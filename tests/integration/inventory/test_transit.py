"""Shipments on the road (rule 27): loggers attached and detached, what travelled during an
excursion, and holds asked for on the road landing in quarantine at the receipt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from inventory import queries, services
from inventory.commands import (
    AttachLogger,
    CreateStorageUnit,
    DetachLogger,
    DispatchItem,
    DispatchShipment,
    HoldTransitExposure,
    MarkShipmentLost,
    ReceivedLot,
    ReceiveReturn,
    ReceiveShipment,
    RefuseShipment,
    ReleaseStock,
    ReverseMovement,
)
from inventory.domain.excursions import ExcursionRef
from inventory.errors import InvalidInput, InvalidState, NotFound
from inventory.results import ShipmentPosted, ShipmentView
from inventory.unit_of_work import UnitOfWork
from tests.builders import T0, assert_conserved, key, make_shipment, make_uow, stock_up
from tests.integration.inventory.conftest import World
from tests.integration.inventory.test_concurrency import race

DISPATCHED = T0 + timedelta(hours=1)
ARRIVED = T0 + timedelta(hours=9)
BACK = T0 + timedelta(hours=20)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ns(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds()) * 1_000_000_000


def on_the_road(uow: UnitOfWork, world: World) -> ShipmentView:
    """150 doses (100 EARLY1 + 50 LATE1) from the province to the city, dispatched T0+1h."""
    stock_up(uow, world.store, world.early, 100)
    stock_up(uow, world.store, world.late, 200)
    shipment = make_shipment(uow, world.tree.province, world.tree.cities[0])
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id,
            world.store.id,
            (DispatchItem(world.mmr.id, 150),),
            "dispatcher",
            key("dispatch"),
            DISPATCHED,
        ),
    )
    return shipment


def receive(uow: UnitOfWork, world: World, shipment: ShipmentView, at: datetime = ARRIVED):  # type: ignore[no-untyped-def]
    return services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id,
            world.tree.cities[0].unit.id,
            (ReceivedLot(world.early.id, 100), ReceivedLot(world.late.id, 50)),
            "receiver",
            key("receive"),
            at,
        ),
    )


def road_excursion(shipment_id: int, start: datetime) -> ExcursionRef:
    return ExcursionRef("GD", f"shipment-{shipment_id}", "who-heat", _ns(start))


def test_a_logger_goes_on_at_dispatch_and_comes_off_at_receipt(
    uow: UnitOfWork, world: World
) -> None:
    shipment = on_the_road(uow, world)

    on = services.attach_logger(uow, AttachLogger(shipment.id, "TL-7", "dispatcher"))

    assert (on.unit, on.attached_at, on.detached_at) == (
        f"shipment-{shipment.id}",
        DISPATCHED,
        None,
    )
    again = services.attach_logger(uow, AttachLogger(shipment.id, "TL-7", "dispatcher"))
    assert again == on  # the same scan twice
    [binding] = queries.transit_bindings(uow)
    assert (binding.sensor_id, binding.unit, binding.valid_from, binding.valid_to) == (
        "TL-7",
        f"shipment-{shipment.id}",
        DISPATCHED,
        None,
    )
    assert binding.facility == world.tree.province.facility.code

    receive(uow, world, shipment)

    [off] = queries.shipment_loggers(uow, shipment.id)
    assert (off.detached_at, off.detached_by) == (ARRIVED, "receiver")
    [journey] = queries.trace_lot(uow, world.early.id).shipments
    assert journey.loggers == ("TL-7",)
    assert journey.decision is not None and journey.decision.decision == "accept"
    with pytest.raises(InvalidState, match="a logger is attached to a shipment once"):
        services.attach_logger(uow, AttachLogger(shipment.id, "TL-7", "dispatcher"))
    assert_conserved(uow)


def test_attaching_is_refused_before_dispatch_after_receipt_and_on_a_second_shipment(
    uow: UnitOfWork, world: World
) -> None:
    planned = make_shipment(uow, world.tree.province, world.tree.cities[0])
    with pytest.raises(
        InvalidState, match="is created: a logger is attached to a shipment on the road"
    ):
        services.attach_logger(uow, AttachLogger(planned.id, "TL-1", "dispatcher"))
    shipment = on_the_road(uow, world)
    services.attach_logger(uow, AttachLogger(shipment.id, "TL-1", "dispatcher"))
    other = make_shipment(uow, world.tree.province, world.tree.cities[0])
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            other.id,
            world.store.id,
            (DispatchItem(world.mmr.id, 10),),
            "dispatcher",
            key("dispatch"),
            DISPATCHED,
        ),
    )
    with pytest.raises(InvalidState, match=f"logger TL-1 is on shipment {shipment.id}"):
        services.attach_logger(uow, AttachLogger(other.id, "TL-1", "dispatcher"))
    with pytest.raises(InvalidInput, match="not before it"):
        services.attach_logger(uow, AttachLogger(other.id, "TL-2", "dispatcher", attached_at=T0))
    with pytest.raises(InvalidInput, match="1 to 1800 seconds"):
        services.attach_logger(uow, AttachLogger(other.id, "TL-2", "d", reporting_interval_s=0))
    with pytest.raises(InvalidInput, match="sensor id"):
        services.attach_logger(uow, AttachLogger(other.id, "  ", "dispatcher"))
    with pytest.raises(NotFound):
        services.attach_logger(uow, AttachLogger(9999, "TL-2", "dispatcher"))
    receive(uow, world, shipment)
    with pytest.raises(InvalidState, match="is received"):
        services.attach_logger(uow, AttachLogger(shipment.id, "TL-9", "dispatcher"))
    # Off the first shipment (by its receipt), the logger may travel again.
    services.attach_logger(uow, AttachLogger(other.id, "TL-1", "dispatcher"))
    assert queries.verify_ledger(uow) == []


def test_detaching_names_what_is_wrong(uow: UnitOfWork, world: World) -> None:
    shipment = on_the_road(uow, world)
    services.attach_logger(uow, AttachLogger(shipment.id, "TL-3", "dispatcher"))
    with pytest.raises(NotFound, match="TL-4 is not attached"):
        services.detach_logger(uow, DetachLogger(shipment.id, "TL-4", "receiver"))
    with pytest.raises(InvalidInput, match="it is detached after that"):
        services.detach_logger(uow, DetachLogger(shipment.id, "TL-3", "receiver", DISPATCHED))
    off = services.detach_logger(uow, DetachLogger(shipment.id, "TL-3", "receiver", ARRIVED))
    assert off.detached_at == ARRIVED
    with pytest.raises(InvalidState, match="was detached"):
        services.detach_logger(uow, DetachLogger(shipment.id, "TL-3", "receiver"))


def test_a_storage_unit_cannot_take_a_transit_code(uow: UnitOfWork, world: World) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        services.create_storage_unit(
            uow, CreateStorageUnit("shipment-4", world.tree.province.id, "cold_box")
        )


def test_what_travelled_during_an_excursion_on_the_road(uow: UnitOfWork, world: World) -> None:
    shipment = on_the_road(uow, world)
    receive(uow, world, shipment)

    during = queries.transit_exposure(
        uow, shipment.id, T0 + timedelta(hours=3), T0 + timedelta(hours=5)
    )
    assert {(x.lot_number, x.doses) for x in during} == {("EARLY1", 100), ("LATE1", 50)}
    assert queries.transit_exposure(uow, shipment.id, ARRIVED, ARRIVED + timedelta(hours=1)) == []
    [place] = queries.transit_places(uow, [shipment.id, 9999]).values()
    assert (place.unit, place.profile, place.destination) == (
        f"shipment-{shipment.id}",
        "2-8",
        world.tree.cities[0].facility.code,
    )


def test_a_hold_asked_on_the_road_lands_in_quarantine_at_the_receipt(
    uow: UnitOfWork, world: World
) -> None:
    shipment = on_the_road(uow, world)
    ref = road_excursion(shipment.id, T0 + timedelta(hours=3))
    command = HoldTransitExposure(ref, (world.early.id, world.late.id), "heat on the road", "al")

    held = services.hold_transit_exposure(uow, command)
    again = services.hold_transit_exposure(uow, command)

    assert held.pending_lot_ids == again.pending_lot_ids
    assert set(held.pending_lot_ids) == {world.early.id, world.late.id}
    assert len(queries.shipment_holds(uow, shipment.id)) == 2
    receive(uow, world, shipment)
    stock = queries.stock_on_hand(uow, storage_unit_id=world.tree.cities[0].unit.id)
    assert {(x.lot_number, x.usable.doses, x.held.doses) for x in stock.lines} == {
        ("EARLY1", 0, 100),
        ("LATE1", 0, 50),
    }
    assert_conserved(uow)


def test_a_hold_asked_after_arrival_quarantines_what_arrived_in_the_receiving_unit(
    uow: UnitOfWork, world: World
) -> None:
    shipment = on_the_road(uow, world)
    receive(uow, world, shipment)
    ref = road_excursion(shipment.id, T0 + timedelta(hours=3))
    command = HoldTransitExposure(ref, (world.early.id,), "backlog showed heat", "al")

    held = services.hold_transit_exposure(uow, command)
    again = services.hold_transit_exposure(uow, command)

    assert held.movement is not None and again.movement == held.movement
    assert held.movement.reference == ref.render()
    stock = queries.stock_on_hand(uow, storage_unit_id=world.tree.cities[0].unit.id)
    assert {(x.lot_number, x.usable.doses, x.held.doses) for x in stock.lines} == {
        ("EARLY1", 0, 100),
        ("LATE1", 50, 0),
    }
    with pytest.raises(InvalidInput, match="not a shipment's transit unit"):
        services.hold_transit_exposure(
            uow, HoldTransitExposure(ExcursionRef("GD", "fridge-1", "x", 1), (), "r", "al")
        )
    assert_conserved(uow)


def test_a_record_that_does_not_cover_the_journey_is_accepted_only_with_an_override(
    uow: UnitOfWork, world: World
) -> None:
    shipment = on_the_road(uow, world)
    city = world.tree.cities[0]
    lots = (ReceivedLot(world.early.id, 100), ReceivedLot(world.late.id, 50))

    def accept(override: str | None, decision: str = "accept"):  # type: ignore[no-untyped-def]
        return services.receive_shipment(
            uow,
            ReceiveShipment(
                shipment.id,
                city.unit.id,
                lots,
                "supervisor",
                key("receive"),
                ARRIVED,
                decision=decision,
                record_complete=False,
                override_reason=override,
            ),
        )

    with pytest.raises(InvalidState, match="needs a supervisor's override with a reason"):
        accept(None)
    with pytest.raises(InvalidState, match="override"):
        accept("   ")
    with pytest.raises(InvalidInput, match="decision must be one of"):
        accept("x", decision="maybe")
    with pytest.raises(InvalidInput, match="refuse it"):
        accept("x", decision="refuse")

    got = accept("logger battery died at km 80; box checked cold by hand", "accept_quarantined")

    assert got.status == "received"
    decision = queries.get_shipment(uow, shipment.id).decision
    assert decision is not None
    assert (decision.decision, decision.record_complete, decision.override_by) == (
        "accept_quarantined",
        False,
        "supervisor",
    )
    [journey] = queries.trace_lot(uow, world.early.id).shipments
    assert journey.decision == decision
    stock = queries.stock_on_hand(uow, storage_unit_id=city.unit.id)
    assert {(x.lot_number, x.usable.doses, x.held.doses) for x in stock.lines} == {
        ("EARLY1", 0, 100),
        ("LATE1", 0, 50),
    }
    assert_conserved(uow)


def refuse(uow: UnitOfWork, shipment: ShipmentView) -> ShipmentPosted:
    return services.refuse_shipment(
        uow,
        RefuseShipment(
            shipment.id, "no transport record for 6 h", "receiver", key("refuse"), ARRIVED, False
        ),
    )


def receive_back(  # type: ignore[no-untyped-def]
    uow: UnitOfWork,
    world: World,
    shipment: ShipmentView,
    late: int = 50,
    reason: str | None = None,
    unit: int | None = None,
    at: datetime = BACK,
):
    return services.receive_return(
        uow,
        ReceiveReturn(
            shipment.id,
            (ReceivedLot(world.early.id, 100), ReceivedLot(world.late.id, late, reason)),
            "sender",
            key("return"),
            unit,
            at,
        ),
    )


def test_a_refused_shipment_goes_back_to_the_sender_on_the_road(
    uow: UnitOfWork, world: World
) -> None:
    shipment = on_the_road(uow, world)
    services.attach_logger(uow, AttachLogger(shipment.id, "TL-5", "dispatcher"))
    command = RefuseShipment(
        shipment.id, "no transport record for 6 h", "receiver", key("refuse"), ARRIVED, False
    )

    refused = services.refuse_shipment(uow, command)

    assert refused.status == "refused"
    assert services.refuse_shipment(uow, command) == refused  # a retry posts nothing
    assert {(x.account, x.doses) for x in refused.movement.lines if x.doses > 0} == {
        ("in_transit_returned", 100),
        ("in_transit_returned", 50),
    }
    # not back at the sender yet: only what never left is in its unit
    stock = queries.stock_on_hand(uow, storage_unit_id=world.store.id)
    assert {(x.lot_number, x.usable.doses, x.held.doses) for x in stock.lines} == {
        ("LATE1", 150, 0)
    }
    sender = queries.stock_on_hand(uow, facility_id=world.tree.province.id)
    assert {(t.lot_number, t.in_transit.doses, t.returning) for t in sender.in_transit} == {
        ("EARLY1", 100, True),
        ("LATE1", 50, True),
    }
    assert queries.stock_on_hand(uow, facility_id=world.tree.cities[0].id).in_transit == ()
    view = queries.get_shipment(uow, shipment.id)
    assert (view.status, view.returning, view.refused_at) == ("refused", True, ARRIVED)
    [logger] = queries.shipment_loggers(uow, shipment.id)
    assert logger.detached_at is None  # it watches the journey back too
    with pytest.raises(InvalidState, match="is refused"):
        receive(uow, world, shipment)
    [journey] = queries.trace_lot(uow, world.early.id).shipments
    assert (journey.status, journey.refused_at, journey.returned) == ("refused", ARRIVED, None)
    assert queries.trace_lot(uow, world.early.id).conservation.in_transit == 100
    assert_conserved(uow)

    services.reverse_movement(
        uow, ReverseMovement(refused.movement.id, "refused the wrong box", "receiver", key("r"))
    )
    view = queries.get_shipment(uow, shipment.id)
    assert (view.status, view.refused_at) == ("dispatched", None)
    assert_conserved(uow)


def test_the_sender_receives_the_return_held_with_its_shortfall_lost(
    uow: UnitOfWork, world: World
) -> None:
    shipment = on_the_road(uow, world)
    refused = refuse(uow, shipment)
    # a logger put into the box for the way back, from the refusal on
    services.attach_logger(
        uow, AttachLogger(shipment.id, "TL-BACK", "receiver", attached_at=ARRIVED)
    )
    with pytest.raises(InvalidInput, match="needs a discrepancy reason"):
        receive_back(uow, world, shipment, late=40)
    other = world.tree.cities[0].unit.id
    with pytest.raises(InvalidInput, match="not at the origin facility"):
        receive_back(uow, world, shipment, unit=other)
    with pytest.raises(InvalidInput, match="before its refusal"):
        receive_back(uow, world, shipment, reason="x", at=ARRIVED - timedelta(hours=1))
    with pytest.raises(InvalidInput, match="are not in the receipt"):
        services.receive_return(
            uow, ReceiveReturn(shipment.id, (ReceivedLot(world.early.id, 100),), "s", key("x"))
        )
    assert queries.get_shipment(uow, shipment.id).status == "refused"  # nothing written

    command = ReceiveReturn(
        shipment.id,
        (
            ReceivedLot(world.early.id, 100),
            ReceivedLot(world.late.id, 40, "a box broke on the way back"),
        ),
        "sender",
        key("return"),
        occurred_at=BACK,
    )
    back = services.receive_return(uow, command)

    assert back.status == "returned"
    assert services.receive_return(uow, command) == back  # a retry posts nothing
    assert back.movement.kind == "return_receipt"
    assert back.movement.reason is not None
    assert back.movement.reason.startswith("refused by the receiver, returned: no transport")
    assert [(d.lot_id, d.kind, d.dispatched, d.received) for d in back.discrepancies] == [
        (world.late.id, "shortfall", 50, 40)
    ]
    stock = queries.stock_on_hand(uow, storage_unit_id=world.store.id)
    assert {(x.lot_number, x.usable.doses, x.held.doses) for x in stock.lines} == {
        ("EARLY1", 0, 100),
        ("LATE1", 150, 40),
    }
    assert queries.stock_on_hand(uow, facility_id=world.tree.province.id).in_transit == ()
    view = queries.get_shipment(uow, shipment.id)
    assert (view.status, view.returned_at) == ("returned", BACK)
    assert {(x.lot_number, x.returned) for x in view.lines} == {("EARLY1", 100), ("LATE1", 40)}
    [logger] = queries.shipment_loggers(uow, shipment.id)
    assert (logger.sensor_id, logger.detached_at) == ("TL-BACK", BACK)  # the journey back ended
    trace = queries.trace_lot(uow, world.late.id)
    [journey] = trace.shipments
    assert (journey.status, journey.returned, journey.returned_at) == ("returned", 40, BACK)
    assert dict(trace.wastage_by_reason) == {"lost": 10}
    assert_conserved(uow)

    with pytest.raises(InvalidState, match="reverse that return receipt first"):
        services.reverse_movement(uow, ReverseMovement(refused.movement.id, "x", "s", key("r1")))
    services.reverse_movement(uow, ReverseMovement(back.movement.id, "miscounted", "s", key("r2")))
    view = queries.get_shipment(uow, shipment.id)
    assert (view.status, view.returned_at, view.discrepancies) == ("refused", None, ())
    assert {x.returned for x in view.lines} == {None}
    assert_conserved(uow)

    again = services.receive_return(
        uow,
        ReceiveReturn(
            shipment.id,
            (ReceivedLot(world.early.id, 100), ReceivedLot(world.late.id, 50)),
            "sender",
            key("return again"),
        ),
    )
    assert (again.status, again.discrepancies) == ("returned", ())
    released = services.release_stock(
        uow,
        ReleaseStock(world.store.id, world.early.id, "manufacturer letter 7", "s", key("rel")),
    )
    assert released.kind == "release"
    stock = queries.stock_on_hand(uow, storage_unit_id=world.store.id)
    assert {(x.lot_number, x.usable.doses, x.held.doses) for x in stock.lines} == {
        ("EARLY1", 100, 0),
        ("LATE1", 150, 50),
    }
    assert_conserved(uow)


def test_a_return_lost_on_the_way_back_is_wasted_at_the_sender(
    uow: UnitOfWork, world: World
) -> None:
    shipment = on_the_road(uow, world)
    refused = refuse(uow, shipment)
    lost = services.mark_shipment_lost(
        uow, MarkShipmentLost(shipment.id, "truck stolen", "sender", key("lost"), BACK)
    )
    assert lost.status == "lost"
    assert dict(queries.trace_lot(uow, world.early.id).wastage_by_reason) == {"lost": 100}
    assert_conserved(uow)
    with pytest.raises(InvalidState, match="reverse that loss first"):
        services.reverse_movement(uow, ReverseMovement(refused.movement.id, "x", "s", key("r1")))
    services.reverse_movement(uow, ReverseMovement(lost.movement.id, "found it", "s", key("r2")))
    assert queries.get_shipment(uow, shipment.id).status == "refused"
    assert_conserved(uow)


def test_a_return_not_received_back_in_time_is_overdue(uow: UnitOfWork, world: World) -> None:
    shipment = on_the_road(uow, world)  # lead time: make_shipment's
    lead = queries.get_shipment(uow, shipment.id).expected_lead_time
    refuse(uow, shipment)
    due = ARRIVED + lead + timedelta(hours=24)
    assert queries.overdue_shipments(uow, due - timedelta(minutes=1)) == []
    [late] = queries.overdue_shipments(uow, due + timedelta(hours=2))
    assert (late.shipment_id, late.returning, late.refused_at, late.due_at) == (
        shipment.id,
        True,
        ARRIVED,
        due,
    )
    receive_back(uow, world, shipment, at=ARRIVED + timedelta(hours=1))
    assert queries.overdue_shipments(uow, due + timedelta(hours=2)) == []


def test_one_logger_raced_onto_two_shipments_lands_on_one(
    engine: Engine, uow: UnitOfWork, world: World
) -> None:
    first = on_the_road(uow, world)
    second = make_shipment(uow, world.tree.province, world.tree.cities[0])
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            second.id,
            world.store.id,
            (DispatchItem(world.mmr.id, 10),),
            "dispatcher",
            key("dispatch"),
            DISPATCHED,
        ),
    )
    shipments = (first.id, second.id)

    outcomes = race(
        2,
        lambda i: services.attach_logger(
            make_uow(engine), AttachLogger(shipments[i], "TL-RACE", f"dispatcher-{i}")
        ),
    )

    won = [o for o in outcomes if not isinstance(o, Exception)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], InvalidState) and "detach it there first" in str(lost[0])
    open_ones = [b for b in queries.transit_bindings(uow) if b.valid_to is None]
    assert [b.sensor_id for b in open_ones] == ["TL-RACE"]
