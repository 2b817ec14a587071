"""The programme's routine jobs on one database: expiry warnings become LOT_EXPIRING alarms
at the holders and clear once the lot is held as expired; the daily close raises one
STOCK_RECONCILIATION alarm for a day that does not balance, once, at the local cut-off; the
nightly ledger check raises one LEDGER_CHECK alarm at the root listing every finding and
clears it when the ledger is sound."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, update

from coldchain.db import make_session_factory
from coldchain.jobs import RoutineJobs
from ingest.alarms.queries import AlarmQueries
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from inventory import models, queries, services
from inventory.commands import (
    CountedLot,
    DispatchItem,
    DispatchShipment,
    ReceivedLot,
    ReceiveReturn,
    ReceiveShipment,
    RecordCount,
    RefuseShipment,
)
from inventory.unit_of_work import UnitOfWork
from tests.builders import (
    key,
    make_facility_tree,
    make_lot,
    make_product,
    make_shipment,
    make_uow,
    stock_up,
)
from tests.unit.alarms.fakes import FakeNotifier


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def routine(engine: Engine, clock: Clock) -> tuple[RoutineJobs, AlarmQueries, FakeNotifier]:
    notifier = FakeNotifier()
    sessions = make_session_factory(engine)
    jobs = RoutineJobs(
        ledger=UnitOfWork(sessions),
        alarms=AlarmsUnitOfWork(sessions, clock=clock),
        notifier=notifier,
        clock=clock,
    )
    return jobs, AlarmQueries(sessions, clock=clock), notifier


def test_expiry_warns_the_holder_once_per_threshold_then_holds_the_lot_as_expired(
    engine: Engine,
) -> None:
    uow = make_uow(engine)
    tree = make_facility_tree(uow, clinics_per_county=1)
    clinic = tree.clinics[0]
    lot = make_lot(uow, make_product(uow, "BCG", doses_per_vial=20), "B1", date(2024, 4, 30))
    stock_up(uow, clinic.unit, lot, 40)
    clock = Clock(datetime(2024, 4, 5, 1, tzinfo=UTC))  # 25 days left in Shanghai
    jobs, alarms, notifier = routine(engine, clock)

    jobs.expiry()
    jobs.expiry()
    (warning,) = alarms.alarms(state="raised")
    assert (warning.type, warning.facility, warning.unit) == (
        "LOT_EXPIRING",
        clinic.facility.code,
        None,
    )
    assert warning.details is not None
    assert (warning.details["threshold_days"], warning.details["doses"]) == (30, 40)
    assert len(notifier.notices) == 1

    clock.now = datetime(2024, 4, 30, 16, tzinfo=UTC)  # 00:00 on 1 May in Shanghai
    jobs.expiry()
    assert alarms.alarms(state="raised") == []
    report = queries.stock_on_hand(uow, storage_unit_id=clinic.unit.id)
    assert [(line.usable.doses, line.held.doses) for line in report.lines] == [(0, 40)]


def test_the_ledger_check_raises_one_alarm_at_the_root_and_clears_it_when_sound(
    engine: Engine,
) -> None:
    uow = make_uow(engine)
    tree = make_facility_tree(uow)
    lot = make_lot(uow, make_product(uow, "MMR", doses_per_vial=10), "M1")
    stock_up(uow, tree.province.unit, lot, 100)
    jobs, alarms, _ = routine(engine, Clock(datetime(2024, 3, 2, 2, 30, tzinfo=UTC)))
    jobs.ledger_check()
    assert alarms.alarms() == []

    with uow:
        uow.session.execute(update(models.Balance).values(doses=models.Balance.doses + 1))
        uow.commit()
    jobs.ledger_check()
    jobs.ledger_check()
    (found,) = alarms.alarms(state="raised")
    assert (found.type, found.facility, found.severity) == (
        "LEDGER_CHECK",
        tree.province.facility.code,
        "alarm",
    )
    assert found.details is not None and found.details["findings"] == queries.verify_ledger(uow)

    with uow:
        uow.session.execute(update(models.Balance).values(doses=models.Balance.doses - 1))
        uow.commit()
    jobs.ledger_check()
    assert alarms.alarms(state="raised") == []


def test_the_daily_close_flags_a_day_that_does_not_reconcile_once_at_the_local_cut_off(
    engine: Engine,
) -> None:
    uow = make_uow(engine)
    tree = make_facility_tree(uow, clinics_per_county=1)
    clinic = tree.clinics[0]
    lot = make_lot(uow, make_product(uow, "MMR", doses_per_vial=10), "M1")
    morning = datetime(2024, 3, 5, 1, tzinfo=UTC)  # 09:00 in Shanghai
    stock_up(uow, clinic.unit, lot, 100, at=morning - timedelta(days=1))
    services.record_count(
        uow,
        RecordCount(
            clinic.unit.id, (CountedLot(lot.id, 95),), "nurse", key("count"), morning, note="5 lost"
        ),
    )
    clock = Clock(datetime(2024, 3, 5, 9, 59, tzinfo=UTC))  # 17:59 local: 4 March is closed
    jobs, alarms, notifier = routine(engine, clock)
    jobs.daily_close()
    assert alarms.alarms() == []
    clock.now = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)  # 18:00 local
    jobs.daily_close()
    jobs.daily_close()
    (alarm,) = alarms.alarms(state="raised")
    assert (alarm.type, alarm.facility, alarm.unit) == (
        "STOCK_RECONCILIATION",
        clinic.facility.code,
        None,
    )
    assert alarm.details is not None and alarm.details["day"] == "2024-03-05"
    (product,) = alarm.details["products"]
    assert (product["opening"], product["closing"], product["difference"]) == (100, 95, 5)
    assert len(notifier.notices) == 1


def test_an_overdue_shipment_alarms_the_sender_and_the_receivers_parent_until_received(
    engine: Engine,
) -> None:
    uow = make_uow(engine)
    tree = make_facility_tree(uow, clinics_per_county=1)
    province, county, clinic = tree.province, tree.counties[0], tree.clinics[0]
    product = make_product(uow, "MMR", doses_per_vial=10)
    lot = make_lot(uow, product, "M1")
    dispatched = datetime(2024, 3, 5, 1, tzinfo=UTC)
    stock_up(uow, province.unit, lot, 100, at=dispatched - timedelta(hours=1))
    shipment = make_shipment(uow, province, clinic, lead_time=timedelta(hours=48))
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id,
            province.unit.id,
            (DispatchItem(product.id, 30),),
            "dispatcher",
            key("dispatch"),
            dispatched,
        ),
    )
    due = dispatched + timedelta(hours=48 + 24)
    clock = Clock(due - timedelta(minutes=1))
    jobs, alarms, notifier = routine(engine, clock)
    jobs.overdue_shipments()
    assert alarms.alarms() == []

    clock.now = due + timedelta(minutes=1)
    jobs.overdue_shipments()
    jobs.overdue_shipments()
    raised = alarms.alarms(state="raised")
    assert sorted((a.type, a.facility) for a in raised) == sorted(
        [("SHIPMENT_OVERDUE", county.facility.code), ("SHIPMENT_OVERDUE", province.facility.code)]
    )
    assert {a.details["shipment_id"] for a in raised if a.details} == {shipment.id}
    assert len(notifier.notices) == 2

    services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id,
            clinic.unit.id,
            (ReceivedLot(lot.id, 30),),
            "nurse",
            key("receive"),
            clock.now,
        ),
    )
    jobs.overdue_shipments()
    assert alarms.alarms(state="raised") == []
    assert len(alarms.alarms(state="cleared")) == 2


def test_a_return_not_received_back_alarms_the_sender_until_it_is_received(
    engine: Engine,
) -> None:
    uow = make_uow(engine)
    tree = make_facility_tree(uow, clinics_per_county=1)
    province, clinic = tree.province, tree.clinics[0]
    product = make_product(uow, "MMR", doses_per_vial=10)
    lot = make_lot(uow, product, "M1")
    dispatched = datetime(2024, 3, 5, 1, tzinfo=UTC)
    refused = dispatched + timedelta(hours=30)
    stock_up(uow, province.unit, lot, 100, at=dispatched - timedelta(hours=1))
    shipment = make_shipment(uow, province, clinic, lead_time=timedelta(hours=48))
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id,
            province.unit.id,
            (DispatchItem(product.id, 30),),
            "dispatcher",
            key("dispatch"),
            dispatched,
        ),
    )
    services.refuse_shipment(
        uow, RefuseShipment(shipment.id, "box warm", "nurse", key("refuse"), refused)
    )
    due = refused + timedelta(hours=48 + 24)
    clock = Clock(due - timedelta(minutes=1))
    jobs, alarms, notifier = routine(engine, clock)
    jobs.overdue_shipments()
    assert alarms.alarms() == []  # the journey there is over; the way back is not late yet

    clock.now = due + timedelta(minutes=1)
    jobs.overdue_shipments()
    jobs.overdue_shipments()
    [raised] = alarms.alarms(state="raised")
    assert (raised.type, raised.facility) == ("SHIPMENT_OVERDUE", province.facility.code)
    assert raised.details is not None and raised.details["returning"] is True
    assert raised.key.endswith(f"/{shipment.id}/return")
    assert len(notifier.notices) == 1

    services.receive_return(
        uow,
        ReceiveReturn(shipment.id, (ReceivedLot(lot.id, 30),), "keeper", key("back")),
    )
    jobs.overdue_shipments()
    assert alarms.alarms(state="raised") == []
