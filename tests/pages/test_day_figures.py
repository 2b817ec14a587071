"""The status board's time in range comes from stored daily figures: the ``day_figures``
job computes each unit's complete days from its readings once, and the board sums them in
one query."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from api.deps import ApiDeps
from ingest.alarms.day_figures import record_day_figures
from ingest.models import UnitDayFigureRow
from tests.e2e.telemetry_feed import CLINIC_UNIT, CLINIC_UNIT_2, Feed
from tests.pages.conftest import NOW
from tests.unit.alarms.fakes import T0


def test_the_job_stores_complete_days_once_and_time_in_range_follows(
    fed: Feed, deps: ApiDeps
) -> None:
    later = T0 + timedelta(days=2)
    queries = dataclasses.replace(deps, clock=lambda: later).alarm_queries()
    codes = [CLINIC_UNIT, CLINIC_UNIT_2]
    written = record_day_figures(queries, deps.alarms_uow(), codes, now=later)
    assert written >= 2
    day = T0.date()
    found = queries.stored_time_in_range(codes, day, day)
    assert found[CLINIC_UNIT_2] == 100.0  # 5 °C all along
    assert found[CLINIC_UNIT] is not None and 0 < found[CLINIC_UNIT] < 20  # 610 min at 12 °C
    again = record_day_figures(queries, deps.alarms_uow(), codes, now=later)
    assert queries.stored_time_in_range(codes, day, day) == found and again <= written


def test_the_board_shows_the_stored_time_in_range(fed: Feed, deps: ApiDeps, person: Any) -> None:
    uow = deps.alarms_uow()
    with uow:
        uow.repo.put_day_figures(
            [
                UnitDayFigureRow(
                    unit_code=CLINIC_UNIT_2,
                    day=NOW.date() - timedelta(days=1),
                    observed_minutes=1440.0,
                    above_minutes=144.0,
                    below_minutes=0.0,
                    unknown_minutes=0.0,
                    computed_at=NOW,
                )
            ]
        )
        uow.commit()
    html = person("admin").get("/board").text
    assert "90.0%" in html
    assert "Not known yet" in html  # the units without stored days


def test_the_performance_report_reads_complete_stored_days_and_the_readings_of_the_rest(
    fed: Feed, deps: ApiDeps
) -> None:
    """``performance_of_units`` (the province's report) gives each unit ``performance``'s
    figures, from the stored figures of a day once the job computed it after its end (with
    its MKT), from the readings otherwise."""
    later = T0 + timedelta(days=2)
    queries = dataclasses.replace(deps, clock=lambda: later).alarm_queries()
    codes = [CLINIC_UNIT, CLINIC_UNIT_2]
    day = T0.date()  # a local day (Shanghai) of the feed's readings
    one_by_one = [queries.performance(code, day, day) for code in codes]
    assert queries.performance_of_units(codes, day, day) == one_by_one  # nothing stored yet

    record_day_figures(queries, deps.alarms_uow(), codes, now=later)
    engine = deps.session_factory.kw["bind"]
    f = UnitDayFigureRow
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                select(f.unit_code, f.mkt_c).where(f.unit_code.in_(codes), f.day == day)
            ).all()
        )
    assert stored[CLINIC_UNIT] > 8.0 and 4.9 < stored[CLINIC_UNIT_2] < 5.1  # 610 min at 12 °C
    assert queries.performance_of_units(codes, day, day) == one_by_one  # the same figures

    def stored_as(**values: object) -> None:
        with engine.begin() as connection:
            connection.execute(
                update(f).where(f.unit_code == CLINIC_UNIT, f.day == day).values(**values)
            )

    stored_as(above_minutes=0.0)  # what the report reads now is the stored row
    (hot, _) = queries.performance_of_units(codes, day, day)
    assert hot.figures.above_minutes == 0.0 and one_by_one[0].figures.above_minutes == 610.0
    stored_as(computed_at=T0 + timedelta(hours=12))  # stored while the day was still going on
    assert queries.performance_of_units(codes, day, day) == one_by_one
    stored_as(computed_at=later, mkt_c=None)  # stored before figures kept their MKT
    assert queries.performance_of_units(codes, day, day) == one_by_one
    assert (CLINIC_UNIT, day) not in queries.stored_days(codes, day)  # the job computes it again


def test_the_job_fills_older_days_newest_first_within_its_budget_and_its_reach(
    fed: Feed, deps: ApiDeps
) -> None:
    """Three weeks after the feed's day, the job stores the recent days at once and the
    older ones newest first, at most ``backfill`` unit-days a run, never beyond ``kept``."""
    later = T0 + timedelta(days=21)
    queries = dataclasses.replace(deps, clock=lambda: later).alarm_queries()
    codes = [CLINIC_UNIT, CLINIC_UNIT_2]
    today, fed_day = later.date(), T0.date()
    horizon = today - timedelta(days=30)

    def run(backfill: int, kept: int = 30) -> set[tuple[str, object]]:
        record_day_figures(
            queries, deps.alarms_uow(), codes, now=later, backfill=backfill, kept=kept
        )
        return queries.stored_days(codes, horizon)

    recent = {(c, today - timedelta(days=back)) for c in codes for back in range(0, 9)}
    stored = run(backfill=1)
    older = stored - recent
    assert recent <= stored and older == {(CLINIC_UNIT, today - timedelta(days=9))}
    stored = run(backfill=3)  # the next newest: the other unit's day 9, then day 10 of both
    assert len(stored - recent) == 4 and (CLINIC_UNIT_2, today - timedelta(days=10)) in stored
    assert (CLINIC_UNIT, fed_day) not in stored
    stored = run(backfill=100, kept=15)  # not as far back as the feed's day
    assert (CLINIC_UNIT, fed_day) not in stored
    assert (CLINIC_UNIT, today - timedelta(days=15)) in stored
    run(backfill=100)  # 30 days: the feed's day too, with its figures
    assert queries.stored_time_in_range(codes, fed_day, fed_day)[CLINIC_UNIT_2] == 100.0
    performance = queries.performance_of_units(codes, fed_day, fed_day)
    assert performance == [queries.performance(code, fed_day, fed_day) for code in codes]
