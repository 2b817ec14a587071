"""The daily close, run by the scheduler: each facility's local day closed once, at its
cut-off (18:00 local by default), with the stock reconciliation of each product checked.

Invariants: a facility's day is closed at most once (``daily_closes``, unique per facility
and day; a concurrent or repeated run closes nothing twice); a run closes the facility's
current local day once its cut-off has passed, else the day before, so a scheduler that was
down over a cut-off still closes that day on its next run; the figures are the daily doses
report's (rule 22), so the close and the report never disagree. A product whose
``opening + received − issued − administered − wasted`` is not its closing stock is
flagged; the caller raises the alarm.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inventory import models as m
from inventory.domain.facilities import ancestor_ids
from inventory.queries.daily_doses import Reconciliation, daily_doses_report
from inventory.unit_of_work import UnitOfWork

DEFAULT_CUTOFF = time(18, 0)


@dataclass(frozen=True)
class FlaggedProduct:
    product_code: str
    reconciliation: Reconciliation


@dataclass(frozen=True)
class ClosedDay:
    facility_id: int
    facility_code: str
    day: date
    flagged: tuple[FlaggedProduct, ...]  # the products whose reconciliation does not balance


def day_to_close(now: datetime, zone: ZoneInfo, cutoff: time = DEFAULT_CUTOFF) -> date:
    """The local day a run at ``now`` closes: today once the cut-off has passed, else
    yesterday."""
    local = now.astimezone(zone)
    return local.date() if local.time() >= cutoff else local.date() - timedelta(days=1)


def close_days(uow: UnitOfWork, now: datetime, cutoff: time = DEFAULT_CUTOFF) -> list[ClosedDay]:
    """Close every facility's due day not closed yet; returns what this run closed."""
    f = m.Facility
    with uow:
        facilities = uow.session.execute(select(f.id, f.code, f.path, f.timezone)).all()
        closed = set(uow.session.execute(select(m.DailyClose.facility_id, m.DailyClose.day)))
    due: dict[date, list[tuple[int, str, str]]] = defaultdict(list)
    for fid, code, path, zone in facilities:
        day = day_to_close(now, ZoneInfo(zone), cutoff)
        if (fid, day) not in closed and uow.window.earliest <= day <= uow.window.latest:
            due[day].append((fid, code, path))
    results: list[ClosedDay] = []
    for day, pending in sorted(due.items()):
        results += _close(uow, day, pending, now)
    return results


def _close(
    uow: UnitOfWork, day: date, pending: list[tuple[int, str, str]], now: datetime
) -> list[ClosedDay]:
    ids = {fid for fid, _, _ in pending}
    roots = sorted({ancestor_ids(path)[0] for _, _, path in pending})
    found: dict[int, ClosedDay] = {}
    for root in roots:
        for facility in daily_doses_report(uow, root, day).facilities:
            if facility.facility_id not in ids:
                continue
            flagged = tuple(
                FlaggedProduct(p.product_code, p.reconciliation)
                for p in facility.own
                if p.reconciliation.flagged
            )
            found[facility.facility_id] = ClosedDay(
                facility.facility_id, facility.code, day, flagged
            )
    closed: list[ClosedDay] = []
    for result in found.values():
        try:
            with uow:
                uow.session.add(
                    m.DailyClose(
                        facility_id=result.facility_id,
                        day=day,
                        closed_at=now,
                        flagged=bool(result.flagged),
                    )
                )
                uow.commit()
        except IntegrityError:
            continue  # closed by a concurrent run
        closed.append(result)
    return closed
