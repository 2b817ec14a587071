"""Pure translations between detection events, stored rows and port values.

Invariants: every time written is an aware UTC ``datetime`` (``to_utc`` of device time);
a rule is stored as the snapshot it was when it fired (``rule_to_dict``); an exposed lot
round-trips through JSON unchanged (``lots_to_json`` / ``lots_from_json``); what must be
quarantined is decided here and only here (``alarm_scope``, ``episode_scope``, ``in_scope``,
domain rule 16): all exposed stock for an alarm-severity rule, freeze-sensitive stock for a
freeze exposure (≤ 0 °C in a 2-8 unit), nothing for a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from ingest.alarms.ports import SENSOR_OFFLINE, ExposedLot
from ingest.detect import (
    AlarmRaised,
    CumulativeRule,
    Direction,
    Episode,
    ExcursionStarted,
    Rule,
    Severity,
    to_utc,
)

NO_QUARANTINE = "none"
FREEZE_SENSITIVE = "freeze_sensitive"
ALL_STOCK = "all"
_SCOPE_ORDER = (NO_QUARANTINE, FREEZE_SENSITIVE, ALL_STOCK)

RAISED = "raised"
CLEARED = "cleared"


def rule_to_dict(rule: Rule) -> dict[str, object]:
    shape = "cumulative" if isinstance(rule, CumulativeRule) else "continuous"
    out: dict[str, object] = {
        "id": rule.id,
        "shape": shape,
        "severity": rule.severity.value,
        "comparison": rule.comparison.value,
        "threshold_c": rule.threshold_c,
        "minutes": rule.minutes,
    }
    if isinstance(rule, CumulativeRule):
        out["window_minutes"] = rule.window_minutes
    return out


def longest_window_minutes(rules: Iterable[Rule]) -> float:
    """How far back a rule can look: its duration, or its window for cumulative rules."""
    return max(
        (r.window_minutes if isinstance(r, CumulativeRule) else r.minutes for r in rules),
        default=0.0,
    )


# --- quarantine scope (domain rule 16) ---


def wider(a: str, b: str) -> str:
    return a if _SCOPE_ORDER.index(a) >= _SCOPE_ORDER.index(b) else b


def alarm_scope(severity: str) -> str:
    """An alarm-severity rule quarantines everything exposed; a warning nothing."""
    return ALL_STOCK if severity == Severity.ALARM.value else NO_QUARANTINE


def episode_scope(alarm_severities: Iterable[str], freeze_exposed: bool) -> str:
    scope = FREEZE_SENSITIVE if freeze_exposed else NO_QUARANTINE
    for severity in alarm_severities:
        scope = wider(scope, alarm_scope(severity))
    return scope


def in_scope(lots: Sequence[ExposedLot], scope: str) -> list[ExposedLot]:
    if scope == ALL_STOCK:
        return list(lots)
    if scope == FREEZE_SENSITIVE:
        return [lot for lot in lots if lot.freeze_sensitive]
    return []


# --- exposed lots as JSON ---


def lots_to_json(lots: Sequence[ExposedLot]) -> list[dict[str, object]]:
    return [
        {
            "lot_id": lot.lot_id,
            "product": lot.product,
            "lot_number": lot.lot_number,
            "expiry": lot.expiry.isoformat(),
            "doses": lot.doses,
            "freeze_sensitive": lot.freeze_sensitive,
            "present_from": lot.present_from.isoformat(),
            "present_to": lot.present_to.isoformat(),
        }
        for lot in lots
    ]


def lots_from_json(data: Sequence[dict[str, Any]] | None) -> tuple[ExposedLot, ...]:
    if not data:
        return ()
    return tuple(
        ExposedLot(
            lot_id=int(item["lot_id"]),
            product=str(item["product"]),
            lot_number=str(item["lot_number"]),
            expiry=date.fromisoformat(item["expiry"]),
            doses=int(item["doses"]),
            freeze_sensitive=bool(item["freeze_sensitive"]),
            present_from=datetime.fromisoformat(item["present_from"]),
            present_to=datetime.fromisoformat(item["present_to"]),
        )
        for item in data
    )


# --- row values from events ---


def started_episode_values(
    event: ExcursionStarted, rules: Sequence[Rule], now: datetime
) -> dict[str, object]:
    return {
        "key": event.key,
        "facility_code": event.facility,
        "unit_code": event.unit,
        "profile": event.profile,
        "direction": event.direction.value,
        "start_at": to_utc(event.start_ns),
        "rules": [rule_to_dict(r) for r in rules],
        "quarantine_scope": NO_QUARANTINE,
        "recorded_at": now,
    }


def closed_episode_values(episode: Episode) -> dict[str, object]:
    """The columns an episode gets when it closes (``end_at`` set once)."""
    assert episode.end_ns is not None
    return {
        "end_at": to_utc(episode.end_ns),
        "duration_minutes": episode.duration_minutes,
        "min_c": episode.min_c,
        "min_at": to_utc(episode.min_at_ns),
        "max_c": episode.max_c,
        "max_at": to_utc(episode.max_at_ns),
        "mean_c": episode.mean_c,
        "mkt_c": episode.mkt_c,
        "minutes_above": episode.minutes_above,
        "minutes_below": episode.minutes_below,
        "unknown_minutes": episode.unknown_minutes,
        "reading_count": episode.reading_count,
        "late_reading_count": episode.late_reading_count,
        "rules": [rule_to_dict(r) for r in episode.rules],
    }


def full_episode_values(episode: Episode, now: datetime) -> dict[str, object]:
    """An episode that closed before its start was ever stored (e.g. a failed batch)."""
    hot = episode.minutes_above >= episode.minutes_below
    start = ExcursionStarted(
        episode.key,
        episode.facility,
        episode.unit,
        episode.profile,
        episode.start_ns,
        episode.max_c if hot else episode.min_c,
        Direction.ABOVE if hot else Direction.BELOW,
    )
    return {**started_episode_values(start, episode.rules, now), **closed_episode_values(episode)}


def new_alarm_values(
    *,
    key: str,
    alarm_type: str,
    severity: str,
    facility: str,
    started_at: datetime,
    raised_at: datetime,
    now: datetime,
    unit: str | None = None,
    sensor: str | None = None,
    episode_key: str | None = None,
    peak_c: float | None = None,
    unknown_minutes: float | None = None,
    rule: dict[str, object] | None = None,
    quarantine_scope: str = NO_QUARANTINE,
) -> dict[str, object]:
    """The columns of an alarm row as it is raised: open, recorded ``now``, not escalated,
    and first notified ``now`` (the RAISED notice goes out right after the commit)."""
    return {
        "key": key,
        "type": alarm_type,
        "severity": severity,
        "facility_code": facility,
        "unit_code": unit,
        "sensor_id": sensor,
        "episode_key": episode_key,
        "state": RAISED,
        "started_at": started_at,
        "raised_at": raised_at,
        "recorded_at": now,
        "peak_c": peak_c,
        "unknown_minutes": unknown_minutes,
        "rule": rule,
        "last_notified_at": now,
        "escalation_level": 0,
        "quarantine_scope": quarantine_scope,
    }


def raised_alarm_values(event: AlarmRaised, now: datetime) -> dict[str, object]:
    severity = event.severity.value
    return new_alarm_values(
        key=event.key,
        alarm_type=event.rule.id,
        severity=severity,
        facility=event.facility,
        started_at=to_utc(event.start_ns),
        raised_at=to_utc(event.fired_at_ns),
        now=now,
        unit=event.unit,
        episode_key=event.episode_key,
        peak_c=event.peak_c,
        unknown_minutes=event.unknown_minutes,
        rule=rule_to_dict(event.rule),
        quarantine_scope=alarm_scope(severity),
    )


OFFLINE_SEVERITY = Severity.WARNING.value  # (decision) no temperature evidence: no quarantine


def offline_key(facility: str, unit: str, sensor: str, last_seen_ns: int) -> str:
    return f"{facility}/{unit}/{SENSOR_OFFLINE}/{sensor}/{last_seen_ns}"


def offline_alarm_values(
    facility: str, unit: str, sensor: str, last_seen_ns: int, offline_at: datetime, now: datetime
) -> dict[str, object]:
    return new_alarm_values(
        key=offline_key(facility, unit, sensor, last_seen_ns),
        alarm_type=SENSOR_OFFLINE,
        severity=OFFLINE_SEVERITY,
        facility=facility,
        started_at=to_utc(last_seen_ns),
        raised_at=offline_at,
        now=now,
        unit=unit,
        sensor=sensor,
    )
