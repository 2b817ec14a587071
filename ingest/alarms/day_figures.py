"""Stored daily figures of storage units: each complete local day's observed, too hot, too
cold and unknown minutes and its mean kinetic temperature, from the unit's daily summary
(domain rule 7), kept in ``unit_day_figures`` so that the status board's time in range over
7 days and the cold-chain performance report (``AlarmQueries.performance_of_units``) are a
few grouped queries over thousands of units, never days of raw readings per unit.

``record_day_figures`` (the ``day_figures`` job, every 10 minutes) computes, per unit, the
days of the last ``days`` that are not stored yet, and always yesterday (late readings land
in it) and today so far again, so the board's 7 days end now. Then it fills older days not
stored yet (a unit registered before the job first ran, a store upgraded to figures with
their MKT), newest first, back to ``kept`` days (the longest period a report asks), at most
``backfill`` unit-days a run so that a first run over thousands of units never reads months
of readings at once. Idempotent: a second run rewrites the same figures. A unit the
directory does not know is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from ingest.alarms.errors import UnknownUnit
from ingest.alarms.queries import MAX_SUMMARY_DAYS, AlarmQueries
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.alarms.views import DailySummaryView
from ingest.models import UnitDayFigureRow

DAYS = 8  # 7 complete days before today, whatever the unit's zone
KEPT = MAX_SUMMARY_DAYS - 1  # days back the job fills: a report's longest period ends today
BACKFILL = 1_000  # older unit-days computed per run (~1 000 runs' worth of days per year)


def record_day_figures(
    queries: AlarmQueries,
    uow: AlarmsUnitOfWork,
    unit_codes: Sequence[str],
    *,
    now: datetime,
    days: int = DAYS,
    kept: int = KEPT,
    backfill: int = BACKFILL,
) -> int:
    """Compute and store each unit's missing days, yesterday and today so far, then up to
    ``backfill`` older missing days back to ``kept``; the number of days written."""
    today = now.date()
    since = today - timedelta(days=days)
    stored = queries.stored_days(unit_codes, today - timedelta(days=kept))
    wanted: dict[str, set[date]] = {}
    for code in unit_codes:
        missing = {
            since + timedelta(days=i)
            for i in range(days)
            if (code, since + timedelta(days=i)) not in stored
        }
        wanted[code] = missing | {today - timedelta(days=1), today}
    backlog: dict[str, set[date]] = {}  # older days not stored, within the budget
    budget = backfill
    for back in range(days + 1, kept + 1):  # the newest older day first, every unit
        if budget <= 0:
            break
        day = today - timedelta(days=back)
        for code in unit_codes:
            if budget <= 0:
                break
            if (code, day) not in stored:
                backlog.setdefault(code, set()).add(day)
                budget -= 1
    rows: list[UnitDayFigureRow] = []
    for code in unit_codes:
        recent, older = wanted[code], sorted(backlog.get(code, ()))
        try:
            summaries = queries.daily_summaries(code, min(recent), today)
            if older:  # one contiguous span of days before the recent ones
                summaries += queries.daily_summaries(code, older[0], older[-1])
        except UnknownUnit:
            continue
        rows += [_row(code, s, now) for s in summaries if s.day in recent or s.day in older]
    with uow:
        uow.repo.put_day_figures(rows)
        uow.commit()
    return len(rows)


def _row(code: str, s: DailySummaryView, now: datetime) -> UnitDayFigureRow:
    return UnitDayFigureRow(
        unit_code=code,
        day=s.day,
        observed_minutes=max(0.0, (s.end - s.start).total_seconds() / 60 - s.unknown_minutes),
        above_minutes=s.minutes_above,
        below_minutes=s.minutes_below,
        unknown_minutes=s.unknown_minutes,
        mkt_c=s.mkt_c,
        computed_at=now,
    )
