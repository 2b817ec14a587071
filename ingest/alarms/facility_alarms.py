"""Facility alarms: the programme's routine raising alarms about a facility, not a unit.

A lot a facility holds is about to expire, a day's stock does not reconcile, the nightly
ledger check found problems, a shipment is overdue: each is an alarm like a fridge's (one row
in ``alarms``, acknowledged, re-notified and escalated up the facility tree by the same
jobs), with no storage unit, no exposure and no quarantine, and ``details`` that say what and
what to do (``summary``, ``steps``, and the facts: findings, lot, day).

``sync_facility_alarms`` is the one entry: given the alarms of one type that hold now, it
raises the new ones (insert once by ``key``: a re-run raises nothing twice) and, with
``clear_absent``, clears the raised ones of that type whose condition is gone. Notices go
out after the commit, only for the rows this call changed (as ``services`` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ingest.alarms.notices import build_notice
from ingest.alarms.ports import AlarmNotice, NoticeKind, Notifier
from ingest.alarms.records import new_alarm_values
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.alarms.views import alarm_view
from ingest.models import AlarmRow

LOT_EXPIRING = "LOT_EXPIRING"
STOCK_RECONCILIATION = "STOCK_RECONCILIATION"
LEDGER_CHECK = "LEDGER_CHECK"
SHIPMENT_OVERDUE = "SHIPMENT_OVERDUE"
SEVERITIES = ("warning", "alarm")


@dataclass(frozen=True)
class FacilityAlarm:
    """An alarm about ``facility`` that holds now; ``key`` names the condition (stable while
    it lasts, new when it changes) and must start with ``type``."""

    type: str
    severity: str  # warning | alarm
    facility: str
    key: str
    started_at: datetime
    summary: str
    steps: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        if not self.key.startswith(f"{self.type}/"):
            raise ValueError(f"a {self.type} alarm's key must start with '{self.type}/'")
        if self.started_at.tzinfo is None:
            raise ValueError("started_at must be aware (UTC)")


@dataclass(frozen=True)
class SyncReport:
    raised: int
    cleared: int
    open: int  # raised alarms of the type after the call


def sync_facility_alarms(
    uow: AlarmsUnitOfWork,
    notifier: Notifier | None,
    alarm_type: str,
    current: Sequence[FacilityAlarm],
    now: datetime,
    *,
    clear_absent: bool = True,
) -> SyncReport:
    """Raise the alarms of ``current`` not raised yet; with ``clear_absent``, clear the
    raised alarms of ``alarm_type`` not in ``current``. One transaction, then the notices."""
    wrong = [a.key for a in current if a.type != alarm_type]
    if wrong:
        raise ValueError(f"not {alarm_type} alarms: {wrong}")
    notices: list[AlarmNotice] = []
    keys = {a.key for a in current}
    with uow:
        cleared = 0
        open_before = uow.repo.open_facility_alarms(alarm_type)
        if clear_absent:
            for row in open_before:
                if row.key in keys or uow.repo.clear_alarm(row.key, now, now) is None:
                    continue
                cleared += 1
                uow.session.refresh(row)
                notices.append(_notice(row, NoticeKind.CLEARED, now))
        raised = 0
        for alarm in current:
            alarm_id = uow.repo.insert_alarm(_values(alarm, now))
            if alarm_id is None:
                continue  # raised before (or cleared: a key is raised once)
            raised += 1
            new = uow.repo.alarm(alarm_id)
            assert new is not None
            notices.append(_notice(new, NoticeKind.RAISED, now))
        still_open = len(uow.repo.open_facility_alarms(alarm_type))
        uow.commit()
    for notice in notices:
        if notifier is not None:
            notifier.notify(notice)
    return SyncReport(raised=raised, cleared=cleared, open=still_open)


def _values(alarm: FacilityAlarm, now: datetime) -> dict[str, object]:
    raised = new_alarm_values(
        key=alarm.key,
        alarm_type=alarm.type,
        severity=alarm.severity,
        facility=alarm.facility,
        started_at=alarm.started_at,
        raised_at=now,
        now=now,
    )
    return {
        **raised,
        "exposed_lots": [],
        "details": {"summary": alarm.summary, "steps": list(alarm.steps), **alarm.facts},
    }


def _notice(row: AlarmRow, kind: NoticeKind, now: datetime) -> AlarmNotice:
    return build_notice(
        alarm_view(row), kind, occurred_at=now, level=0, facilities=(row.facility_code,)
    )
