"""Stored daily figures of storage units: each complete local day's observed, too hot, too
cold and unknown minutes and its mean kinetic temperature, from the unit's daily summary
(domain rule 7), kept in ``unit_day_figures`` so that the status board's time in range over
7 days and the cold-chain performance report (``AlarmQueries.performance_of_units``) are a
few grouped queries over thousands of units, never days of raw readings per unit.

``record_day_figures`` (the ``day_figures`` job, every 10 minutes) computes, per unit, the
days of the last ``days`` that are not stored yet, and always yesterday (late readings land
in it) and today so far again, so the board's 7 days end now. Idempotent: a second run
rewrites the same figures. A unit the directory does not know is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ingest.alarms.errors import UnknownUnit
from ingest.alarms.queries import AlarmQueries
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.models import UnitDayFigureRow

DAYS = 8  # 7 complete days before today, whatever the unit's zone


def record_day_figures(
    queries: AlarmQueries,
    uow: AlarmsUnitOfWork,
    unit_codes: Sequence[str],
    *,
    now: datetime,
    days: int = DAYS,
) -> int:
    """Compute and store each unit's missing days, yesterday and today so far; the number
    of days written."""
    today = now.date()
    since = today - timedelta(days=days)
    stored = queries.stored_days(unit_codes, since)
    rows: list[UnitDayFigureRow] = []
    for code in unit_codes:
        missing = [
            since + timedelta(days=i)
            for i in range(days)
            if (code, since + timedelta(days=i)) not in stored
        ]
        first = min([*missing, today - timedelta(days=1)])
        try:
            summaries = queries.daily_summaries(code, first, today)
        except UnknownUnit:
            continue
        rows += [
            UnitDayFigureRow(
                unit_code=code,
                day=s.day,
                observed_minutes=max(
                    0.0, (s.end - s.start).total_seconds() / 60 - s.unknown_minutes
                ),
                above_minutes=s.minutes_above,
                below_minutes=s.minutes_below,
                unknown_minutes=s.unknown_minutes,
                mkt_c=s.mkt_c,
                computed_at=now,
            )
            for s in summaries
        ]
    with uow:
        uow.repo.put_day_figures(rows)
        uow.commit()
    return len(rows)
