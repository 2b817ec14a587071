"""Expiry run by the scheduler: expired stock is held where it is from 00:00 local time of
the day after its expiry date, once; holders are warned at 90, 60 and 30 days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from inventory import queries, services
from inventory.unit_of_work import UnitOfWork
from tests.builders import make_lot, stock_up
from tests.integration.inventory.conftest import World

# Asia/Shanghai is UTC+8: 2024-03-31 ends at 16:00 UTC there
LAST_MINUTE = datetime(2024, 3, 31, 15, 59, tzinfo=UTC)
EXPIRED = datetime(2024, 3, 31, 16, 0, tzinfo=UTC)


def held(uow: UnitOfWork, unit_id: int) -> dict[str, int]:
    report = queries.stock_on_hand(uow, storage_unit_id=unit_id)
    return {line.lot_number: line.held.doses for line in report.lines if line.held.doses}


def test_expired_stock_is_held_at_local_midnight_after_its_expiry_date_and_only_once(
    uow: UnitOfWork, world: World
) -> None:
    march = make_lot(uow, world.mmr, "MARCH", date(2024, 3, 31))
    stock_up(uow, world.store, march, 80)
    stock_up(uow, world.store, world.late, 50)
    clinic = world.tree.clinics[0]
    stock_up(uow, clinic.unit, march, 20)

    assert services.hold_expired_stock(uow, LAST_MINUTE) == []
    posted = services.hold_expired_stock(uow, EXPIRED)

    assert sorted(line.doses for mv in posted for line in mv.lines if line.doses > 0) == [20, 80]
    assert {mv.reason for mv in posted} == {"expired"}
    assert held(uow, world.store.id) == {"MARCH": 80}
    assert held(uow, clinic.unit.id) == {"MARCH": 20}
    assert services.hold_expired_stock(uow, EXPIRED) == []  # idempotent
    assert queries.verify_ledger(uow) == []


def test_holders_are_warned_at_the_tightest_threshold_crossed(
    uow: UnitOfWork, world: World
) -> None:
    june = make_lot(uow, world.mmr, "JUNE", date(2024, 6, 30))
    stock_up(uow, world.store, june, 30)
    stock_up(uow, world.tree.province.units[0], june, 10)
    clinic = world.tree.clinics[0]
    stock_up(uow, clinic.unit, june, 5)

    def due(at: datetime) -> set[tuple[str, str, int, int, int]]:
        return {
            (w.facility_code, w.lot_number, w.threshold_days, w.days_left, w.doses)
            for w in services.expiry_warnings(uow, at)
        }

    province, clinic_code = world.tree.province.facility.code, clinic.facility.code
    assert due(datetime(2024, 3, 31, 12, tzinfo=UTC)) == set()  # 91 days left
    assert due(datetime(2024, 4, 1, 12, tzinfo=UTC)) == {
        (province, "JUNE", 90, 90, 40),
        (clinic_code, "JUNE", 90, 90, 5),
    }
    assert due(datetime(2024, 6, 1, 12, tzinfo=UTC)) == {
        (province, "JUNE", 30, 29, 40),
        (clinic_code, "JUNE", 30, 29, 5),
    }
    assert due(datetime(2024, 6, 30, 16, tzinfo=UTC)) == set()  # expired in Shanghai
