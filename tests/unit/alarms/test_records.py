"""What is quarantined (domain rule 16), rule snapshots and exposed lots as JSON (pure)."""

from __future__ import annotations

from ingest.alarms.records import (
    ALL_STOCK,
    FREEZE_SENSITIVE,
    NO_QUARANTINE,
    alarm_scope,
    episode_scope,
    in_scope,
    longest_window_minutes,
    lots_from_json,
    lots_to_json,
    offline_alarm_values,
    raised_alarm_values,
    rule_to_dict,
)
from ingest.detect import AlarmRaised, default_rules
from ingest.detect.rules import CUMULATIVE_HEAT, EARLY_HEAT, WHO_HEAT
from tests.unit.alarms.fakes import T0, make_lot

FS = make_lot(1, 100, freeze_sensitive=True)
PLAIN = make_lot(2, 40)


def test_an_alarm_severity_rule_quarantines_everything_a_warning_nothing() -> None:
    assert alarm_scope("alarm") == ALL_STOCK
    assert alarm_scope("warning") == NO_QUARANTINE
    assert in_scope([FS, PLAIN], ALL_STOCK) == [FS, PLAIN]
    assert in_scope([FS, PLAIN], NO_QUARANTINE) == []


def test_a_freeze_exposure_quarantines_only_freeze_sensitive_products() -> None:
    assert episode_scope([], freeze_exposed=True) == FREEZE_SENSITIVE
    assert in_scope([FS, PLAIN], FREEZE_SENSITIVE) == [FS]


def test_an_episode_takes_the_widest_scope_of_its_alarms() -> None:
    assert episode_scope(["warning"], freeze_exposed=False) == NO_QUARANTINE
    assert episode_scope(["warning", "alarm"], freeze_exposed=True) == ALL_STOCK
    assert episode_scope(["warning"], freeze_exposed=True) == FREEZE_SENSITIVE


def test_exposed_lots_round_trip_through_json() -> None:
    assert lots_from_json(lots_to_json([FS, PLAIN])) == (FS, PLAIN)
    assert lots_from_json(None) == () and lots_from_json([]) == ()


def test_rules_are_snapshotted_with_their_shape_and_window() -> None:
    assert rule_to_dict(WHO_HEAT) == {
        "id": "who-heat",
        "shape": "continuous",
        "severity": "alarm",
        "comparison": "above",
        "threshold_c": 8.0,
        "minutes": 600,
    }
    assert rule_to_dict(CUMULATIVE_HEAT)["window_minutes"] == 72 * 60
    assert longest_window_minutes(default_rules("2-8")) == 72 * 60
    assert longest_window_minutes([EARLY_HEAT]) == 30


def test_a_raised_alarm_row_is_first_notified_when_recorded() -> None:
    event = AlarmRaised("c/u/who-heat/1", "c", "u", WHO_HEAT, 1, 2, 12.5, 0.0, None)
    values = raised_alarm_values(event, T0)
    assert values["state"] == "raised" and values["severity"] == "alarm"
    assert values["last_notified_at"] == T0 and values["escalation_level"] == 0
    assert values["quarantine_scope"] == ALL_STOCK


def test_an_offline_alarm_is_keyed_by_sensor_and_last_seen_and_quarantines_nothing() -> None:
    values = offline_alarm_values("c", "u", "s-1", 123, T0, T0)
    assert values["key"] == "c/u/SENSOR_OFFLINE/s-1/123"
    assert values["quarantine_scope"] == NO_QUARANTINE and values["severity"] == "warning"
