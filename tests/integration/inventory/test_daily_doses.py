"""The daily doses report (rule 22): doses given per site, product and dose number on a local
day against the daily target, cumulative coverage, the stock reconciliation with its
difference flagged, and the roll-up up the tree."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    CountedLot,
    DispatchItem,
    DispatchShipment,
    ReceivedLot,
    ReceiveFromSupplier,
    ReceiveShipment,
    RecordCount,
    RecordWastage,
    ReverseMovement,
    SetDoseTarget,
    SetEligiblePopulation,
)
from inventory.domain.accounts import WastageReason
from inventory.errors import InvalidInput
from inventory.queries import DoseLine, Dropout, Reconciliation
from inventory.unit_of_work import UnitOfWork
from tests.builders import assert_conserved, key, make_facility, make_shipment
from tests.integration.inventory.conftest import World

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the world's facilities are there (UTC+8)
MARCH_1 = date(2024, 3, 1)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in Shanghai: ``day`` of March 2024 (0 is 29 February)."""
    if day == 0:
        return datetime(2024, 2, 29, hour, minute, tzinfo=SHANGHAI)
    return datetime(2024, 3, day, hour, minute, tzinfo=SHANGHAI)


def give(uow: UnitOfWork, world: World, site: int, doses: int, at: datetime, dose: int) -> int:
    unit = world.tree.clinics[site].unit
    return services.administer_doses(
        uow, AdministerDoses(unit.id, world.early.id, doses, "nurse", key(), at, dose)
    ).id


@pytest.fixture
def march_first(uow: UnitOfWork, world: World) -> World:
    """Clinic 1 of the world on 1 March (local), around a day of stock, doses and a count."""
    c1, c2 = world.tree.clinics
    lot = world.early.id

    def receive(doses: int, at: datetime) -> None:
        services.receive_from_supplier(
            uow, ReceiveFromSupplier(c1.unit.id, lot, doses, "store", key(), at)
        )

    receive(100, local(0, 10))
    give(uow, world, 0, 7, local(0, 15), dose=1)  # the day before
    receive(50, local(1, 9))
    give(uow, world, 0, 20, local(1, 10), dose=1)
    give(uow, world, 0, 5, local(1, 11), dose=2)
    services.record_wastage(
        uow, RecordWastage(c1.unit.id, lot, 2, WastageReason.BROKEN, "nurse", key(), local(1, 12))
    )
    # book 100 - 7 + 50 - 20 - 5 - 2 = 116; the count finds 3 fewer
    services.record_count(
        uow, RecordCount(c1.unit.id, (CountedLot(lot, 113),), "store", key(), local(1, 13))
    )
    shipment = make_shipment(uow, c1, c2)
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id, c1.unit.id, (DispatchItem(world.mmr.id, 10),), "d", key(), local(1, 14)
        ),
    )
    services.receive_shipment(
        uow,
        ReceiveShipment(shipment.id, c2.unit.id, (ReceivedLot(lot, 10),), "r", key(), local(1, 16)),
    )
    give(uow, world, 0, 1, local(1, 23, 30), dose=1)  # 15:30 UTC: still 1 March locally
    give(uow, world, 0, 4, local(2, 0, 30), dose=1)  # 2 March locally
    services.set_dose_target(
        uow,
        SetDoseTarget(c1.id, world.mmr.id, 1, MARCH_1, date(2024, 3, 31), 30, 1000, "planner"),
    )
    return world


def test_a_site_reports_its_local_day_against_target_and_flags_the_count_difference(
    uow: UnitOfWork, march_first: World
) -> None:
    report = queries.daily_doses_report(uow, march_first.tree.province.id, MARCH_1)
    clinic = {f.code: f for f in report.facilities}["GD-C1-K1-TH1"]
    (mmr,) = clinic.own
    assert mmr.reconciliation == Reconciliation(
        opening=93, received=50, issued=10, administered=26, wasted=2, closing=102
    )
    assert mmr.reconciliation.difference == 3 and mmr.reconciliation.flagged
    assert mmr.doses == (
        DoseLine(
            1, 21, daily_target=30, cumulative=28, target_population=1000, cumulative_target=30
        ),
        DoseLine(2, administered=5, daily_target=None, cumulative=5, target_population=None),
    )
    # dose 1 on its target's straight line: 30 a day from 1 March, 28 given of 30 by now
    assert mmr.doses[0].percent_of_cumulative_target == 93.3
    # 28 had dose 1, 5 dose 2: (28 − 5) ÷ 28 dropped out (so far)
    assert mmr.dropouts == (Dropout(1, 2, 82.1),)
    assert mmr.doses[0].percent_of_target == 70.0
    assert mmr.doses[0].coverage_percent == 2.8
    assert report.flagged == ("GD-C1-K1-TH1",)
    assert clinic.start == local(1, 0) and clinic.end == local(2, 0)


def test_the_receiving_site_balances_and_the_county_rolls_both_up(
    uow: UnitOfWork, march_first: World
) -> None:
    report = queries.daily_doses_report(uow, march_first.tree.province.id, MARCH_1)
    by_code = {f.code: f for f in report.facilities}
    (other,) = by_code["GD-C1-K1-TH2"].own
    assert other.reconciliation == Reconciliation(0, 10, 0, 0, 0, 10)
    assert not other.reconciliation.flagged and other.doses == ()
    county, province = by_code["GD-C1-K1"], by_code["GD"]
    assert county.own == ()
    (rolled,) = county.subtree
    assert rolled.reconciliation == Reconciliation(93, 60, 10, 26, 2, 112)
    assert rolled.reconciliation.difference == 3
    assert rolled.doses[0] == DoseLine(1, 21, 30, 28, 1000, cumulative_target=30)
    assert province.subtree == county.subtree
    assert report.facilities[0].code == "GD"


def test_a_reversed_administration_leaves_the_day_and_the_total(
    uow: UnitOfWork, march_first: World
) -> None:
    wrong = give(uow, march_first, 0, 6, local(1, 17), dose=2)
    services.reverse_movement(uow, ReverseMovement(wrong, "wrong patient record", "s", key()))
    report = queries.daily_doses_report(uow, march_first.tree.clinics[0].id, MARCH_1)
    (mmr,) = report.facilities[0].own
    assert mmr.doses[1] == DoseLine(2, 5, None, 5, None)
    assert mmr.reconciliation.administered == 26 and mmr.reconciliation.difference == 3
    assert_conserved(uow)


def test_the_next_day_opens_with_the_closing_stock(uow: UnitOfWork, march_first: World) -> None:
    first = queries.daily_doses_report(uow, march_first.tree.clinics[0].id, MARCH_1)
    second = queries.daily_doses_report(uow, march_first.tree.clinics[0].id, date(2024, 3, 2))
    (day1,), (day2,) = first.facilities[0].own, second.facilities[0].own
    assert day2.reconciliation.opening == day1.reconciliation.closing == 102
    assert day2.reconciliation == Reconciliation(102, 0, 0, 4, 0, 98)
    assert day2.doses[0] == DoseLine(1, 4, 30, 32, 1000, cumulative_target=60)


def test_targets_of_one_dose_may_not_overlap_and_bad_figures_are_refused(
    uow: UnitOfWork, march_first: World
) -> None:
    c1, mmr = march_first.tree.clinics[0].id, march_first.mmr.id
    with pytest.raises(InvalidInput, match=r"already has a target .* 2024-03-01 to 2024-03-31"):
        services.set_dose_target(
            uow, SetDoseTarget(c1, mmr, 1, date(2024, 3, 15), date(2024, 4, 15), 5, None, "p")
        )
    with pytest.raises(InvalidInput, match="daily_target must be an integer ≥ 0"):
        services.set_dose_target(
            uow, SetDoseTarget(c1, mmr, 1, date(2024, 4, 1), date(2024, 4, 30), -1, None, "p")
        )
    with pytest.raises(InvalidInput, match="dose_number must be an integer ≥ 1"):
        services.set_dose_target(
            uow, SetDoseTarget(c1, mmr, 0, date(2024, 4, 1), date(2024, 4, 30), 1, None, "p")
        )
    replaced = services.set_dose_target(
        uow, SetDoseTarget(c1, mmr, 1, MARCH_1, date(2024, 3, 31), 40, 1200, "planner")
    )
    assert (replaced.daily_target, replaced.target_population) == (40, 1200)
    report = queries.daily_doses_report(uow, c1, MARCH_1)
    assert report.facilities[0].own[0].doses[0].daily_target == 40


def test_each_site_reports_its_own_local_day(uow: UnitOfWork, world: World) -> None:
    county = world.tree.counties[0]
    far = make_facility(uow, "GD-C1-K1-LDN", "clinic", county, timezone="Europe/London")
    london = ZoneInfo("Europe/London")
    services.receive_from_supplier(
        uow,
        ReceiveFromSupplier(
            far.unit.id, world.early.id, 50, "store", key(), datetime(2024, 3, 1, 8, tzinfo=london)
        ),
    )
    late = datetime(2024, 3, 1, 23, 30, tzinfo=london)  # 2 March, 07:30 in Shanghai
    services.administer_doses(
        uow, AdministerDoses(far.unit.id, world.early.id, 9, "nurse", key(), late, 1)
    )
    report = queries.daily_doses_report(uow, county.id, MARCH_1)
    by_code = {f.code: f for f in report.facilities}
    (mmr,) = by_code["GD-C1-K1-LDN"].own
    assert mmr.doses == (DoseLine(1, 9, None, 9, None),)
    assert mmr.reconciliation == Reconciliation(0, 50, 0, 9, 0, 41)
    assert by_code["GD-C1-K1-LDN"].start == datetime(2024, 3, 1, tzinfo=london)
    assert by_code["GD-C1-K1"].subtree[0].doses[0].administered == 9
    assert queries.daily_doses_report(uow, county.id, date(2024, 3, 2)).facilities[0].subtree[
        0
    ].doses[0] == DoseLine(1, 0, None, 9, None)


def test_coverage_counts_against_the_sites_eligible_population(
    uow: UnitOfWork, march_first: World
) -> None:
    c1, c2 = march_first.tree.clinics
    mmr = march_first.mmr.id
    loaded = services.set_eligible_populations(
        uow,
        [
            SetEligiblePopulation(c1.id, mmr, 2024, 400, "planner"),
            SetEligiblePopulation(c2.id, mmr, 2024, 600, "planner"),
            SetEligiblePopulation(c1.id, mmr, 2025, 999, "planner"),  # another year
        ],
    )
    assert [v.population for v in loaded] == [400, 600, 999]
    report = queries.daily_doses_report(uow, march_first.tree.province.id, MARCH_1)
    by_code = {f.code: f for f in report.facilities}
    (site,) = by_code["GD-C1-K1-TH1"].own
    assert site.eligible == 400 and site.doses[0].eligible == 400
    assert site.doses[0].coverage_percent == 7.0  # 28 ÷ 400, not ÷ the target's 1000
    (county,) = by_code["GD-C1-K1"].subtree
    assert county.eligible == 1000 and county.doses[0].coverage_percent == 2.8


def test_a_bad_row_loads_no_eligible_population(uow: UnitOfWork, march_first: World) -> None:
    c1 = march_first.tree.clinics[0]
    mmr = march_first.mmr.id
    good = SetEligiblePopulation(c1.id, mmr, 2024, 400, "p")
    with pytest.raises(InvalidInput, match="row 2: population"):
        services.set_eligible_populations(
            uow, [good, SetEligiblePopulation(c1.id, mmr, 2023, -1, "p")]
        )
    with pytest.raises(InvalidInput, match="row 2: the same site"):
        services.set_eligible_populations(uow, [good, good])
    with pytest.raises(InvalidInput, match="year"):
        services.set_eligible_populations(uow, [SetEligiblePopulation(c1.id, mmr, 1066, 5, "p")])
    report = queries.daily_doses_report(uow, c1.id, MARCH_1)
    assert report.facilities[0].own[0].eligible is None  # nothing was written


def test_levels_keeps_the_facility_and_its_children_with_their_subtrees(
    uow: UnitOfWork, march_first: World
) -> None:
    province = march_first.tree.province.id
    full = queries.daily_doses_report(uow, province, MARCH_1)
    short = queries.daily_doses_report(uow, province, MARCH_1, levels=1)
    root, *children = short.facilities
    assert root == full.facilities[0]
    assert {c.parent_id for c in children} == {province}
    assert children == [f for f in full.facilities if f.parent_id == province]


def test_a_roll_up_sums_every_site_below_and_the_facility_itself(
    uow: UnitOfWork, march_first: World
) -> None:
    """Targets, their populations and straight lines, eligible populations and stock of two
    sites and of the county's own store add up in the county's and the province's rows."""
    world = march_first
    (county,) = world.tree.counties
    c1, c2 = world.tree.clinics
    mmr = world.mmr.id
    services.set_dose_target(
        uow, SetDoseTarget(c2.id, mmr, 1, MARCH_1, date(2024, 3, 31), 20, 500, "planner")
    )
    services.set_eligible_populations(uow, [SetEligiblePopulation(c2.id, mmr, 2024, 600, "p")])
    services.receive_from_supplier(
        uow, ReceiveFromSupplier(county.unit.id, world.early.id, 40, "store", key(), local(1, 8))
    )
    report = queries.daily_doses_report(uow, world.tree.province.id, MARCH_1)
    by_code = {f.code: f for f in report.facilities}
    (own,) = by_code["GD-C1-K1"].own
    assert own.reconciliation == Reconciliation(0, 40, 0, 0, 0, 40)
    (rolled,) = by_code["GD-C1-K1"].subtree
    assert rolled.reconciliation == Reconciliation(93, 100, 10, 26, 2, 152)
    assert rolled.eligible == 600  # only clinic 2 has an eligible population
    assert rolled.doses[0] == DoseLine(
        1,
        21,
        daily_target=50,
        cumulative=28,
        target_population=1500,
        eligible=600,
        cumulative_target=50,
    )
    for upper in ("GD-C1", "GD"):
        assert by_code[upper].subtree == by_code["GD-C1-K1"].subtree
    sites = [by_code[c.facility.code].own[0] for c in (c1, c2)]
    assert rolled.doses[0].administered == sum(s.doses[0].administered for s in sites if s.doses)
