"""Retention (domain rule 18) with a controlled clock: raw readings of a unit leave only
once outside three years and outside five years after the expiry of every lot that was in
it; they are rolled up into hours first, and a second run changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select

from coldchain.db import make_session_factory
from coldchain.jobs import RoutineJobs
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.models import TelemetryHourlyRow, TelemetryReadingRow
from ingest.readings import Reading
from ingest.registry import to_ns
from ingest.sinks.embedded import EmbeddedSink
from inventory import queries
from inventory.domain.retention import last_protected_expiry, oldest_kept, protects
from tests.builders import make_facility, make_lot, make_product, make_uow, stock_up
from tests.unit.alarms.fakes import FakeNotifier

STOCKED = datetime(2022, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 3, 30, tzinfo=UTC)  # three years back: 2023-06-01


def readings_of(unit: str, start: datetime, hours: int, per_hour: int = 4) -> list[Reading]:
    step = timedelta(hours=1) / per_hour
    return [
        Reading(
            "CLN",
            unit,
            f"{unit}-S",
            to_ns(start + i * step),
            4.0 + (i % per_hour),
            to_ns(start + i * step),
        )
        for i in range(hours * per_hour)
    ]


def count(engine: Engine, unit: str) -> int:
    r = TelemetryReadingRow
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(r.unit == unit)).scalar_one())


def test_the_rule_in_dates() -> None:
    assert oldest_kept(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2025, 2, 28, tzinfo=UTC)
    assert protects(date(2021, 6, 1), datetime(2026, 6, 1, 12, tzinfo=UTC))
    assert protects(date(2021, 6, 1), datetime(2026, 6, 2, 23, tzinfo=UTC))  # the zone's margin
    assert not protects(date(2021, 6, 1), datetime(2026, 6, 3, 0, tzinfo=UTC))
    assert last_protected_expiry(datetime(2026, 6, 3, tzinfo=UTC)) == date(2021, 6, 2)


def test_readings_leave_only_outside_every_lots_horizon_rolled_up_first(engine: Engine) -> None:
    uow = make_uow(engine)
    clinic = make_facility(uow, "CLN", "clinic", units=2)
    old_unit, kept_unit = (u.code for u in clinic.units)
    product = make_product(uow, "MMR", doses_per_vial=10)
    expired_long_ago = make_lot(uow, product, "OLD", date(2021, 3, 31))  # + 5 y: 2026-03-31
    still_protected = make_lot(uow, product, "NEW", date(2024, 12, 31))  # + 5 y: 2029
    stock_up(uow, clinic.units[0], expired_long_ago, 100, at=STOCKED)
    stock_up(uow, clinic.units[1], still_protected, 100, at=STOCKED)
    sink = EmbeddedSink(engine)
    recent = NOW - timedelta(days=1)
    for unit in (old_unit, kept_unit):
        sink.write(readings_of(unit, STOCKED, hours=3) + readings_of(unit, recent, hours=2))

    horizons = queries.retention_horizons(uow, NOW)
    assert horizons.of(old_unit) == oldest_kept(NOW)
    assert horizons.of(kept_unit) == STOCKED  # the protected lot's first day in the unit

    jobs = RoutineJobs(
        ledger=uow,
        alarms=AlarmsUnitOfWork(make_session_factory(engine)),
        notifier=FakeNotifier(),
        clock=lambda: NOW,
        readings=engine,
    )
    jobs.retention()
    assert count(engine, old_unit) == 8  # the two recent hours
    assert count(engine, kept_unit) == 20  # everything: inside NEW's horizon
    with engine.connect() as conn:
        hours = conn.execute(select(TelemetryHourlyRow).order_by(TelemetryHourlyRow.hour_ns)).all()
    assert [(h.unit, h.hour_ns, h.readings, h.min_c, h.max_c, h.mean_c) for h in hours] == [
        (old_unit, to_ns(STOCKED + timedelta(hours=i)), 4, 4.0, 7.0, 5.5) for i in range(3)
    ]
    jobs.retention()  # again: nothing more
    assert count(engine, old_unit) == 8
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TelemetryHourlyRow)).scalar() == 3
    # a late reading of an hour already rolled up merges into it
    sink.write([Reading("CLN", old_unit, "late", to_ns(STOCKED), 10.0, to_ns(NOW))])
    jobs.retention()
    with engine.connect() as conn:
        first = conn.execute(
            select(TelemetryHourlyRow).where(TelemetryHourlyRow.hour_ns == to_ns(STOCKED))
        ).one()
    assert (first.readings, first.max_c, first.mean_c) == (5, 10.0, (5.5 * 4 + 10.0) / 5)
