"""Small builders for detection tests: readings on a minute clock, rule sets, feeding.

Minute 0 is 2024-01-01T00:00Z on the device clock; ``at(m)`` is nanoseconds since the epoch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from ingest.detect import (
    AlarmCleared,
    AlarmRaised,
    Comparison,
    ContinuousRule,
    CumulativeRule,
    Detector,
    Event,
    Severity,
    UnitConfig,
)
from ingest.readings import Reading

E = TypeVar("E")

MIN = 60_000_000_000
T0 = 1_704_067_200 * 1_000_000_000  # 2024-01-01T00:00:00Z


def at(minute: float) -> int:
    return T0 + round(minute * MIN)


def reading(minute: float, temp: float, *, sensor: str = "s1", unit: str = "fridge-1") -> Reading:
    t = at(minute)
    return Reading("clinic-1", unit, sensor, t, temp, received_at_ns=t)


def reading_at(t_ns: int, temp: float, *, sensor: str = "s1") -> Reading:
    """A reading at an absolute device time (for days and time zones)."""
    return Reading("clinic-1", "fridge-1", sensor, t_ns, temp, received_at_ns=t_ns)


def every(step: float, temps: Sequence[float], *, start: float = 0) -> list[Reading]:
    """One reading every ``step`` minutes from ``start``, with these temperatures."""
    return [reading(start + i * step, temp) for i, temp in enumerate(temps)]


def steady(temp: float, start: float, end: float, step: float = 10) -> list[Reading]:
    """Readings at ``temp`` every ``step`` minutes from ``start`` to ``end`` inclusive."""
    count = round((end - start) / step) + 1
    return every(step, [temp] * count, start=start)


def above(rule_id: str, threshold: float, minutes: float) -> ContinuousRule:
    return ContinuousRule(rule_id, Severity.ALARM, Comparison.ABOVE, threshold, minutes)


def at_or_below(rule_id: str, threshold: float, minutes: float) -> ContinuousRule:
    return ContinuousRule(rule_id, Severity.ALARM, Comparison.AT_OR_BELOW, threshold, minutes)


def more_than_above(
    rule_id: str, threshold: float, minutes: float, window_minutes: float
) -> CumulativeRule:
    return CumulativeRule(
        rule_id, Severity.WARNING, Comparison.ABOVE, threshold, minutes, window_minutes
    )


def fridge(*rules: ContinuousRule | CumulativeRule, interval_s: float = 600) -> UnitConfig:
    """A 2-8 unit with only these rules (all defaults when none are given)."""
    if not rules:
        return UnitConfig.for_profile("2-8", reporting_interval_s=interval_s)
    return UnitConfig.for_profile("2-8", rules=tuple(rules), reporting_interval_s=interval_s)


def detector(config: UnitConfig | None = None) -> Detector:
    cfg = config or fridge()
    return Detector(lambda facility, unit: cfg)


def feed(
    readings: Iterable[Reading], config: UnitConfig | None = None
) -> tuple[Detector, list[Event]]:
    """A new detector fed the readings one at a time, in the order given."""
    det = detector(config)
    return det, feed_into(det, readings)


def feed_into(det: Detector, readings: Iterable[Reading]) -> list[Event]:
    events: list[Event] = []
    for r in readings:
        events.extend(det.observe([r]))
    return events


def raised(events: Iterable[Event], rule_id: str | None = None) -> list[AlarmRaised]:
    return [
        e
        for e in events
        if isinstance(e, AlarmRaised) and (rule_id is None or e.rule.id == rule_id)
    ]


def cleared(events: Iterable[Event], rule_id: str | None = None) -> list[AlarmCleared]:
    return [
        e
        for e in events
        if isinstance(e, AlarmCleared) and (rule_id is None or e.rule_id == rule_id)
    ]


def of_type(events: Iterable[Event], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]
