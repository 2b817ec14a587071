"""The ledger's own bounds (issue 8), for every caller (API, CLI, jobs): a quantity above
``MAX_DOSES`` is refused naming the limit and writes nothing; a balance that sums many
bounded lines stays an exact integer beyond 32 bits; a movement's time lies in the
programme window, which the unit of work carries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select

from coldchain.db import make_session_factory
from inventory import models, queries, services
from inventory.commands import (
    AdministerDoses,
    CountedLot,
    DispatchItem,
    DispatchShipment,
    QuarantineStock,
    ReceivedLot,
    ReceiveFromSupplier,
    ReceiveShipment,
    RecordCount,
    RecordWastage,
    SetAllocation,
    SetDoseTarget,
    TransferStock,
)
from inventory.domain.accounts import WastageReason
from inventory.domain.quantities import MAX_DOSES, MAX_POPULATION
from inventory.domain.time_window import TimeWindow
from inventory.errors import InvalidInput
from inventory.unit_of_work import UnitOfWork
from tests.builders import assert_conserved, key, make_shipment, stock_up
from tests.integration.inventory.conftest import World

TOO_MANY = MAX_DOSES + 1


def lines_written(uow: UnitOfWork) -> int:
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(models.MovementLine)))


def test_every_movement_service_refuses_a_quantity_above_the_limit(
    uow: UnitOfWork, world: World
) -> None:
    store, other, lot = world.store, world.tree.province.units[1], world.early
    stock_up(uow, store, lot, 1000)
    before = lines_written(uow)
    refusals = [
        lambda: services.receive_from_supplier(
            uow, ReceiveFromSupplier(store.id, lot.id, TOO_MANY, "u", key())
        ),
        lambda: services.receive_from_supplier(
            uow, ReceiveFromSupplier(store.id, lot.id, 2**63, "u", key())
        ),
        lambda: services.transfer_stock(
            uow, TransferStock(store.id, other.id, lot.id, TOO_MANY, "u", key())
        ),
        lambda: services.administer_doses(
            uow, AdministerDoses(store.id, lot.id, TOO_MANY, "u", key())
        ),
        lambda: services.record_wastage(
            uow, RecordWastage(store.id, lot.id, TOO_MANY, WastageReason.BROKEN, "u", key())
        ),
        lambda: services.record_count(
            uow, RecordCount(store.id, (CountedLot(lot.id, TOO_MANY),), "u", key())
        ),
        lambda: services.quarantine_stock(
            uow, QuarantineStock(store.id, "heat", "u", key(), lot.id, TOO_MANY)
        ),
    ]
    for refuse in refusals:
        with pytest.raises(InvalidInput, match=str(MAX_DOSES)):
            refuse()
    assert lines_written(uow) == before
    assert_conserved(uow)


def test_a_dispatch_or_shipment_receipt_above_the_limit_is_refused(
    uow: UnitOfWork, world: World
) -> None:
    province, county = world.tree.province, world.tree.cities[0]
    stock_up(uow, world.store, world.early, 1000)
    shipment = make_shipment(uow, province, county)
    with pytest.raises(InvalidInput, match=str(MAX_DOSES)):
        services.dispatch_shipment(
            uow,
            DispatchShipment(
                shipment.id, world.store.id, (DispatchItem(world.mmr.id, 2**63),), "u", key()
            ),
        )
    items = (DispatchItem(world.mmr.id, 10),)
    services.dispatch_shipment(
        uow, DispatchShipment(shipment.id, world.store.id, items, "u", key())
    )
    lots = (ReceivedLot(world.early.id, TOO_MANY, "excess"),)
    with pytest.raises(InvalidInput, match=str(MAX_DOSES)):
        services.receive_shipment(
            uow, ReceiveShipment(shipment.id, county.unit.id, lots, "u", key())
        )
    assert queries.get_shipment(uow, shipment.id).status == "dispatched"


def test_quotas_and_targets_above_their_limits_are_refused(uow: UnitOfWork, world: World) -> None:
    province, county = world.tree.province, world.tree.cities[0]
    start, end = date(2030, 1, 1), date(2030, 1, 31)
    with pytest.raises(InvalidInput, match=str(MAX_DOSES)):
        services.set_allocation(
            uow, SetAllocation(county.id, world.mmr.id, start, end, TOO_MANY, province.id, "p")
        )
    with pytest.raises(InvalidInput, match=str(MAX_DOSES)):
        services.set_dose_target(
            uow, SetDoseTarget(county.id, world.mmr.id, 1, start, end, TOO_MANY, None, "p")
        )
    with pytest.raises(InvalidInput, match=str(MAX_POPULATION)):
        services.set_dose_target(
            uow, SetDoseTarget(county.id, world.mmr.id, 1, start, end, 5, MAX_POPULATION + 1, "p")
        )


def test_a_balance_beyond_32_bits_stays_an_exact_integer(uow: UnitOfWork, world: World) -> None:
    receipts = 2**31 // MAX_DOSES + 1  # 215 receipts: 2 150 000 000 doses, past 2^31 - 1
    for _ in range(receipts):
        stock_up(uow, world.store, world.early, MAX_DOSES)
    held = queries.stock_on_hand(uow, storage_unit_id=world.store.id)
    [line] = held.lines
    assert line.usable.doses == receipts * MAX_DOSES > 2**31 - 1
    assert type(line.usable.doses) is int
    with uow:
        balance = uow.session.scalar(
            select(func.max(models.Balance.doses)).where(models.Balance.lot_id == world.early.id)
        )
    assert balance == receipts * MAX_DOSES
    assert_conserved(uow)


def test_a_movement_before_the_programme_window_is_refused(
    engine: Engine, uow: UnitOfWork, world: World
) -> None:
    old = datetime(1999, 12, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="programme window 2000-01-01 to 2099-12-31"):
        stock_up(uow, world.store, world.early, 10, at=old)
    narrow = UnitOfWork(make_session_factory(engine), window=TimeWindow(date(2024, 6, 1)))
    with pytest.raises(InvalidInput, match="programme window 2024-06-01"):
        stock_up(narrow, world.store, world.early, 10, at=datetime(2024, 5, 31, tzinfo=UTC))
    stock_up(narrow, world.store, world.early, 10, at=datetime(2024, 6, 1, tzinfo=UTC))
    assert queries.stock_on_hand(uow, storage_unit_id=world.store.id).lines[0].usable.doses == 10
