"""The read side: stock on hand, stock card, lot trace, storage history, allocations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    DispatchItem,
    DispatchShipment,
    QuarantineStock,
    ReceivedLot,
    ReceiveShipment,
    RecordWastage,
    ReleaseStock,
    ReverseMovement,
    SetAllocation,
    TransferStock,
)
from inventory.domain.accounts import WastageReason
from inventory.errors import InvalidInput
from inventory.queries import LotCandidates, LotTrace, Quantity, StorageInterval
from inventory.unit_of_work import UnitOfWork
from tests.builders import (
    T0,
    assert_conserved,
    key,
    make_lot,
    make_product,
    make_shipment,
    stock_up,
)
from tests.integration.inventory.conftest import World


def at(hours: float):  # type: ignore[no-untyped-def]
    return T0 + timedelta(hours=hours)


def ship(
    uow: UnitOfWork,
    world: World,
    origin,
    destination,
    doses: int,
    sent: float,
    got: int | None,
    arrived: float,
):  # type: ignore[no-untyped-def]
    shipment = make_shipment(uow, origin, destination)
    picked = services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id, origin.unit.id, (DispatchItem(world.mmr.id, doses),), "d", key(), at(sent)
        ),
    )
    lots = {ln.lot_id: ln.doses for ln in picked.movement.lines if ln.account == "in_transit"}
    if got is not None:
        (lot_id,) = lots
        reason = None if got == doses else "short"
        services.receive_shipment(
            uow,
            ReceiveShipment(
                shipment.id,
                destination.unit.id,
                (ReceivedLot(lot_id, got, reason),),
                "r",
                key(),
                at(arrived),
            ),
        )
    return shipment


@pytest.fixture
def distributed(uow: UnitOfWork, world: World) -> World:
    """EARLY1: 500 in at the province; 300 to the city; 200 to the county; 60 and 80 to the
    clinics; administered and wasted at the clinics; 20 quarantined at the county; 50 in
    transit to the city."""
    tree = world.tree
    city, county = tree.cities[0], tree.counties[0]
    c1, c2 = tree.clinics
    stock_up(uow, world.store, world.early, 500)
    ship(uow, world, tree.province, city, 300, 1, 300, 10)
    ship(uow, world, city, county, 200, 11, 200, 20)
    ship(uow, world, county, c1, 60, 21, 60, 25)
    ship(uow, world, county, c2, 80, 21, 75, 26)
    services.administer_doses(
        uow, AdministerDoses(c1.unit.id, world.early.id, 25, "n", key(), at(30), dose_number=1)
    )
    services.administer_doses(
        uow, AdministerDoses(c2.unit.id, world.early.id, 40, "n", key(), at(31))
    )
    services.record_wastage(
        uow, RecordWastage(c2.unit.id, world.early.id, 3, WastageReason.BROKEN, "n", key(), at(32))
    )
    services.quarantine_stock(
        uow,
        QuarantineStock(
            county.unit.id, "excursion 4", "k", key(), world.early.id, 20, occurred_at=at(33)
        ),
    )
    ship(uow, world, tree.province, city, 50, 34, None, 0)
    return world


def test_stock_on_hand_of_a_subtree_shows_usable_held_and_in_transit_apart(
    uow: UnitOfWork, distributed: World
) -> None:
    report = queries.stock_on_hand(uow, facility_id=distributed.tree.province.id, subtree=True)
    (line,) = report.lines
    # province 150, city 100, county 60 - 20 held, clinic 1: 35, clinic 2: 32
    assert line.usable == Quantity(150 + 100 + 40 + 35 + 32, 35, 7)
    assert line.held == Quantity(20, 2, 0)
    assert [(t.destination_facility_id, t.in_transit.doses) for t in report.in_transit] == [
        (distributed.tree.cities[0].id, 50)
    ]
    (total,) = report.totals
    assert (total.usable.doses, total.held.doses, total.in_transit.doses) == (357, 20, 50)
    assert_conserved(uow)


def test_stock_on_hand_per_facility_and_per_unit(uow: UnitOfWork, distributed: World) -> None:
    county = distributed.tree.counties[0]
    report = queries.stock_on_hand(uow, facility_id=county.id)
    assert [(ln.usable.doses, ln.held.doses) for ln in report.lines] == [(40, 20)]
    assert report.in_transit == ()
    by_unit = queries.stock_on_hand(
        uow, facility_id=distributed.tree.province.id, subtree=True, by_unit=True
    )
    per_unit = {ln.storage_unit_id: ln.usable.doses + ln.held.doses for ln in by_unit.lines}
    assert per_unit[county.unit.id] == 60
    assert len(per_unit) == 5
    with pytest.raises(InvalidInput, match="exactly one"):
        queries.stock_on_hand(uow)
    assert_conserved(uow)


def test_stock_on_hand_names_a_hold_on_usable_stock(uow: UnitOfWork, world: World) -> None:
    old = make_lot(uow, world.mmr, "OLD", date(2024, 2, 29))
    stock_up(uow, world.store, old, 10, at=T0 - timedelta(days=9))
    report = queries.stock_on_hand(uow, storage_unit_id=world.store.id, at=T0)
    assert [(ln.lot_number, ln.holds) for ln in report.lines] == [("OLD", ("expired",))]
    assert_conserved(uow)


def test_stock_card_runs_a_balance_from_the_opening(uow: UnitOfWork, distributed: World) -> None:
    clinic = distributed.tree.clinics[1]
    card = queries.stock_card(uow, facility_id=clinic.id, lot_id=distributed.early.id)
    assert [(e.kind, e.usable_change, e.balance.usable) for e in card.entries] == [
        ("shipment_receipt", 75, 75),
        ("administration", -40, 35),
        ("wastage", -3, 32),
    ]
    assert card.entries[0].counterparty.startswith("in_transit:s")
    assert card.entries[2].counterparty.endswith(":broken")
    assert card.closing.usable == 32

    window = queries.stock_card(
        uow, storage_unit_id=clinic.unit.id, product_id=distributed.mmr.id, start=at(30), end=at(31)
    )
    assert window.opening.usable == 75
    assert [e.kind for e in window.entries] == ["administration"]
    assert window.closing.usable == 35
    assert_conserved(uow)


def test_stock_card_shows_quarantine_and_release_as_held_changes(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 30)
    services.quarantine_stock(
        uow,
        QuarantineStock(unit.id, "excursion", "k", key(), world.early.id, 10, occurred_at=at(1)),
    )
    services.release_stock(
        uow, ReleaseStock(unit.id, world.early.id, "MFR ok", "s", key(), occurred_at=at(2))
    )
    card = queries.stock_card(uow, storage_unit_id=unit.id, lot_id=world.early.id)
    assert [(e.usable_change, e.held_change, e.balance.physical) for e in card.entries] == [
        (30, 0, 30),
        (-10, 10, 30),
        (10, -10, 30),
    ]
    assert_conserved(uow)


def test_lot_trace_follows_the_lot_down_the_tree_and_conserves(
    uow: UnitOfWork, distributed: World
) -> None:
    tree = distributed.tree
    trace = queries.trace_lot(uow, distributed.early.id)
    assert isinstance(trace, LotTrace)
    assert trace.roots == (tree.province.id,)
    assert [f.facility_id for f in trace.facilities] == [
        tree.province.id,
        tree.cities[0].id,
        tree.counties[0].id,
        tree.clinics[0].id,
        tree.clinics[1].id,
    ]
    county = trace.facilities[2]
    assert county.received_from == (tree.cities[0].id,)
    assert county.shipped_to == (tree.clinics[0].id, tree.clinics[1].id)
    assert (county.received_by_shipment, county.dispatched, county.usable, county.held) == (
        200,
        140,
        40,
        20,
    )
    assert county.units[0].first_in == at(20)
    assert [(s.dispatched, s.received, s.status) for s in trace.shipments] == [
        (300, 300, "received"),
        (200, 200, "received"),
        (60, 60, "received"),
        (80, 75, "partially_received"),
        (50, None, "dispatched"),
    ]
    assert trace.shipments[3].discrepancies[0].kind == "shortfall"
    assert trace.administered_by_facility == ((tree.clinics[0].id, 25), (tree.clinics[1].id, 40))
    assert trace.wastage_by_reason == (("broken", 3), ("lost", 5))
    assert trace.held_now == ((tree.counties[0].id, tree.counties[0].unit.id, 20),)
    c = trace.conservation
    assert (c.received_from_supplier, c.usable, c.held, c.in_transit, c.administered, c.wasted) == (
        500,
        357,
        20,
        50,
        65,
        8,
    )
    assert c.balanced
    assert trace.state == "active"
    assert_conserved(uow)


def test_a_lot_number_shared_by_two_products_returns_the_candidates(
    uow: UnitOfWork, world: World
) -> None:
    bcg = make_product(uow, "BCG", doses_per_vial=20)
    make_lot(uow, bcg, "EARLY1", date(2029, 12, 31))
    found = queries.trace_lot_number(uow, "EARLY1")
    assert isinstance(found, LotCandidates)
    assert {(c.product_code, c.lot_id) for c in found.candidates} == {
        ("BCG", found.candidates[0].lot_id),
        ("MMR", world.early.id),
    }
    narrowed = queries.trace_lot_number(uow, "EARLY1", product_id=world.mmr.id)
    assert isinstance(narrowed, LotTrace) and narrowed.lot.id == world.early.id


def test_storage_history_gives_exact_intervals_for_a_unit_and_window(
    uow: UnitOfWork, world: World
) -> None:
    fridge, cold_box = world.tree.clinics[0].units
    stock_up(uow, fridge, world.early, 100, at=at(0))
    stock_up(uow, fridge, world.late, 10, at=at(1))
    services.administer_doses(
        uow, AdministerDoses(fridge.id, world.early.id, 30, "n", key(), at(3))
    )
    services.quarantine_stock(
        uow, QuarantineStock(fridge.id, "excursion", "k", key(), occurred_at=at(4))
    )
    services.release_stock(
        uow, ReleaseStock(fridge.id, world.early.id, "ok", "s", key(), occurred_at=at(5))
    )
    services.transfer_stock(
        uow, TransferStock(fridge.id, cold_box.id, world.early.id, 70, "k", key(), at(6))
    )

    history = queries.storage_history(uow, fridge.id, at(2), at(8))

    early, late = world.early.id, world.late.id
    assert [(h.lot_id, h.doses, h.start, h.end) for h in history] == [
        (early, 100, at(2), at(3)),
        (late, 10, at(2), at(8)),
        (early, 70, at(3), at(6)),
    ]
    assert all(isinstance(h, StorageInterval) and h.storage_unit_id == fridge.id for h in history)
    boxed = queries.storage_history(uow, cold_box.id, at(0), at(10))
    assert [(h.lot_id, h.doses, h.start, h.end) for h in boxed] == [(early, 70, at(6), at(10))]
    assert queries.storage_history(uow, fridge.id, at(-5), at(0)) == []
    assert_conserved(uow)


def test_storage_history_of_a_lot_spans_every_unit_it_was_in(
    uow: UnitOfWork, distributed: World
) -> None:
    history = queries.lot_storage_history(uow, distributed.early.id, end=at(40))
    clinic2 = distributed.tree.clinics[1].unit.id
    mine = [(h.doses, h.start, h.end) for h in history if h.storage_unit_id == clinic2]
    assert mine == [(75, at(26), at(31)), (35, at(31), at(32)), (32, at(32), at(40))]
    store = [
        (h.doses, h.start, h.end) for h in history if h.storage_unit_id == distributed.store.id
    ]
    assert store == [(500, at(0), at(1)), (200, at(1), at(34)), (150, at(34), at(40))]
    assert_conserved(uow)


def test_a_reversed_movement_leaves_no_trace_in_storage_history(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 40, at=at(0))
    given = services.administer_doses(
        uow, AdministerDoses(unit.id, world.early.id, 15, "n", key(), at(2))
    )
    services.reverse_movement(uow, ReverseMovement(given.id, "wrong unit", "s", key()))
    history = queries.storage_history(uow, unit.id, at(0), at(4))
    assert [(h.doses, h.start, h.end) for h in history] == [(40, at(0), at(4))]
    assert_conserved(uow)


def test_allocations_compare_with_shipped_received_and_administered_up_the_tree(
    uow: UnitOfWork, distributed: World
) -> None:
    tree = distributed.tree
    product, march = distributed.mmr.id, (date(2024, 3, 1), date(2024, 3, 31))
    services.set_allocation(
        uow, SetAllocation(tree.cities[0].id, product, *march, 400, tree.province.id, "planner")
    )
    services.set_allocation(
        uow, SetAllocation(tree.counties[0].id, product, *march, 250, tree.cities[0].id, "planner")
    )
    services.set_allocation(
        uow, SetAllocation(tree.counties[0].id, product, *march, 220, tree.cities[0].id, "planner")
    )
    with pytest.raises(InvalidInput, match="set by its parent"):
        services.set_allocation(
            uow, SetAllocation(tree.clinics[0].id, product, *march, 10, tree.province.id, "x")
        )
    rows = {
        r.facility_id: r for r in queries.allocation_status(uow, tree.province.id, product, *march)
    }
    city, county = rows[tree.cities[0].id], rows[tree.counties[0].id]
    assert (city.allocated, city.allocated_to_children, city.dispatched, city.received) == (
        400,
        220,
        350,
        300,
    )
    assert (county.allocated, county.dispatched, county.received) == (220, 200, 200)
    assert rows[tree.province.id].administered_in_subtree == 65
    assert county.administered == 0 and county.administered_in_subtree == 65
    assert rows[tree.clinics[1].id].administered == 40
    assert_conserved(uow)


def test_a_quota_counts_by_its_days_inside_the_period_asked(
    uow: UnitOfWork, distributed: World
) -> None:
    """A quarter's quota, asked for one month, counts its share of days; asked for the
    quarter, all of it; a period across two quotas takes its part of each."""
    tree, product = distributed.tree, distributed.mmr.id
    city = tree.cities[0].id
    for first, last, doses in (
        (date(2024, 1, 1), date(2024, 3, 31), 910),  # 91 days: 10 a day
        (date(2024, 4, 1), date(2024, 6, 30), 182),  # 91 days: 2 a day
    ):
        services.set_allocation(
            uow, SetAllocation(city, product, first, last, doses, tree.province.id, "planner")
        )

    def allocated(first: date, last: date) -> tuple[int, int]:
        rows = {
            r.facility_id: r
            for r in queries.allocation_status(uow, tree.province.id, product, first, last)
        }
        return rows[city].allocated, rows[tree.province.id].allocated_to_children

    assert allocated(date(2024, 1, 1), date(2024, 3, 31)) == (910, 910)
    assert allocated(date(2024, 2, 1), date(2024, 2, 29)) == (290, 290)  # 29 days
    assert allocated(date(2024, 3, 17), date(2024, 4, 15)) == (150 + 30, 180)  # 15 + 15 days
    assert allocated(date(2024, 7, 1), date(2024, 7, 31)) == (0, 0)
