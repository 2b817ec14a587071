"""Transfers, doses administered, wastage and counts; holds refused with their reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from inventory import models, queries, services
from inventory.commands import (
    AdministerDoses,
    CountedLot,
    RecordCount,
    RecordVvmObservation,
    RecordWastage,
    TransferStock,
)
from inventory.domain.accounts import WastageReason
from inventory.errors import InsufficientStock, InvalidInput, InvalidState, LotOnHold
from inventory.unit_of_work import UnitOfWork
from tests.builders import T0, assert_conserved, key, make_lot, stock_up
from tests.integration.inventory.conftest import World


def usable(uow: UnitOfWork, unit_id: int) -> dict[str, int]:
    report = queries.stock_on_hand(uow, storage_unit_id=unit_id)
    return {line.lot_number: line.usable.doses for line in report.lines if line.usable.doses}


def movement_count(uow: UnitOfWork) -> int:
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(models.Movement)) or 0)


def administer(
    uow: UnitOfWork, unit_id: int, lot_id: int, doses: int, hours: int = 2, **kw: object
):  # type: ignore[no-untyped-def]
    return services.administer_doses(
        uow,
        AdministerDoses(
            unit_id, lot_id, doses, "nurse", key("adm"), T0 + timedelta(hours=hours), **kw
        ),  # type: ignore[arg-type]
    )


def test_transfer_between_units_of_one_facility(uow: UnitOfWork, world: World) -> None:
    fridge, cold_box = world.tree.province.units
    stock_up(uow, fridge, world.early, 100)
    moved = services.transfer_stock(
        uow,
        TransferStock(
            fridge.id, cold_box.id, world.early.id, 40, "keeper", key(), T0 + timedelta(hours=1)
        ),
    )
    assert {(ln.storage_unit_id, ln.doses) for ln in moved.lines} == {
        (fridge.id, -40),
        (cold_box.id, 40),
    }
    assert usable(uow, fridge.id) == {"EARLY1": 60}
    assert usable(uow, cold_box.id) == {"EARLY1": 40}
    assert_conserved(uow)


def test_transfer_to_another_facility_is_refused(uow: UnitOfWork, world: World) -> None:
    stock_up(uow, world.store, world.early, 100)
    with pytest.raises(InvalidInput, match=r"different facilities; move stock .* with a shipment"):
        services.transfer_stock(
            uow,
            TransferStock(
                world.store.id, world.tree.cities[0].unit.id, world.early.id, 5, "k", key()
            ),
        )


def test_administering_takes_doses_out_of_stock(uow: UnitOfWork, world: World) -> None:
    clinic = world.tree.clinics[0]
    stock_up(uow, clinic.unit, world.early, 50)
    given = administer(uow, clinic.unit.id, world.early.id, 12, dose_number=2)
    assert given.dose_number == 2
    assert {(ln.account, ln.doses) for ln in given.lines} == {("stock", -12), ("administered", 12)}
    assert usable(uow, clinic.unit.id) == {"EARLY1": 38}
    trace = queries.trace_lot(uow, world.early.id)
    assert trace.administered_by_facility == ((clinic.id, 12),)
    assert_conserved(uow)


def test_administering_more_than_the_unit_holds_is_refused_and_changes_nothing(
    uow: UnitOfWork, world: World
) -> None:
    clinic = world.tree.clinics[0]
    stock_up(uow, clinic.unit, world.early, 10)
    before = movement_count(uow)
    with pytest.raises(
        InsufficientStock, match=r"storage unit .* holds 10 doses of lot EARLY1; 11 requested"
    ):
        administer(uow, clinic.unit.id, world.early.id, 11)
    assert movement_count(uow) == before
    assert usable(uow, clinic.unit.id) == {"EARLY1": 10}
    assert_conserved(uow)


def test_an_expired_lot_cannot_be_administered_from_local_midnight(
    uow: UnitOfWork, world: World
) -> None:
    clinic = world.tree.clinics[0]  # Asia/Shanghai
    lot = make_lot(uow, world.mmr, "FEB", date(2024, 2, 29))
    stock_up(uow, clinic.unit, lot, 10, at=T0 - timedelta(days=10))
    # 2024-02-29 15:59 UTC is 23:59 in Shanghai: still usable.
    day_end = T0.replace(day=29, month=2, hour=15, minute=59)
    services.administer_doses(
        uow, AdministerDoses(clinic.unit.id, lot.id, 1, "nurse", key(), day_end)
    )
    with pytest.raises(
        LotOnHold, match="lot FEB cannot be administered: expired on 2024-02-29"
    ) as held:
        services.administer_doses(
            uow,
            AdministerDoses(
                clinic.unit.id, lot.id, 1, "nurse", key(), day_end + timedelta(minutes=1)
            ),
        )
    assert held.value.reasons == ("expired",)
    assert usable(uow, clinic.unit.id) == {"FEB": 9}
    assert_conserved(uow)


def test_a_lot_at_the_vvm_discard_point_cannot_be_administered(
    uow: UnitOfWork, world: World
) -> None:
    clinic = world.tree.clinics[0]
    stock_up(uow, clinic.unit, world.early, 10)
    services.record_vvm_observation(
        uow, RecordVvmObservation(world.early.id, 3, "square matches", "nurse", clinic.id)
    )
    with pytest.raises(LotOnHold, match="VVM stage 3 is at the discard point"):
        administer(uow, clinic.unit.id, world.early.id, 1)
    with pytest.raises(InvalidState, match="cannot go back from stage 3 to 2"):
        services.record_vvm_observation(
            uow, RecordVvmObservation(world.early.id, 2, "looks lighter", "nurse", clinic.id)
        )
    assert_conserved(uow)


def test_wastage_is_recorded_by_reason(uow: UnitOfWork, world: World) -> None:
    clinic = world.tree.clinics[0]
    stock_up(uow, clinic.unit, world.early, 20)
    for reason, doses in [(WastageReason.BROKEN, 2), (WastageReason.OPENED_VIAL_DISCARDED, 3)]:
        services.record_wastage(
            uow,
            RecordWastage(
                clinic.unit.id,
                world.early.id,
                doses,
                reason,
                "nurse",
                key(),
                T0 + timedelta(hours=1),
            ),
        )
    trace = queries.trace_lot(uow, world.early.id)
    assert trace.wastage_by_reason == (("broken", 2), ("opened_vial_discarded", 3))
    assert trace.conservation.wasted == 5
    with pytest.raises(InvalidInput, match="wastage reason 'spilled' is not one of"):
        services.record_wastage(
            uow,
            RecordWastage(clinic.unit.id, world.early.id, 1, "spilled", "n", key()),  # type: ignore[arg-type]
        )
    assert_conserved(uow)


def test_a_count_posts_each_difference_to_adjustment(uow: UnitOfWork, world: World) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    stock_up(uow, unit, world.late, 30)
    counted = services.record_count(
        uow,
        RecordCount(
            unit.id,
            (CountedLot(world.early.id, 47), CountedLot(world.late.id, 31)),
            "keeper",
            key(),
            T0 + timedelta(hours=3),
        ),
    )
    assert {(ln.account, ln.lot_id, ln.doses) for ln in counted.lines} == {
        ("stock", world.early.id, -3),
        ("adjustment", world.early.id, 3),
        ("stock", world.late.id, 1),
        ("adjustment", world.late.id, -1),
    }
    assert usable(uow, unit.id) == {"EARLY1": 47, "LATE1": 31}
    assert queries.trace_lot(uow, world.early.id).conservation.adjusted == 3
    assert_conserved(uow)


def test_a_full_count_zeroes_the_lots_not_found_and_a_matching_count_posts_no_line(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    stock_up(uow, unit, world.late, 30)
    same = services.record_count(
        uow,
        RecordCount(
            unit.id, (CountedLot(world.early.id, 50),), "keeper", key(), T0 + timedelta(hours=1)
        ),
    )
    assert same.kind == "count" and same.lines == ()
    services.record_count(
        uow,
        RecordCount(
            unit.id,
            (CountedLot(world.early.id, 50),),
            "keeper",
            key(),
            T0 + timedelta(hours=2),
            full=True,
        ),
    )
    assert usable(uow, unit.id) == {"EARLY1": 50}
    assert_conserved(uow)


def test_a_backdated_count_compares_with_the_books_at_that_time(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    administer(uow, unit.id, world.early.id, 10, hours=5)
    # Counted 48 at hour 3, before the 10 doses were given: 2 missing then.
    services.record_count(
        uow,
        RecordCount(
            unit.id, (CountedLot(world.early.id, 48),), "keeper", key(), T0 + timedelta(hours=3)
        ),
    )
    assert usable(uow, unit.id) == {"EARLY1": 38}
    assert_conserved(uow)


def test_a_backdated_withdrawal_that_later_movements_already_used_is_refused(
    uow: UnitOfWork, world: World
) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 10)
    administer(uow, unit.id, world.early.id, 8, hours=10)
    stock_up(uow, unit, world.early, 10, at=T0 + timedelta(hours=20))
    # Now 12 usable, but at hour 5 only 10 were there and 8 of them were given at hour 10.
    with pytest.raises(InsufficientStock, match="would go -3 doses below zero"):
        administer(uow, unit.id, world.early.id, 5, hours=5)
    administer(uow, unit.id, world.early.id, 2, hours=5)
    assert usable(uow, unit.id) == {"EARLY1": 10}
    assert_conserved(uow)


def test_occurred_at_in_the_future_or_naive_is_refused(uow: UnitOfWork, world: World) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 10)
    with pytest.raises(InvalidInput, match="in the future"):
        services.administer_doses(
            uow,
            AdministerDoses(unit.id, world.early.id, 1, "n", key(), T0 + timedelta(days=365 * 30)),
        )
    with pytest.raises(InvalidInput, match="timezone-aware"):
        services.administer_doses(
            uow, AdministerDoses(unit.id, world.early.id, 1, "n", key(), T0.replace(tzinfo=None))
        )
    with pytest.raises(InvalidInput, match="positive integer"):
        services.administer_doses(uow, AdministerDoses(unit.id, world.early.id, 0, "n", key()))
    assert_conserved(uow)


def test_a_count_keeps_each_lots_reason_with_its_difference(uow: UnitOfWork, world: World) -> None:
    unit = world.tree.clinics[0].unit
    stock_up(uow, unit, world.early, 50)
    stock_up(uow, unit, world.late, 30)
    at = T0 + timedelta(hours=3)
    with pytest.raises(InvalidInput, match="a reason is 1 to 500 characters"):
        services.record_count(
            uow,
            RecordCount(unit.id, (CountedLot(world.early.id, 47, ""),), "keeper", key(), at),
        )
    assert usable(uow, unit.id) == {"EARLY1": 50, "LATE1": 30}  # nothing half-written
    counts = (
        CountedLot(world.early.id, 47, "three vials broken"),
        CountedLot(world.late.id, 30, "not used: the count matches"),
    )
    services.record_count(uow, RecordCount(unit.id, counts, "keeper", key(), at, full=True))
    with uow:
        rows = uow.session.execute(
            select(
                models.CountDifference.lot_id,
                models.CountDifference.book_doses,
                models.CountDifference.counted_doses,
                models.CountDifference.reason,
            )
        ).all()
    assert [tuple(r) for r in rows] == [(world.early.id, 50, 47, "three vials broken")]
    card = queries.stock_card(uow, storage_unit_id=unit.id, lot_id=world.early.id)
    assert [e.reason for e in card.entries if e.kind == "count"] == ["three vials broken"]
