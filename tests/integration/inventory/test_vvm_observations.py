"""VVM readings are observations: where the lot is, with a reason; a void corrects one and
the lot's effective stage (which holds use) is recomputed; nothing is edited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from inventory import models, queries, services
from inventory.commands import (
    AdministerDoses,
    RecordVvmObservation,
    RegisterLot,
    VoidVvmObservation,
)
from inventory.errors import InvalidInput, InvalidState, LotOnHold, NotFound
from inventory.results import VvmObservationView
from inventory.unit_of_work import UnitOfWork
from tests.builders import key, stock_up
from tests.integration.inventory.conftest import World


def _read(
    uow: UnitOfWork, world: World, stage: int, facility: int, unit: int | None = None
) -> VvmObservationView:
    return services.record_vvm_observation(
        uow, RecordVvmObservation(world.early.id, stage, "card compared", "nurse", facility, unit)
    )


def _lot_stage(uow: UnitOfWork, lot_id: int) -> int | None:
    return queries.get_lot(uow, lot_id).vvm_stage


def test_a_reading_at_the_discard_point_holds_the_lot(uow: UnitOfWork, world: World) -> None:
    clinic = world.tree.clinics[0]
    stock_up(uow, clinic.unit, world.early, 10)
    seen = _read(uow, world, 3, clinic.id, clinic.unit.id)
    assert (seen.stage, seen.lot_vvm_stage, seen.user) == (3, 3, "nurse")
    assert _lot_stage(uow, world.early.id) == 3
    with pytest.raises(LotOnHold, match="VVM stage 3"):
        services.administer_doses(
            uow, AdministerDoses(clinic.unit.id, world.early.id, 1, "nurse", key())
        )


def test_a_reading_where_the_lot_is_not_is_refused(uow: UnitOfWork, world: World) -> None:
    stocked, empty = world.tree.clinics
    stock_up(uow, stocked.unit, world.early, 10)
    with pytest.raises(InvalidInput, match="holds no stock"):
        _read(uow, world, 4, empty.id)
    with pytest.raises(InvalidInput, match="holds no stock"):
        _read(uow, world, 4, stocked.id, stocked.units[1].id)
    assert _lot_stage(uow, world.early.id) is None


def test_the_root_store_may_read_a_lot_it_has_not_received(uow: UnitOfWork, world: World) -> None:
    _read(uow, world, 4, world.tree.province.id)
    assert _lot_stage(uow, world.early.id) == 4


def test_a_reading_needs_a_reason(uow: UnitOfWork, world: World) -> None:
    with pytest.raises(InvalidInput, match="a reason is required"):
        services.record_vvm_observation(
            uow, RecordVvmObservation(world.early.id, 2, "  ", "nurse", world.tree.province.id)
        )


def test_a_void_lowers_the_effective_stage_and_keeps_the_history(
    uow: UnitOfWork, world: World
) -> None:
    province = world.tree.province.id
    first = _read(uow, world, 2, province)
    wrong = _read(uow, world, 4, province)
    void = services.void_vvm_observation(
        uow, VoidVvmObservation(wrong.id, "read the wrong vial", "supervisor")
    )
    assert (void.voids_id, void.stage, void.lot_vvm_stage) == (wrong.id, None, 2)
    assert _lot_stage(uow, world.early.id) == 2
    history = services.list_vvm_observations(uow, world.early.id)
    assert [(e.id, e.stage, e.voids_id, e.voided_by_id) for e in history] == [
        (first.id, 2, None, None),
        (wrong.id, 4, None, void.id),
        (void.id, None, wrong.id, None),
    ]
    with pytest.raises(InvalidState, match="already voided"):
        services.void_vvm_observation(uow, VoidVvmObservation(wrong.id, "again", "supervisor"))
    with pytest.raises(InvalidState, match="itself a void"):
        services.void_vvm_observation(uow, VoidVvmObservation(void.id, "undo", "supervisor"))
    with pytest.raises(NotFound):
        services.void_vvm_observation(uow, VoidVvmObservation(999, "x", "supervisor"))


def test_voiding_the_only_reading_clears_the_hold(uow: UnitOfWork, world: World) -> None:
    wrong = _read(uow, world, 4, world.tree.province.id)
    services.void_vvm_observation(uow, VoidVvmObservation(wrong.id, "typo", "supervisor"))
    assert _lot_stage(uow, world.early.id) is None
    with uow:
        rows = uow.session.scalar(select(func.count()).select_from(models.VvmObservation))
    assert rows == 2


def test_a_stage_at_registration_is_the_first_observation(uow: UnitOfWork, world: World) -> None:
    province = world.tree.province.id
    lot = services.register_lot(
        uow, RegisterLot(world.mmr.id, "NEW1", world.early.expiry, 4, province, "store")
    )
    assert lot.vvm_stage == 4
    [entry] = services.list_vvm_observations(uow, lot.id)
    assert (entry.stage, entry.facility_id, entry.user) == (4, province, "store")
