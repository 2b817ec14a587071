"""SENSOR_OFFLINE: raised once per silence (key: sensor + last seen), cleared when readings
return or the sensor is unbound; the job is idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from ingest.alarms.ports import SENSOR_OFFLINE, NoticeKind
from ingest.alarms.services import OfflineReport, check_offline_sensors
from ingest.registry import bind_sensor, register_sensor, unbind_sensor
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import FACILITY, SENSOR, T0, UNIT, at, reading

TICK = timedelta(microseconds=1)


def bind(engine: Engine, sensor: str = SENSOR) -> None:
    register_sensor(engine, sensor, reporting_interval_s=600, now=T0 - timedelta(days=1))
    bind_sensor(engine, sensor, facility=FACILITY, unit=UNIT, valid_from=T0 - timedelta(days=1))


def check(world: AlarmWorld, moment: object) -> OfflineReport:
    return check_offline_sensors(world.uow, world.notifier, moment, factor=3)  # type: ignore[arg-type]


def test_a_silent_sensor_is_raised_once_and_cleared_when_readings_return(
    world: AlarmWorld,
) -> None:
    bind(world.engine)
    recorder = world.recorder(last_seen_every_s=0)
    world.pipeline(recorder, [reading(0, 5.0)])

    assert check(world, at(30)).raised == 0  # exactly 3 × 10 min: not yet
    assert check(world, at(30) + TICK).raised == 1
    assert check(world, at(45)) == OfflineReport(raised=0, cleared=0, offline=1)
    [alarm] = world.queries.alarms(alarm_type=SENSOR_OFFLINE)
    assert (alarm.sensor, alarm.unit, alarm.state) == (SENSOR, UNIT, "raised")
    assert (alarm.started_at, alarm.raised_at) == (at(0), at(30))
    assert alarm.quarantine_scope == "none"

    world.pipeline(recorder, [reading(50, 5.0)])
    assert check(world, at(51)) == OfflineReport(raised=0, cleared=1, offline=0)
    [alarm] = world.queries.alarms(alarm_type=SENSOR_OFFLINE)
    assert (alarm.state, alarm.cleared_at) == ("cleared", at(50))
    assert [n.kind for n in world.notifier.notices if n.rule_id == SENSOR_OFFLINE] == [
        NoticeKind.RAISED,
        NoticeKind.CLEARED,
    ]

    assert check(world, at(81) + TICK).raised == 1  # silent again: a new alarm
    assert len(world.queries.alarms(alarm_type=SENSOR_OFFLINE, state="raised")) == 1


def test_a_sensor_never_heard_counts_from_its_binding(world: AlarmWorld) -> None:
    register_sensor(world.engine, "s-9", reporting_interval_s=300, now=T0)
    bind_sensor(world.engine, "s-9", facility=FACILITY, unit="freezer-1", valid_from=T0)
    assert check(world, at(15)).raised == 0
    assert check(world, at(15) + TICK).raised == 1
    [alarm] = world.queries.alarms()
    assert (alarm.sensor, alarm.unit, alarm.started_at) == ("s-9", "freezer-1", T0)


def test_unbinding_a_silent_sensor_clears_its_alarm(world: AlarmWorld) -> None:
    bind(world.engine)
    world.pipeline(world.recorder(last_seen_every_s=0), [reading(0, 5.0)])
    assert check(world, at(40)).raised == 1
    unbind_sensor(world.engine, SENSOR, at=at(41))
    assert check(world, at(42)) == OfflineReport(raised=0, cleared=1, offline=0)
    [alarm] = world.queries.alarms()
    assert (alarm.state, alarm.cleared_at) == ("cleared", at(42))
