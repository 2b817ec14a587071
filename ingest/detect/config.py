"""The detection configuration of one storage unit: profile, rules, reporting interval.

Invariants (checked when built, so a bad unit fails at start-up): rule ids are unique within
a unit; the reporting interval and the gap factor are positive. ``cover_ns`` is how long a
reading vouches for its temperature: its own reporting interval, no more; the rest of a
silence is unknown time. ``gap_ns`` (``gap_factor × reporting_interval_s``, domain rule 4:
3 × the interval, *(decision)*) is the silence after which the sensor counts as offline; the
replays reach back by it so that the reading before a window is found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ingest.detect.errors import InvalidDetectionConfig
from ingest.detect.profiles import Profile, get_profile
from ingest.detect.rules import Rule, default_rules

DEFAULT_REPORTING_INTERVAL_S = 600
DEFAULT_GAP_FACTOR = 3.0
DEFAULT_DELTA_H_OVER_R_K = 10_000.0  # USP <1079>: ΔH = 83.144 kJ/mol


@dataclass(frozen=True, slots=True)
class UnitConfig:
    """Build with ``UnitConfig.for_profile(name)``: the profile's default rules unless the
    unit overrides them. Profile and rules are both required here so that a freezer can
    never end up with the fridge's rules by accident."""

    profile: Profile
    rules: tuple[Rule, ...]
    reporting_interval_s: float = DEFAULT_REPORTING_INTERVAL_S
    gap_factor: float = DEFAULT_GAP_FACTOR
    delta_h_over_r_k: float = DEFAULT_DELTA_H_OVER_R_K

    def __post_init__(self) -> None:
        ids = [rule.id for rule in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise InvalidDetectionConfig(f"duplicate rule ids: {', '.join(duplicates)}")
        if self.reporting_interval_s <= 0 or self.gap_factor <= 0:
            raise InvalidDetectionConfig("reporting interval and gap factor must be positive")
        if self.delta_h_over_r_k <= 0:
            raise InvalidDetectionConfig("ΔH/R must be positive")

    @property
    def cover_ns(self) -> int:
        return round(self.reporting_interval_s * 1_000_000_000)

    @property
    def gap_ns(self) -> int:
        return round(self.gap_factor * self.reporting_interval_s * 1_000_000_000)

    def with_rules(self, *rules: Rule) -> UnitConfig:
        """This configuration with ``rules`` replacing the rules of the same id (in place)
        and the others appended: how a unit tightens or adds to its profile's defaults."""
        given = {rule.id: rule for rule in rules}
        kept = tuple(given.pop(rule.id, rule) for rule in self.rules)
        return replace(self, rules=kept + tuple(given.values()))

    @classmethod
    def for_profile(
        cls,
        name: str,
        *,
        rules: tuple[Rule, ...] | None = None,
        reporting_interval_s: float = DEFAULT_REPORTING_INTERVAL_S,
        gap_factor: float = DEFAULT_GAP_FACTOR,
        delta_h_over_r_k: float = DEFAULT_DELTA_H_OVER_R_K,
    ) -> UnitConfig:
        """The profile's default rules unless ``rules`` overrides them for this unit."""
        return cls(
            profile=get_profile(name),
            rules=default_rules(name) if rules is None else rules,
            reporting_interval_s=reporting_interval_s,
            gap_factor=gap_factor,
            delta_h_over_r_k=delta_h_over_r_k,
        )


FRIDGE_DEFAULTS = UnitConfig.for_profile("2-8")
