"""Profiles and rule sets: ranges inclusive of their bounds, defaults per profile, overrides."""

from __future__ import annotations

import pytest

from ingest.detect import (
    DEFAULT_RULES,
    FREEZER,
    FRIDGE,
    ULTRACOLD,
    Comparison,
    ContinuousRule,
    CumulativeRule,
    Severity,
    UnitConfig,
    get_profile,
)
from ingest.detect.errors import InvalidDetectionConfig, UnknownProfile
from tests.unit.detect.builders import above


@pytest.mark.parametrize(
    ("profile", "inside", "outside"),
    [
        (FRIDGE, [2.0, 5.0, 8.0], [1.99, 8.01, -0.5]),
        (FREEZER, [-25.0, -20.0, -15.0], [-25.01, -14.99, 5.0]),
        (ULTRACOLD, [-90.0, -75.0, -60.0], [-90.01, -59.99, -20.0]),
    ],
)
def test_a_profile_range_includes_both_of_its_bounds(
    profile: object, inside: list[float], outside: list[float]
) -> None:
    assert isinstance(profile, type(FRIDGE))
    assert all(profile.in_range(t) for t in inside)
    assert not any(profile.in_range(t) for t in outside)


def test_the_fridge_defaults_are_the_who_alarms_early_warnings_and_a_cumulative_rule() -> None:
    rules = {rule.id: rule for rule in DEFAULT_RULES["2-8"]}
    heat, freeze = rules["who-heat"], rules["who-freeze"]
    assert (heat.comparison, heat.threshold_c, heat.minutes) == (Comparison.ABOVE, 8.0, 600)
    assert (freeze.comparison, freeze.threshold_c, freeze.minutes) == (
        Comparison.AT_OR_BELOW,
        -0.5,
        60,
    )
    assert heat.severity is freeze.severity is Severity.ALARM
    assert rules["early-heat"].severity is Severity.WARNING
    cumulative = rules["cumulative-heat"]
    assert isinstance(cumulative, CumulativeRule)
    assert (cumulative.minutes, cumulative.window_minutes) == (60, 72 * 60)


def test_freezer_and_ultracold_defaults_watch_the_top_of_their_range() -> None:
    assert {r.threshold_c for r in DEFAULT_RULES["freezer"]} == {-15.0}
    assert {r.threshold_c for r in DEFAULT_RULES["ultracold"]} == {-60.0}
    assert all(r.comparison is Comparison.ABOVE for r in DEFAULT_RULES["ultracold"])


def test_a_unit_can_override_its_profile_defaults_and_reporting_interval() -> None:
    own = (above("door-left-open", -15.0, 5),)
    config = UnitConfig.for_profile("freezer", rules=own, reporting_interval_s=120)
    assert config.profile is FREEZER
    assert config.rules == own
    assert config.gap_ns == 3 * 120 * 1_000_000_000
    assert UnitConfig.for_profile("freezer").rules == DEFAULT_RULES["freezer"]


def test_a_unit_can_tighten_one_default_rule_and_add_its_own() -> None:
    defaults = UnitConfig.for_profile("2-8")
    config = defaults.with_rules(above("early-heat", 8.0, 15), above("door-alarm", 12.0, 5))
    ids = [rule.id for rule in config.rules]
    assert ids == [rule.id for rule in defaults.rules] + ["door-alarm"]
    assert config.rules[ids.index("early-heat")].minutes == 15
    assert config.rules[ids.index("who-heat")] == defaults.rules[ids.index("who-heat")]


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(UnknownProfile):
        get_profile("room-temperature")
    with pytest.raises(UnknownProfile):
        UnitConfig.for_profile("room-temperature")


def test_rule_ids_must_be_unique_within_a_unit() -> None:
    with pytest.raises(InvalidDetectionConfig, match="who-heat"):
        UnitConfig.for_profile(
            "2-8", rules=(above("who-heat", 8.0, 600), above("who-heat", 8.0, 30))
        )


@pytest.mark.parametrize("bad_id", ["", "a/b", "excursion", "freeze-exposure"])
def test_a_rule_id_that_would_make_keys_ambiguous_is_refused(bad_id: str) -> None:
    with pytest.raises(InvalidDetectionConfig):
        above(bad_id, 8.0, 10)


def test_rules_that_could_never_work_are_refused() -> None:
    with pytest.raises(InvalidDetectionConfig):
        ContinuousRule("zero", Severity.ALARM, Comparison.ABOVE, 8.0, 0)
    with pytest.raises(InvalidDetectionConfig):
        CumulativeRule("window-too-short", Severity.ALARM, Comparison.ABOVE, 8.0, 60, 60)
    with pytest.raises(InvalidDetectionConfig):
        UnitConfig.for_profile("2-8", reporting_interval_s=0)


def test_above_is_strict_and_at_or_below_includes_its_threshold() -> None:
    heat = above("h", 8.0, 10)
    freeze = ContinuousRule("f", Severity.ALARM, Comparison.AT_OR_BELOW, -0.5, 60)
    assert not heat.meets(8.0) and heat.meets(8.01)
    assert freeze.meets(-0.5) and not freeze.meets(-0.4)
