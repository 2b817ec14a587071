"""Building ``AlarmNotice`` values from alarm views (pure).

Invariant: a notice's ``notice_id`` names the fact it reports, so the same fact yields the
same id however often it is built (``"raised:{key}"``, ``"cleared:{key}"``,
``"escalated:{key}:{level}"``, ``"renotified:{key}:{occurred_at ISO}"``,
``"acknowledged:{key}:{acknowledgement id}"``); the message is one plain sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ingest.alarms.ports import SENSOR_OFFLINE, AlarmNotice, ExposedLot, NoticeKind
from ingest.alarms.views import AlarmView


def notice_id(kind: NoticeKind, key: str, occurred_at: datetime, level: int, ack_id: int) -> str:
    if kind is NoticeKind.ESCALATED:
        return f"{kind.value}:{key}:{level}"
    if kind is NoticeKind.RENOTIFIED:
        return f"{kind.value}:{key}:{occurred_at.isoformat()}"
    if kind is NoticeKind.ACKNOWLEDGED:
        return f"{kind.value}:{key}:{ack_id}"
    return f"{kind.value}:{key}"


def build_notice(
    alarm: AlarmView,
    kind: NoticeKind,
    *,
    occurred_at: datetime,
    level: int,
    facilities: Sequence[str],
    lots: Sequence[ExposedLot] | None = None,
    acknowledgement_id: int = 0,
) -> AlarmNotice:
    """The notice of ``kind`` for ``alarm``; ``lots`` default to the alarm's stored exposure."""
    exposed = tuple(lots) if lots is not None else (alarm.exposed_lots or ())
    acknowledged = kind is NoticeKind.ACKNOWLEDGED
    return AlarmNotice(
        notice_id=notice_id(kind, alarm.key, occurred_at, level, acknowledgement_id),
        kind=kind,
        alarm_id=alarm.id,
        key=alarm.key,
        rule_id=alarm.type,
        severity=alarm.severity,
        facility=alarm.facility,
        unit=alarm.unit,
        sensor=alarm.sensor,
        started_at=alarm.started_at,
        fired_at=alarm.raised_at,
        occurred_at=occurred_at,
        peak_c=alarm.peak_c,
        escalation_level=level,
        notify_facilities=tuple(facilities) or (alarm.facility,),
        exposed_lots=exposed,
        exposed_doses=sum(lot.doses for lot in exposed),
        message=message(alarm, kind, level, exposed),
        cleared_at=alarm.cleared_at,
        acknowledged_by=alarm.acknowledged_by if acknowledged else None,
        comment=alarm.acknowledgement_comment if acknowledged else None,
        steps=tuple(str(s) for s in (alarm.details or {}).get("steps", ()))
        if alarm.unit is None
        else (),
    )


def message(alarm: AlarmView, kind: NoticeKind, level: int, lots: Sequence[ExposedLot]) -> str:
    where = alarm.facility if alarm.unit is None else f"{alarm.facility}/{alarm.unit}"
    what = f"{alarm.severity.upper()} {alarm.type} at {where}"
    if alarm.unit is None:
        cause = str((alarm.details or {}).get("summary", "see the alarm"))
    elif alarm.type == SENSOR_OFFLINE:
        cause = f"sensor {alarm.sensor} silent since {_hm(alarm.started_at)}"
    else:
        peak = "" if alarm.peak_c is None else f", peak {alarm.peak_c:+.1f} °C"
        cause = f"{_rule_text(alarm.rule)}{peak}, fired {_hm(alarm.raised_at)}"
    exposure = ""
    if lots:
        exposure = f"; {len(lots)} lot(s), {sum(lot.doses for lot in lots)} doses exposed"
    text = f"{what}: {cause}{exposure}"
    if kind is NoticeKind.RENOTIFIED:
        return f"Not acknowledged yet: {text}"
    if kind is NoticeKind.ESCALATED:
        return f"Escalated to level {level} (not acknowledged): {text}"
    if kind is NoticeKind.CLEARED:
        when = _hm(alarm.cleared_at) if alarm.cleared_at else "now"
        return f"Cleared at {when}: {text}"
    if kind is NoticeKind.ACKNOWLEDGED:
        return f"Acknowledged by {alarm.acknowledged_by} ({alarm.acknowledgement_comment}): {text}"
    return text


def _rule_text(rule: dict[str, Any] | None) -> str:
    if not rule:
        return "rule fired"
    sign = ">" if rule.get("comparison") == "above" else "≤"
    text = f"{sign} {float(rule['threshold_c']):+.1f} °C"
    if rule.get("shape") == "cumulative":
        hours = float(rule["window_minutes"]) / 60
        return f"{text} for more than {rule['minutes']:g} min within {hours:g} h"
    return f"{text} for {rule['minutes']:g} min"


def _hm(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
