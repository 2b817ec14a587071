"""Alarm rules as data (domain rule 3), and the default rule set of every profile.

A rule is a frozen value with a stable ``id`` and a ``severity``; its id goes into every
alarm key, so renaming a rule starts new alarms. Two shapes:

- ``ContinuousRule``: the condition held from the first reading that met it to the latest
  reading that meets it for at least ``minutes`` (e.g. WHO heat: > +8.0 °C for 600 min).
- ``CumulativeRule``: more than ``minutes`` of time meeting the condition within the sliding
  window of ``window_minutes`` ending at the latest reading (e.g. > 60 min above +8.0 °C
  within 72 h).

A condition is either strictly ``ABOVE`` a threshold or ``AT_OR_BELOW`` it: WHO heat counts
from +8.1, not at +8.0; WHO freeze counts at −0.5, not at −0.4.
The defaults for ``freezer`` and ``ultracold`` are *(decision)* values: configurable per unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ingest.detect.errors import InvalidDetectionConfig, UnknownProfile

NS_PER_MINUTE = 60_000_000_000
# Key kinds that are not rules; a rule id must not take them (keys would collide).
EXCURSION = "excursion"
FREEZE_EXPOSURE = "freeze-exposure"


class Severity(StrEnum):
    WARNING = "warning"
    ALARM = "alarm"


class Comparison(StrEnum):
    ABOVE = "above"  # temperature > threshold
    AT_OR_BELOW = "at_or_below"  # temperature <= threshold


@dataclass(frozen=True, slots=True)
class ContinuousRule:
    id: str
    severity: Severity
    comparison: Comparison
    threshold_c: float
    minutes: float

    def __post_init__(self) -> None:
        _check_id(self.id)
        if self.minutes <= 0:
            raise InvalidDetectionConfig(f"rule {self.id!r}: minutes must be positive")

    def meets(self, temperature_c: float) -> bool:
        return meets(self.comparison, self.threshold_c, temperature_c)


@dataclass(frozen=True, slots=True)
class CumulativeRule:
    id: str
    severity: Severity
    comparison: Comparison
    threshold_c: float
    minutes: float  # fires when strictly MORE than this many minutes are in the window
    window_minutes: float

    def __post_init__(self) -> None:
        _check_id(self.id)
        if self.minutes < 0 or self.window_minutes <= self.minutes:
            raise InvalidDetectionConfig(f"rule {self.id!r}: need 0 <= minutes < window_minutes")

    def meets(self, temperature_c: float) -> bool:
        return meets(self.comparison, self.threshold_c, temperature_c)


Rule = ContinuousRule | CumulativeRule


def meets(comparison: Comparison, threshold_c: float, temperature_c: float) -> bool:
    if comparison is Comparison.ABOVE:
        return temperature_c > threshold_c
    return temperature_c <= threshold_c


def minutes_to_ns(minutes: float) -> int:
    return round(minutes * NS_PER_MINUTE)


def _check_id(rule_id: str) -> None:
    if not rule_id or "/" in rule_id or rule_id in (EXCURSION, FREEZE_EXPOSURE):
        raise InvalidDetectionConfig(
            f"rule id {rule_id!r} must be non-empty, without '/', and not a reserved kind"
        )


WHO_HEAT = ContinuousRule("who-heat", Severity.ALARM, Comparison.ABOVE, 8.0, 600)
WHO_FREEZE = ContinuousRule("who-freeze", Severity.ALARM, Comparison.AT_OR_BELOW, -0.5, 60)
EARLY_HEAT = ContinuousRule("early-heat", Severity.WARNING, Comparison.ABOVE, 8.0, 30)
EARLY_COLD = ContinuousRule("early-cold", Severity.WARNING, Comparison.AT_OR_BELOW, 2.0, 20)
CUMULATIVE_HEAT = CumulativeRule(
    "cumulative-heat", Severity.WARNING, Comparison.ABOVE, 8.0, 60, 72 * 60
)

DEFAULT_RULES: dict[str, tuple[Rule, ...]] = {
    "2-8": (WHO_HEAT, WHO_FREEZE, EARLY_HEAT, EARLY_COLD, CUMULATIVE_HEAT),
    "freezer": (
        ContinuousRule("freezer-heat", Severity.ALARM, Comparison.ABOVE, -15.0, 60),
        ContinuousRule("freezer-early-heat", Severity.WARNING, Comparison.ABOVE, -15.0, 15),
        CumulativeRule(
            "freezer-cumulative-heat", Severity.WARNING, Comparison.ABOVE, -15.0, 60, 72 * 60
        ),
    ),
    "ultracold": (
        ContinuousRule("ultracold-heat", Severity.ALARM, Comparison.ABOVE, -60.0, 60),
        ContinuousRule("ultracold-early-heat", Severity.WARNING, Comparison.ABOVE, -60.0, 15),
    ),
}


def default_rules(profile_name: str) -> tuple[Rule, ...]:
    try:
        return DEFAULT_RULES[profile_name]
    except KeyError:
        raise UnknownProfile(profile_name) from None
