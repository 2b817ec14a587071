"""The ledger check accounts for every shipment's lines: what is in transit is what was
dispatched, and nothing is left in transit once a shipment is received or lost."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from inventory import models, queries, services
from inventory.commands import DispatchItem, DispatchShipment, ReceivedLot, ReceiveShipment
from inventory.results import ShipmentView
from inventory.unit_of_work import UnitOfWork
from tests.builders import T0, key, make_shipment, stock_up
from tests.integration.inventory.conftest import World


def two_shipments(uow: UnitOfWork, world: World) -> tuple[ShipmentView, ShipmentView]:
    """One shipment on the road (60 doses of EARLY1) and one received in full (40 doses)."""
    province, city = world.tree.province, world.tree.cities[0]
    stock_up(uow, world.store, world.early, 100)
    on_the_road, received = make_shipment(uow, province, city), make_shipment(uow, province, city)
    for shipment, doses in ((on_the_road, 60), (received, 40)):
        services.dispatch_shipment(
            uow,
            DispatchShipment(
                shipment.id,
                world.store.id,
                (DispatchItem(world.mmr.id, doses),),
                "dispatcher",
                key("dispatch"),
                T0 + timedelta(hours=1),
            ),
        )
    services.receive_shipment(
        uow,
        ReceiveShipment(
            received.id,
            city.unit.id,
            (ReceivedLot(world.early.id, 40),),
            "receiver",
            key("receive"),
            T0 + timedelta(hours=20),
        ),
    )
    return on_the_road, received


def tamper(uow: UnitOfWork, statement: object) -> None:
    with uow:
        uow.session.execute(statement)  # type: ignore[call-overload]
        uow.commit()


def test_a_sound_ledger_with_shipments_on_the_road_and_received_has_no_finding(
    uow: UnitOfWork, world: World
) -> None:
    two_shipments(uow, world)
    assert queries.verify_ledger(uow) == []


def test_a_dispatched_shipment_whose_lines_say_more_than_is_in_transit_is_found(
    uow: UnitOfWork, world: World
) -> None:
    on_the_road, _ = two_shipments(uow, world)
    line = models.ShipmentLine
    tamper(
        uow,
        update(line)
        .where(line.shipment_id == on_the_road.id)
        .values(dispatched_doses=line.dispatched_doses + 5),
    )
    assert queries.verify_ledger(uow) == [
        f"shipment {on_the_road.id} (dispatched): in transit holds 60 doses of lot"
        f" {world.early.id}, its lines say 65"
    ]


def test_a_received_shipment_still_in_transit_or_without_a_received_quantity_is_found(
    uow: UnitOfWork, world: World
) -> None:
    on_the_road, received = two_shipments(uow, world)
    tamper(
        uow,
        update(models.Shipment).where(models.Shipment.id == on_the_road.id).values(status="lost"),
    )
    tamper(
        uow,
        update(models.ShipmentLine)
        .where(models.ShipmentLine.shipment_id == received.id)
        .values(received_doses=None),
    )
    assert queries.verify_ledger(uow) == [
        f"shipment {on_the_road.id} (lost): in transit holds 60 doses of lot"
        f" {world.early.id}, its lines say 0",
        f"shipment {received.id} (received): a line has no received quantity",
    ]
