"""The read side: alarm lists by state / facility codes / type, episode detail with exposed
lots, the unit status board and the daily (Fridge-tag) summaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ingest.alarms.errors import EpisodeNotFound, InvalidQuery, UnknownUnit
from ingest.alarms.ports import SENSOR_OFFLINE, UnitInfo
from ingest.alarms.services import check_offline_sensors
from ingest.detect import UnitConfig, summarise_day, to_utc
from ingest.registry import bind_sensor, register_sensor
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import FACILITY, T0, UNIT, at, make_lot, reading, series

HEAT = series([5.0] * 6 + [12.0] * 61 + [5.0] * 3)
LOT = make_lot(7, 250)


def other_unit(world: AlarmWorld, unit: str, facility: str, temps: list[float]) -> None:
    world.units.units[unit] = UnitInfo(facility, "2-8", "UTC")
    readings = [
        reading(i * 10, t, unit=unit, facility=facility, sensor=unit) for i, t in enumerate(temps)
    ]
    world.pipeline(world.recorder(), readings)


def test_alarms_are_filtered_by_state_facility_codes_and_type(world: AlarmWorld) -> None:
    world.pipeline(world.recorder(), HEAT)
    other_unit(world, "fridge-9", "clinic-9", [5.0] * 3 + [12.0] * 5)

    everything = world.queries.alarms()
    assert len(everything) == 4
    assert [a.raised_at for a in everything] == sorted(
        (a.raised_at for a in everything), reverse=True
    )
    raised = world.queries.alarms(state="raised")
    assert sorted((a.unit, a.type) for a in raised) == [
        ("fridge-1", "cumulative-heat"),
        ("fridge-9", "early-heat"),
    ]
    mine = world.queries.alarms(facility_codes=[FACILITY])
    assert {a.facility for a in mine} == {FACILITY} and len(mine) == 3
    assert world.queries.alarms(facility_codes=[]) == []
    assert [a.unit for a in world.queries.alarms(alarm_type="early-heat")] == [UNIT, "fridge-9"]
    assert len(world.queries.alarms(limit=1, offset=1)) == 1
    with pytest.raises(InvalidQuery):
        world.queries.alarms(limit=0)


def test_episode_detail_has_its_exposed_lots_and_its_alarms(world: AlarmWorld) -> None:
    world.ledger.lots[UNIT] = [LOT]
    world.pipeline(world.recorder(), HEAT)

    [episode] = world.queries.episodes(facility_codes=[FACILITY])
    detail = world.queries.episode(episode.id)
    assert detail.episode.exposed_lots == (LOT,) and detail.episode.exposed_doses == 250
    assert sorted(a.type for a in detail.alarms) == ["cumulative-heat", "early-heat", "who-heat"]
    assert world.queries.episode_by_key(episode.key).episode.id == episode.id
    with pytest.raises(EpisodeNotFound):
        world.queries.episode(episode.id + 100)


def test_episodes_overlapping_a_stay_are_found_for_the_lot_trace(world: AlarmWorld) -> None:
    world.pipeline(world.recorder(), HEAT)
    assert len(world.queries.episodes_overlapping(UNIT, at(0), at(61))) == 1
    assert len(world.queries.episodes_overlapping(UNIT, at(669), at(700))) == 1
    assert world.queries.episodes_overlapping(UNIT, at(0), at(60)) == []  # [start, end)
    assert world.queries.episodes_overlapping(UNIT, at(670), at(900)) == []
    assert world.queries.episodes_overlapping("fridge-2", at(0), at(900)) == []


def test_the_status_board_says_ok_excursion_alarm_or_offline(world: AlarmWorld) -> None:
    world.pipeline(world.recorder(), HEAT[:20])  # hot for 2 h 10 min: warnings raised
    other_unit(world, "fridge-ok", FACILITY, [5.0, 5.0])
    other_unit(world, "fridge-warm", FACILITY, [5.0, 9.0])  # excursion, no rule yet
    register_sensor(world.engine, "s-off", reporting_interval_s=600, now=T0)
    bind_sensor(world.engine, "s-off", facility=FACILITY, unit="fridge-off", valid_from=T0)
    check_offline_sensors(world.uow, world.notifier, at(31))

    codes = [UNIT, "fridge-ok", "fridge-warm", "fridge-off", "fridge-none"]
    board = {s.unit: s for s in world.queries.unit_status(codes)}
    assert [s.unit for s in world.queries.unit_status(codes)] == codes
    assert {code: s.state for code, s in board.items()} == {
        UNIT: "alarm",
        "fridge-ok": "ok",
        "fridge-warm": "excursion",
        "fridge-off": "offline",
        "fridge-none": "ok",
    }
    hot = board[UNIT]
    assert hot.latest is not None and hot.latest.temperature_c == 12.0
    assert hot.open_episode is not None and hot.open_episode.start_at == at(60)
    assert sorted(a.type for a in hot.open_alarms) == ["cumulative-heat", "early-heat"]
    assert [a.type for a in board["fridge-off"].open_alarms] == [SENSOR_OFFLINE]
    assert board["fridge-none"].latest is None and board["fridge-none"].facility is None


def test_daily_summaries_follow_the_local_day_with_alarm_flags(world: AlarmWorld) -> None:
    world.pipeline(world.recorder(), HEAT)
    world.clock.now = T0 + timedelta(days=2)
    day = date(2024, 3, 1)  # Africa/Nairobi, UTC+3: from 2024-02-29T21:00Z

    [summary] = world.queries.daily_summaries(UNIT, day, day)
    reference = summarise_day(HEAT, day, "Africa/Nairobi", config=UnitConfig.for_profile("2-8"))
    assert summary.complete and summary.start == to_utc(reference.start_ns)
    assert (summary.min_c, summary.max_c, summary.max_at) == (5.0, 12.0, at(60))
    assert summary.minutes_above == reference.minutes_above > 600
    assert summary.unknown_minutes == reference.unknown_minutes
    assert summary.alarms == ("cumulative-heat", "early-heat", "who-heat")
    [next_day] = world.queries.daily_summaries(
        UNIT, day + timedelta(days=1), day + timedelta(days=1)
    )
    assert next_day.reading_count == 0 and next_day.alarms == ()


def test_daily_summaries_stop_at_now_and_refuse_bad_ranges(world: AlarmWorld) -> None:
    world.pipeline(world.recorder(), HEAT[:10])
    world.clock.now = at(100)  # 04:40 local on 2024-03-01
    days = world.queries.daily_summaries(UNIT, date(2024, 3, 1), date(2024, 3, 5))
    assert [d.day for d in days] == [date(2024, 3, 1)]
    assert not days[0].complete and days[0].end == at(100)
    with pytest.raises(InvalidQuery):
        world.queries.daily_summaries(UNIT, date(2024, 3, 2), date(2024, 3, 1))
    with pytest.raises(UnknownUnit):
        world.queries.daily_summaries("fridge-unknown", date(2024, 3, 1), date(2024, 3, 1))
