"""The stock status report (rule 25): average monthly consumption over the last 3 months that
had any, months of stock per facility and for its subtree, status against the facility's
levels (or its level's default), held stock left out, and the lots that will expire before
they can be used."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from inventory import queries, services
from inventory.commands import AdministerDoses, QuarantineStock, RecordWastage, SetStockLevel
from inventory.domain.accounts import WastageReason
from inventory.domain.stock_levels import StockStatus
from inventory.errors import InvalidInput, NotFound
from tests.builders import (
    key,
    make_facility,
    make_facility_tree,
    make_lot,
    make_product,
    make_uow,
    stock_up,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 15, 10, tzinfo=SHANGHAI)


def at(month: int, day: int = 10) -> datetime:
    return datetime(2024, month, day, 9, tzinfo=SHANGHAI)


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    """A province → city → county → 2 clinics. Clinic 1 received 1 000 doses of a lot that
    expires on 15 July and used 100 in February, 200 in April and 300 in May (250 given, 50
    wasted); 50 of what is left are held. The province holds 5 000 of a lot for 2030."""
    uow = make_uow(engine)
    tree = make_facility_tree(uow, clinics_per_county=2)
    mmr = make_product(uow, "MMR")
    early = make_lot(uow, mmr, "E1", date(2024, 7, 15))
    late = make_lot(uow, mmr, "L9", date(2030, 1, 31))
    clinic = tree.clinics[0].unit
    stock_up(uow, clinic, early, 1000, at=at(2, 1))
    stock_up(uow, tree.province.unit, late, 5000, at=at(2, 1))
    for month, doses in ((2, 100), (4, 200), (5, 250)):
        services.administer_doses(
            uow, AdministerDoses(clinic.id, early.id, doses, "nurse", key(), at(month))
        )
    services.record_wastage(
        uow, RecordWastage(clinic.id, early.id, 50, WastageReason.BROKEN, "n", key(), at(5))
    )
    services.quarantine_stock(
        uow, QuarantineStock(clinic.id, "damaged box", "n", key(), early.id, 50, None, at(6, 1))
    )
    return {
        "province": tree.province.id,
        "county": tree.counties[0].id,
        "clinic": tree.clinics[0].id,
        "other": tree.clinics[1].id,
        "mmr": mmr.id,
        "early": early.id,
    }


def test_months_of_stock_status_and_expiring_lots(engine: Engine, world: dict[str, int]) -> None:
    uow = make_uow(engine, clock_at=NOW)
    report = queries.stock_status(uow, world["province"])
    assert report.on == date(2024, 6, 15)
    by_id = {f.facility_id: f for f in report.facilities}

    (clinic,) = by_id[world["clinic"]].products
    # AMC: May 300, April 200, (March none), February 100 → 200 a month
    assert (clinic.on_hand, clinic.on_hand_in_subtree, clinic.amc) == (350, 350, 200.0)
    assert (clinic.months_of_stock, clinic.min_months, clinic.max_months) == (1.8, 0.5, 1.5)
    assert clinic.status is StockStatus.OVERSTOCK and not clinic.levels_set
    # 30 days to expiry (0.99 months) at 200 a month uses 197 of the 350: 153 are left
    (risk,) = clinic.expiring
    assert (risk.lot.lot_id, risk.lot.doses, risk.doses_at_risk) == (world["early"], 350, 153)

    (county,) = by_id[world["county"]].products
    assert (county.on_hand, county.on_hand_in_subtree, county.amc) == (0, 350, 200.0)
    assert (county.months_of_stock, county.months_of_stock_in_subtree) == (0.0, 1.8)
    assert county.status is StockStatus.UNDERSTOCK

    (province,) = by_id[world["province"]].products
    assert (province.on_hand, province.on_hand_in_subtree) == (5000, 5350)
    assert (province.months_of_stock, province.status) == (25.0, StockStatus.OVERSTOCK)
    assert [r.doses_at_risk for r in province.expiring] == [153]  # the 2030 lot is used in time
    assert by_id[world["other"]].products == ()  # no stock, no consumption
    assert set(report.understocked) >= {("GD-C1-K1", "MMR")}


def test_a_facilitys_own_levels_replace_the_default(engine: Engine, world: dict[str, int]) -> None:
    uow = make_uow(engine, clock_at=NOW)
    level = SetStockLevel(world["clinic"], world["mmr"], 1.0, 3.0, "planner")
    assert services.set_stock_level(uow, level).max_months == 3.0
    services.set_stock_level(uow, SetStockLevel(world["clinic"], world["mmr"], 1.0, 2.5, "p"))
    report = queries.stock_status(uow, world["clinic"])
    (clinic,) = report.facilities[0].products
    assert (clinic.min_months, clinic.max_months, clinic.levels_set) == (1.0, 2.5, True)
    assert clinic.status is StockStatus.ADEQUATE


def test_bad_levels_and_unknown_places_are_refused(engine: Engine, world: dict[str, int]) -> None:
    uow = make_uow(engine, clock_at=NOW)
    with pytest.raises(InvalidInput, match="below min_months"):
        services.set_stock_level(uow, SetStockLevel(world["clinic"], world["mmr"], 2, 1, "p"))
    with pytest.raises(NotFound):
        services.set_stock_level(uow, SetStockLevel(999_999, world["mmr"], 1, 2, "p"))
    with pytest.raises(NotFound):
        queries.stock_status(uow, 999_999)


def test_months_are_the_root_facilitys_even_below_it_in_another_zone(engine: Engine) -> None:
    """A clinic in Kolkata under a Shanghai province gives 40 doses on 31 May 22:30 its time,
    1 June 01:00 in Shanghai: the province's report counts them in June (not yet a full
    month), the clinic's own report in May."""
    uow = make_uow(engine, clock_at=NOW)
    province = make_facility(uow, "P", "province")
    clinic = make_facility(uow, "P-IN", "clinic", province, "Asia/Kolkata")
    mmr = make_product(uow, "MMR")
    lot = make_lot(uow, mmr, "L1", date(2030, 1, 31))
    stock_up(uow, clinic.unit, lot, 100, at=at(4, 1))
    for when, doses in ((at(4, 15), 10), (datetime(2024, 5, 31, 17, tzinfo=UTC), 40)):
        services.administer_doses(
            uow, AdministerDoses(clinic.unit.id, lot.id, doses, "nurse", key(), when)
        )
    by_root = {f.facility_id: f for f in queries.stock_status(uow, province.id).facilities}
    assert [p.amc for p in by_root[clinic.id].products] == [10.0]  # April only
    assert [p.amc for p in by_root[province.id].products] == [10.0]
    (own,) = queries.stock_status(uow, clinic.id).facilities
    assert [p.amc for p in own.products] == [25.0]  # May 40, April 10
    assert queries.verify_ledger(uow) == []
