"""Quarantine, release, destroy, and recall: held stock is never issued, and says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    DestroyStock,
    DispatchItem,
    DispatchShipment,
    QuarantineStock,
    RecallLot,
    ReceivedLot,
    ReceiveShipment,
    ReleaseStock,
    TransferStock,
)
from inventory.domain.accounts import WastageReason
from inventory.errors import InsufficientStock, InvalidInput, InvalidState, LotOnHold
from inventory.unit_of_work import UnitOfWork
from tests.builders import T0, assert_conserved, key, make_shipment, stock_up
from tests.integration.inventory.conftest import World


def held_and_usable(uow: UnitOfWork, unit_id: int) -> dict[str, tuple[int, int]]:
    report = queries.stock_on_hand(uow, storage_unit_id=unit_id)
    return {line.lot_number: (line.usable.doses, line.held.doses) for line in report.lines}


def at(hours: float):  # type: ignore[no-untyped-def]
    return T0 + timedelta(hours=hours)


def test_quarantined_stock_stays_in_the_unit_but_cannot_be_administered(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    services.quarantine_stock(
        uow,
        QuarantineStock(
            unit.id,
            "excursion 12: 9.5 °C for 11 h",
            "keeper",
            key(),
            world.early.id,
            30,
            occurred_at=at(1),
        ),
    )
    assert held_and_usable(uow, unit.id) == {"EARLY1": (20, 30)}
    with pytest.raises(LotOnHold, match="30 of its doses there are quarantined") as held:
        services.administer_doses(
            uow, AdministerDoses(unit.id, world.early.id, 25, "n", key(), at(2))
        )
    assert held.value.reasons == ("quarantined",)
    services.administer_doses(uow, AdministerDoses(unit.id, world.early.id, 20, "n", key(), at(2)))
    assert held_and_usable(uow, unit.id) == {"EARLY1": (0, 30)}
    assert_conserved(uow)


def test_release_needs_a_reference_and_returns_doses_to_usable_stock(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    services.quarantine_stock(
        uow, QuarantineStock(unit.id, "excursion", "k", key(), occurred_at=at(1))
    )
    with pytest.raises(InvalidInput, match="a release reference is required"):
        services.release_stock(uow, ReleaseStock(unit.id, world.early.id, " ", "supervisor", key()))
    released = services.release_stock(
        uow,
        ReleaseStock(
            unit.id,
            world.early.id,
            "MFR-2024-118 stability data",
            "supervisor",
            key(),
            occurred_at=at(5),
        ),
    )
    assert released.reference == "MFR-2024-118 stability data"
    assert held_and_usable(uow, unit.id) == {"EARLY1": (50, 0)}
    assert_conserved(uow)


def test_destroying_held_stock_is_temperature_damage_wastage(uow: UnitOfWork, world: World) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    stock_up(uow, unit, world.late, 10)
    services.quarantine_stock(uow, QuarantineStock(unit.id, "froze", "k", key(), occurred_at=at(1)))
    assert held_and_usable(uow, unit.id) == {"EARLY1": (0, 50), "LATE1": (0, 10)}
    destroyed = services.destroy_stock(
        uow, DestroyStock(unit.id, world.early.id, "supervisor", key(), occurred_at=at(3))
    )
    assert {(ln.account, ln.reason, ln.doses) for ln in destroyed.lines} == {
        ("quarantine", None, -50),
        ("wasted", "temperature_damage", 50),
    }
    with pytest.raises(InsufficientStock, match="holds 0 quarantined doses of lot EARLY1"):
        services.destroy_stock(uow, DestroyStock(unit.id, world.early.id, "supervisor", key()))
    assert queries.trace_lot(uow, world.early.id).wastage_by_reason == (("temperature_damage", 50),)
    assert_conserved(uow)


def test_quarantining_an_empty_unit_says_so(uow: UnitOfWork, world: World) -> None:
    with pytest.raises(InvalidState, match="holds no usable stock to quarantine"):
        services.quarantine_stock(uow, QuarantineStock(world.store.id, "excursion", "k", key()))


def test_recall_quarantines_the_lot_everywhere_and_lists_who_holds_it(
    uow: UnitOfWork, world: World
) -> None:
    province, city = world.tree.province, world.tree.cities[0]
    county = world.tree.counties[0]
    stock_up(uow, world.store, world.early, 300)
    stock_up(uow, world.store, world.late, 100)
    to_city = make_shipment(uow, province, city)
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            to_city.id, world.store.id, (DispatchItem(world.mmr.id, 200),), "d", key(), at(1)
        ),
    )
    services.receive_shipment(
        uow,
        ReceiveShipment(
            to_city.id, city.unit.id, (ReceivedLot(world.early.id, 200),), "r", key(), at(10)
        ),
    )
    to_county = make_shipment(uow, city, county)
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            to_county.id, city.unit.id, (DispatchItem(world.mmr.id, 50),), "d", key(), at(11)
        ),
    )
    services.quarantine_stock(
        uow,
        QuarantineStock(
            city.unit.id, "excursion", "k", key(), world.early.id, 20, occurred_at=at(12)
        ),
    )

    recall = services.recall_lot(
        uow,
        RecallLot(world.early.id, "NMPA recall 2024-07", "qa officer", key(), "sterility", at(13)),
    )

    holders = {(h.facility_code, h.storage_unit_code, h.doses) for h in recall.holders}
    assert holders == {
        (province.facility.code, world.store.code, 100),
        (city.facility.code, city.unit.code, 150),
    }
    assert [(t.shipment_id, t.destination_facility_id, t.doses) for t in recall.in_transit] == [
        (to_county.id, county.id, 50)
    ]
    assert held_and_usable(uow, world.store.id) == {"EARLY1": (0, 100), "LATE1": (100, 0)}
    assert held_and_usable(uow, city.unit.id) == {"EARLY1": (0, 150)}

    with pytest.raises(LotOnHold, match="recalled"):
        services.release_stock(uow, ReleaseStock(city.unit.id, world.early.id, "ref", "s", key()))
    with pytest.raises(InvalidState, match="already recalled"):
        services.recall_lot(uow, RecallLot(world.early.id, "again", "qa", key()))
    arrived = services.receive_shipment(
        uow,
        ReceiveShipment(
            to_county.id, county.unit.id, (ReceivedLot(world.early.id, 50),), "r", key(), at(20)
        ),
    )
    assert {(ln.account, ln.doses) for ln in arrived.movement.lines} == {
        ("in_transit", -50),
        ("quarantine", 50),
    }
    services.destroy_stock(
        uow,
        DestroyStock(
            county.unit.id,
            world.early.id,
            "s",
            key(),
            reason=WastageReason.RECALL,
            occurred_at=at(21),
        ),
    )
    trace = queries.trace_lot(uow, world.early.id, at=at(22))
    assert trace.state == "recalled"
    assert trace.wastage_by_reason == (("recall", 50),)
    assert sorted(doses for _, _, doses in trace.held_now) == [100, 150]
    assert_conserved(uow)


def test_a_recalled_lot_cannot_be_dispatched_administered_or_moved(
    uow: UnitOfWork, world: World
) -> None:
    clinic = world.tree.clinics[0]
    fridge, cold_box = clinic.units
    stock_up(uow, fridge, world.early, 10)
    services.recall_lot(uow, RecallLot(world.early.id, "R-1", "qa", key(), occurred_at=at(1)))
    with pytest.raises(LotOnHold, match="lot EARLY1 cannot be administered: recalled"):
        services.administer_doses(
            uow, AdministerDoses(fridge.id, world.early.id, 1, "n", key(), at(2))
        )
    with pytest.raises(LotOnHold, match="quarantined"):
        services.transfer_stock(
            uow, TransferStock(fridge.id, cold_box.id, world.early.id, 1, "n", key(), at(2))
        )
    shipment = make_shipment(uow, clinic, world.tree.counties[0])
    with pytest.raises(LotOnHold, match="recalled"):
        services.dispatch_shipment(
            uow,
            DispatchShipment(
                shipment.id,
                fridge.id,
                (DispatchItem(world.mmr.id, 1, world.early.id),),
                "d",
                key(),
                at(2),
            ),
        )
    with pytest.raises(InsufficientStock):
        services.dispatch_shipment(
            uow,
            DispatchShipment(
                shipment.id, fridge.id, (DispatchItem(world.mmr.id, 1),), "d", key(), at(2)
            ),
        )
    assert_conserved(uow)


def test_recall_of_a_lot_held_nowhere_is_still_recorded(uow: UnitOfWork, world: World) -> None:
    recall = services.recall_lot(uow, RecallLot(world.late.id, "R-2", "qa", key()))
    assert recall.holders == () and recall.in_transit == () and recall.movement.lines == ()
    assert queries.get_lot(uow, world.late.id).recall_reference == "R-2"
    assert_conserved(uow)


def test_quarantined_stock_moves_out_of_a_failing_fridge_still_quarantined(
    uow: UnitOfWork, world: World
) -> None:
    clinic = world.tree.clinics[0]
    failing, spare = clinic.units[0], clinic.units[1]
    stock_up(uow, failing, world.early, 50)
    services.quarantine_stock(
        uow, QuarantineStock(failing.id, "heat alarm", "k", key(), world.early.id, 30, None, at(1))
    )

    moved = services.transfer_stock(
        uow,
        TransferStock(
            failing.id, spare.id, world.early.id, 30, "k", key(), at(2), "fridge died", held=True
        ),
    )

    assert {(ln.account.split(":")[0], ln.doses) for ln in moved.lines} == {
        ("quarantine", -30),
        ("quarantine", 30),
    }
    assert held_and_usable(uow, failing.id) == {"EARLY1": (20, 0)}
    assert held_and_usable(uow, spare.id) == {"EARLY1": (0, 30)}
    with pytest.raises(LotOnHold, match="30 of its doses there are quarantined"):
        services.administer_doses(
            uow, AdministerDoses(spare.id, world.early.id, 1, "n", key(), at(3))
        )
    with pytest.raises(InsufficientStock, match="holds 0 doses"):
        services.transfer_stock(
            uow,
            TransferStock(failing.id, spare.id, world.early.id, 5, "k", key(), at(3), held=True),
        )
    services.release_stock(
        uow, ReleaseStock(spare.id, world.early.id, "MFR-OK-7", "supervisor", key(), 30)
    )
    assert held_and_usable(uow, spare.id) == {"EARLY1": (30, 0)}
    assert_conserved(uow)
