"""Exposure as the ledger answers it, without any telemetry: the lots and doses that were in
a unit between two instants (held stock included and flagged), where a lot stayed, the
places telemetry names by code, and the quarantine of everything exposed to an excursion in
one transaction, idempotent on the excursion's reference."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from inventory import models as m
from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    QuarantineRequest,
    QuarantineStock,
    ReverseMovement,
    TransferStock,
)
from inventory.domain.excursions import ExcursionRef
from inventory.errors import InvalidInput, NotFound
from inventory.unit_of_work import UnitOfWork
from tests.builders import T0, assert_conserved, key, make_lot, make_product, make_uow, stock_up
from tests.integration.inventory.conftest import World
from tests.integration.inventory.test_concurrency import race


def at(hours: float):  # type: ignore[no-untyped-def]
    return T0 + timedelta(hours=hours)


def heat_in(world: World, unit_code: str, hours: float = 2) -> ExcursionRef:
    facility = world.tree.clinics[0].facility.code
    return ExcursionRef(facility, unit_code, "who-heat", int(at(hours).timestamp()) * 10**9)


def movements(uow: UnitOfWork) -> int:
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(m.Movement)) or 0)


def test_exposure_names_every_lot_in_the_unit_during_the_window_with_held_stock_flagged(
    uow: UnitOfWork, world: World
) -> None:
    fridge, cold_box = world.tree.clinics[0].units
    bcg = make_product(uow, "BCG", freeze_sensitive=True)
    frozen = make_lot(uow, bcg, "BCG1", date(2031, 1, 31))
    stock_up(uow, fridge, world.early, 100, at=at(0))
    stock_up(uow, fridge, world.late, 10, at=at(0))
    stock_up(uow, fridge, frozen, 40, at=at(0))
    services.quarantine_stock(  # held before the window: still exposed, flagged
        uow, QuarantineStock(fridge.id, "vvm doubt", "k", key(), frozen.id, 15, occurred_at=at(1))
    )
    services.transfer_stock(  # the late lot left before the window opened
        uow, TransferStock(fridge.id, cold_box.id, world.late.id, 10, "k", key(), at(1))
    )
    stock_up(uow, fridge, world.early, 30, at=at(4))  # arrived during it
    services.administer_doses(
        uow, AdministerDoses(fridge.id, world.early.id, 20, "n", key(), at(5))
    )

    found = queries.unit_exposure(uow, fridge.id, at(2), at(6))

    assert [(x.lot_id, x.doses, x.held_doses, x.held) for x in found] == [
        (world.early.id, 130, 0, False),
        (frozen.id, 40, 15, True),
    ]
    early, bcg1 = found
    assert (early.product, early.lot_number, early.expiry) == ("MMR", "EARLY1", date(2030, 1, 31))
    assert (early.present_from, early.present_to) == (at(2), at(6))
    assert bcg1.freeze_sensitive and not early.freeze_sensitive
    assert queries.unit_exposure(uow, fridge.id, at(-3), at(0)) == []  # [start, end)
    with pytest.raises(NotFound):
        queries.unit_exposure(uow, 999_999, at(0), at(1))
    with pytest.raises(InvalidInput):
        queries.unit_exposure(uow, fridge.id, at(3), at(2))


def test_a_lots_stays_name_the_units_and_facilities_by_code(uow: UnitOfWork, world: World) -> None:
    clinic = world.tree.clinics[0]
    fridge, cold_box = clinic.units
    stock_up(uow, fridge, world.early, 100, at=at(0))
    services.transfer_stock(
        uow, TransferStock(fridge.id, cold_box.id, world.early.id, 100, "k", key(), at(3))
    )
    services.transfer_stock(
        uow, TransferStock(cold_box.id, fridge.id, world.early.id, 60, "k", key(), at(5))
    )

    found = queries.lot_stays(uow, world.early.id)

    assert [(s.unit, s.facility, s.start, s.end) for s in found] == [
        (fridge.code, clinic.facility.code, at(0), at(3)),
        (cold_box.code, clinic.facility.code, at(3), None),  # 40 still there
        (fridge.code, clinic.facility.code, at(5), None),
    ]
    assert found[0].doses_during(at(1), at(2)) == 100
    assert queries.lot_stays(uow, world.late.id) == []


def test_a_lots_presence_bounds_its_stays_and_stays_can_be_read_for_some_units(
    uow: UnitOfWork, world: World
) -> None:
    clinic = world.tree.clinics[0]
    fridge, cold_box = clinic.units
    stock_up(uow, fridge, world.early, 100, at=at(0))
    services.transfer_stock(
        uow, TransferStock(fridge.id, cold_box.id, world.early.id, 100, "k", key(), at(3))
    )
    services.transfer_stock(
        uow, TransferStock(cold_box.id, fridge.id, world.early.id, 100, "k", key(), at(5))
    )
    horizon = uow.clock() + timedelta(days=1)

    presence = queries.lot_presence(uow, world.early.id)

    assert [(p.unit, p.start) for p in presence] == [(fridge.code, at(0)), (cold_box.code, at(3))]
    assert presence[0].until >= horizon  # still there: up to now + a day
    assert presence[1].until == at(5)  # left at 5
    everywhere = queries.lot_stays(uow, world.early.id)
    box_only = queries.lot_stays(uow, world.early.id, {cold_box.id})
    assert box_only == [s for s in everywhere if s.storage_unit_id == cold_box.id]
    assert [(s.start, s.end) for s in box_only] == [(at(3), at(5))]
    assert queries.lot_stays(uow, world.early.id, set()) == []
    assert queries.lot_presence(uow, world.late.id) == []


def test_quarantine_of_the_exposed_lots_is_one_movement_and_a_second_call_adds_nothing(
    uow: UnitOfWork, world: World
) -> None:
    fridge = world.tree.clinics[0].unit
    stock_up(uow, fridge, world.early, 100, at=at(0))
    stock_up(uow, fridge, world.late, 10, at=at(0))
    ref = heat_in(world, fridge.code)
    exposed = tuple(x.lot_id for x in queries.unit_exposure(uow, fridge.id, at(1), at(3)))
    request = QuarantineRequest(ref, exposed, "temperature alarm", "coldchain-alarms")

    first = services.quarantine_exposed(uow, request)
    before = movements(uow)
    again = services.quarantine_exposed(uow, request)
    other_lots = services.quarantine_exposed(uow, QuarantineRequest(ref, (), "x", "y"))

    assert first.movement is not None and first.movement.reference == ref.render()
    assert first.held == {world.early.id: 100, world.late.id: 10}
    assert again == first and other_lots == first
    assert movements(uow) == before
    with uow:
        row = uow.repo.movement_by_key(ref.quarantine_key())
        assert row is not None and row.id == first.movement.id
    holds = queries.excursion_holds(uow, world.early.id, fridge.id)
    assert holds.doses_citing({ref}) == 100
    assert holds.doses_citing({ref.with_rule("excursion")}) == 0
    cold_box = world.tree.clinics[0].units[1]
    both = queries.excursion_holds_in(uow, world.early.id, [fridge.id, cold_box.id])
    assert both == {
        fridge.id: holds,
        cold_box.id: queries.ExcursionHolds(world.early.id, cold_box.id, ()),
    }
    assert_conserved(uow)


def test_a_lot_a_revised_window_exposes_is_held_too_once(uow: UnitOfWork, world: World) -> None:
    """A late reading moved the excursion's start earlier: the wider window exposes a lot
    that had left before the first window; it is held in a second movement, once."""
    fridge = world.tree.clinics[0].unit
    stock_up(uow, fridge, world.early, 100, at=at(0))
    stock_up(uow, fridge, world.late, 10, at=at(0))
    ref = heat_in(world, fridge.code)
    first = services.quarantine_exposed(
        uow, QuarantineRequest(ref, (world.early.id,), "temperature alarm", "coldchain-alarms")
    )
    both = QuarantineRequest(ref, (world.early.id, world.late.id), "revised", "coldchain-alarms")
    widened = services.quarantine_exposed(uow, both)
    before = movements(uow)
    again = services.quarantine_exposed(uow, both)

    assert first.held == {world.early.id: 100}
    assert widened.movement is not None and first.movement is not None
    assert widened.movement.id != first.movement.id
    assert widened.held == {world.late.id: 10}
    assert widened.movement.reference == ref.render()
    assert again.movement is not None and again.movement.id == first.movement.id
    assert movements(uow) == before
    assert queries.excursion_holds(uow, world.late.id, fridge.id).doses_citing({ref}) == 10
    assert_conserved(uow)


def test_a_reversed_excursion_quarantine_counts_for_nothing(uow: UnitOfWork, world: World) -> None:
    fridge = world.tree.clinics[0].unit
    stock_up(uow, fridge, world.early, 100, at=at(0))
    ref = heat_in(world, fridge.code)
    held = services.quarantine_exposed(
        uow, QuarantineRequest(ref, (world.early.id,), "heat", "coldchain-alarms")
    )
    assert held.movement is not None
    services.reverse_movement(uow, ReverseMovement(held.movement.id, "wrong unit", "s", key()))

    assert queries.excursion_holds(uow, world.early.id, fridge.id).doses_citing({ref}) == 0


def test_lots_without_usable_doses_are_skipped_and_nothing_at_all_posts_nothing(
    uow: UnitOfWork, world: World
) -> None:
    fridge = world.tree.clinics[0].unit
    stock_up(uow, fridge, world.early, 100, at=at(0))
    stock_up(uow, fridge, world.late, 10, at=at(0))
    services.administer_doses(uow, AdministerDoses(fridge.id, world.late.id, 10, "n", key(), at(1)))
    ref = heat_in(world, fridge.code)

    held = services.quarantine_exposed(
        uow, QuarantineRequest(ref, (world.early.id, world.late.id), "heat", "alarms")
    )
    assert held.held == {world.early.id: 100}

    before = movements(uow)
    nothing = services.quarantine_exposed(
        uow, QuarantineRequest(ref.with_rule("excursion"), (world.late.id,), "heat", "alarms")
    )
    assert nothing.movement is None and nothing.held == {}
    assert movements(uow) == before


def test_a_lot_already_held_citing_the_excursion_is_not_held_twice(
    uow: UnitOfWork, world: World
) -> None:
    """A ledger written when each lot was quarantined on its own (one movement per lot,
    same reference) is not asked to hold those lots again."""
    fridge = world.tree.clinics[0].unit
    stock_up(uow, fridge, world.early, 100, at=at(0))
    stock_up(uow, fridge, world.late, 10, at=at(0))
    ref = heat_in(world, fridge.code)
    services.quarantine_stock(
        uow,
        QuarantineStock(
            fridge.id,
            "heat",
            "alarms",
            f"{ref.quarantine_key()}:{world.early.id}",
            world.early.id,
            60,
            reference=ref.render(),
        ),
    )

    held = services.quarantine_exposed(
        uow, QuarantineRequest(ref, (world.early.id, world.late.id), "heat", "alarms")
    )

    assert held.held == {world.late.id: 10}  # the early lot's 40 usable doses stay usable
    assert queries.excursion_holds(uow, world.early.id, fridge.id).doses_citing({ref}) == 60


def test_quarantine_is_all_or_nothing(uow: UnitOfWork, world: World) -> None:
    fridge = world.tree.clinics[0].unit
    stock_up(uow, fridge, world.early, 100, at=at(0))
    ref = heat_in(world, fridge.code)
    before = movements(uow)

    with pytest.raises(NotFound):
        services.quarantine_exposed(
            uow, QuarantineRequest(ref, (world.early.id, 999_999), "heat", "alarms")
        )
    with pytest.raises(NotFound):
        services.quarantine_exposed(
            uow, QuarantineRequest(heat_in(world, "NOWHERE"), (world.early.id,), "heat", "a")
        )
    with pytest.raises(InvalidInput):
        services.quarantine_exposed(uow, QuarantineRequest(ref, (world.early.id,), " ", "a"))

    assert movements(uow) == before


def test_places_by_code_and_the_facility_chain(uow: UnitOfWork, world: World) -> None:
    tree = world.tree
    clinic, county = tree.clinics[0], tree.counties[0]
    codes = [u.code for u in clinic.units]

    places = queries.unit_places(uow, [*codes, "NOWHERE"])

    assert sorted(places) == sorted(codes)
    place = places[codes[0]]
    assert (place.facility, place.facility_id, place.profile, place.time_zone) == (
        clinic.facility.code,
        clinic.id,
        "2-8",
        "Asia/Shanghai",
    )
    assert queries.facility_chain(uow, clinic.facility.code) == [
        clinic.facility.code,
        county.facility.code,
        tree.cities[0].facility.code,
        tree.province.facility.code,
    ]
    with pytest.raises(NotFound):
        queries.facility_chain(uow, "NOWHERE")
    under = queries.facility_codes_under(uow, county.facility.path)
    assert under == [county.facility.code, *(c.facility.code for c in tree.clinics)]
    assert queries.unit_codes_under(uow, clinic.facility.path) == sorted(codes)
    assert len(queries.unit_codes_under(uow, None)) == 2 * len(tree.all())
    with pytest.raises(InvalidInput):
        queries.facility_codes_under(uow, "/1")


def test_concurrent_quarantines_of_one_excursion_post_one_movement(
    engine: Engine, uow: UnitOfWork, world: World
) -> None:
    fridge = world.tree.clinics[0].unit
    stock_up(uow, fridge, world.early, 100, at=at(0))
    stock_up(uow, fridge, world.late, 10, at=at(0))
    ref = heat_in(world, fridge.code)
    lots = (world.early.id, world.late.id)
    before = movements(uow)

    found = race(
        4,
        lambda i: services.quarantine_exposed(
            make_uow(engine), QuarantineRequest(ref, lots, "heat", f"worker-{i}")
        ),
    )

    assert all(not isinstance(x, Exception) for x in found), found
    assert len({x.movement.id for x in found}) == 1
    assert movements(uow) == before + 1
    assert_conserved(uow)
