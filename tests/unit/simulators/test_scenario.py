"""Scenario files: the shipped ones load and do what they say; a bad file is refused with a
message naming what is wrong; the same file gives the same messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from simulators import events as ev
from simulators.scenario import SCENARIOS_DIR, ScenarioError, duration, load, parse

HOUR = 3600.0
ORIGIN = datetime(2026, 11, 1, tzinfo=UTC).timestamp()


def minimal(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "scenario": {"seed": 1, "duration": "2h"},
        "facilities": [{"code": "F1", "level": "clinic"}],
        "units": [{"code": "U1", "facility": "F1", "preset": "domestic_fridge"}],
    }
    doc.update(extra)
    return doc


def temperatures(name: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for message in load(name).messages(ORIGIN):
        out.setdefault(message.unit, []).extend(r.t for r in message.readings)
    return out


def test_every_shipped_scenario_loads() -> None:
    names = sorted(p.stem for p in SCENARIOS_DIR.glob("*.toml"))
    assert names == ["county_week", "demo", "national"]
    for name in names:
        assert load(name).sensors


def test_the_demo_has_one_heat_failure_and_one_freeze_failure_and_healthy_units() -> None:
    temps = temperatures("demo")
    assert sum(1 for t in temps["CLN1-FR1"] if t > 8.0) * 5 > 10 * 60  # WHO heat: > 10 h
    assert sum(1 for t in temps["CLN2-FR1"] if t <= -0.5) * 5 > 60  # WHO freeze: > 1 h
    for unit in ("PROV-CR1", "CTY1-FR1", "CLN3-FR1"):
        assert all(2.0 <= t <= 8.0 for t in temps[unit]), unit
    assert all(t <= -15.0 for t in temps["PROV-FZ1"])


def test_the_demo_keeps_the_seeded_programme_codes() -> None:
    demo = load("demo")
    assert [f.code for f in demo.facilities] == ["PROV", "CTY1", "CLN1", "CLN2", "CLN3"]
    assert {(u.code, u.kind, u.profile) for u in demo.units} >= {
        ("PROV-FZ1", "freezer", "freezer"),
        ("CLN1-FR1", "fridge", "2-8"),
    }
    assert {s.sensor for s in demo.sensors} >= {"S-CLN1-FR1", "S-CLN2-FR1"}


def test_a_week_at_a_county_breaks_where_its_events_say() -> None:
    temps = temperatures("county_week")
    assert sum(1 for t in temps["TWN2-FR1"] if t > 8.0) * 10 > 10 * 60  # the 30 h power cut
    assert max(temps["TWN3-FR1"]) <= 8.0  # the 3 h cut stays within the hold-over
    assert max(temps["CTY-ILR1"]) <= 8.0  # the ice-lined refrigerator rides out 36 h
    assert sum(1 for t in temps["TWN6-FR1"] if t <= -0.5) * 10 > 60  # stuck thermostat
    assert sum(1 for t in temps["CTY-CB1"] if t <= -0.5) * 10 > 60  # unconditioned packs


def test_the_national_scenario_is_45_000_loggers_at_10_minutes_uploading_hourly() -> None:
    national = load("national")
    assert len(national.sensors) >= 45_000
    assert {(s.spec.interval_s, s.spec.upload_interval_s) for s in national.sensors} == {
        (600.0, 3600.0)
    }
    text = (SCENARIOS_DIR / "national.toml").read_text()
    assert len(text.splitlines()) < 100  # generated from a compact description
    first = national.sensors[-1].messages(ORIGIN, national.duration_s)
    assert all(m.batch for m in first)


def test_the_same_file_and_start_give_the_same_messages() -> None:
    first = list(load("demo").messages(ORIGIN))
    assert first == list(load("demo").messages(ORIGIN))
    publish_times = [m.publish_s for m in first]
    assert publish_times == sorted(publish_times)


def test_events_reach_their_unit_or_their_sensor() -> None:
    scenario = parse(
        minimal(
            events=[
                {"unit": "U1", "kind": "power_cut", "at": "30m", "for": "1h"},
                {"sensor": "S-U1", "kind": "uplink_down", "at": "1h", "for": "10m"},
            ]
        )
    )
    (sensor,) = scenario.sensors
    assert sensor.events == (
        ev.Event(ev.POWER_CUT, 1800.0, 5400.0),
        ev.Event(ev.UPLINK_DOWN, 3600.0, 4200.0),
    )


def test_units_and_sensors_take_their_own_settings_over_the_defaults() -> None:
    doc = minimal(sensor={"interval": "5m", "noise": 0.2})
    doc["units"][0] |= {"sensor": {"interval": "2m"}, "ambient": {"mean": 20.0}}
    (sensor,) = parse(doc).sensors
    assert sensor.spec.interval_s == 120.0 and sensor.spec.noise_c == 0.2
    assert sensor.ambient.mean_c == 20.0 and sensor.ambient.amplitude_c == 5.0


def test_durations_read_like_people_write_them() -> None:
    assert duration("1h30m", "x") == 5400.0
    assert duration("7d", "x") == 7 * 86400.0
    assert duration(90, "x") == 90.0
    with pytest.raises(ScenarioError, match="not a duration"):
        duration("ten minutes", "x")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"units": [{"code": "U1", "facility": "F1", "preset": "igloo"}]}, "unknown preset"),
        ({"units": [{"code": "U1", "facility": "F9", "preset": "freezer"}]}, "not in the tree"),
        ({"events": [{"unit": "U9", "kind": "power_cut", "for": "1h"}]}, "not in the scenario"),
        ({"events": [{"unit": "U1", "kind": "meteor"}]}, "unknown event"),
        ({"events": [{"unit": "U1", "kind": "power_cut"}]}, "events\\[0\\].for"),
        ({"shipments": [{"id": "SH1"}]}, "shipments\\[0\\].code is missing"),
        ({"fridges": []}, "unknown section 'fridges'"),
        ({"scenario": {"timezone": "Mars/Olympus"}}, "not a known time zone"),
        ({"sensor": {"interval": "0s"}}, "interval > 0"),
        ({"sensor": {"colour": "blue"}}, "unknown key 'colour'"),
    ],
)
def test_a_bad_scenario_is_refused_with_what_is_wrong(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse(minimal(**change))


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\n")
    with pytest.raises(ScenarioError, match=r"bad\.toml is not valid TOML"):
        load(bad)
    with pytest.raises(ScenarioError, match="cannot read scenario"):
        load(tmp_path / "missing.toml")
