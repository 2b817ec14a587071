"""The recorder stores detection events once, whatever is replayed, hands exposure and
quarantine to the ledger by the rules of domain rule 16, and tells the notifier."""

from __future__ import annotations

from sqlalchemy import select

from ingest.alarms.ports import NoticeKind, UnitInfo
from ingest.alarms.services import settle_exposures
from ingest.alarms.views import AlarmView, EpisodeView, alarm_view, episode_view
from ingest.detect import (
    Comparison,
    ContinuousRule,
    Detector,
    ExcursionEnded,
    Severity,
    UnitConfig,
    to_utc,
)
from ingest.models import AlarmRow, ExcursionEpisodeRow, SensorLastSeenRow
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import FACILITY, UNIT, at, make_lot, series

FS_LOT = make_lot(1, 100, freeze_sensitive=True, product="PENTA")
PLAIN_LOT = make_lot(2, 40)

# 5 °C for an hour, 12 °C from minute 60 to 660 (WHO heat fires at 660), back to 5 °C.
HEAT = series([5.0] * 6 + [12.0] * 61 + [5.0] * 3)
# A short dip to −1 °C: freeze exposure, no alarm-severity rule.
DIP = series([5.0] * 6 + [-1.0, -1.0] + [5.0] * 3)
# 40 minutes above +8: the early-heat warning only.
WARM = series([5.0] * 6 + [12.0] * 5 + [5.0] * 3)


def alarms_by_type(world: AlarmWorld) -> dict[str, AlarmView]:
    with world.uow as uow:
        return {a.type: alarm_view(a) for a in uow.session.scalars(select(AlarmRow))}


def episodes(world: AlarmWorld) -> list[EpisodeView]:
    with world.uow as uow:
        return [episode_view(e) for e in uow.session.scalars(select(ExcursionEpisodeRow))]


def test_a_stream_replayed_twice_gives_one_episode_and_one_alarm_per_rule(
    world: AlarmWorld,
) -> None:
    world.ledger.lots[UNIT] = [PLAIN_LOT]
    recorder = world.recorder()
    world.pipeline(recorder, HEAT)
    world.pipeline(recorder, HEAT)  # redelivered
    world.pipeline(recorder, HEAT, batch=7)  # redelivered, cut differently

    assert world.count(ExcursionEpisodeRow) == 1
    assert sorted(alarms_by_type(world)) == ["cumulative-heat", "early-heat", "who-heat"]
    raised = [n.key for n in world.notifier.of(NoticeKind.RAISED)]
    assert sorted(raised) == sorted(a.key for a in alarms_by_type(world).values())
    cleared = sorted(n.rule_id for n in world.notifier.of(NoticeKind.CLEARED))
    assert cleared == ["early-heat", "who-heat"]  # cumulative stays up for 72 h of window
    assert len(world.ledger.quarantines) == 2  # the WHO alarm, then the episode


def test_a_restarted_recorder_replaying_the_same_stream_adds_nothing(world: AlarmWorld) -> None:
    world.pipeline(world.recorder(), HEAT)
    before = (world.count(AlarmRow), world.count(ExcursionEpisodeRow), len(world.notifier.notices))
    quarantines = len(world.ledger.quarantines)

    world.pipeline(world.recorder(), HEAT)  # a new process; the broker redelivers everything

    after = (world.count(AlarmRow), world.count(ExcursionEpisodeRow), len(world.notifier.notices))
    assert after == before
    assert len(world.ledger.quarantines) == quarantines


def test_a_restart_mid_excursion_rebuilds_from_the_store_and_keeps_the_keys(
    world: AlarmWorld,
) -> None:
    world.pipeline(world.recorder(), HEAT[:30])  # stopped 4 h into the excursion
    world.pipeline(world.recorder(), HEAT[30:])  # restarted

    reference = Detector(lambda f, u: UnitConfig.for_profile("2-8")).observe(HEAT)
    [ended] = [e.episode for e in reference if isinstance(e, ExcursionEnded)]
    [row] = episodes(world)
    assert row.key == ended.key
    assert ended.end_ns is not None and row.end_at == to_utc(ended.end_ns)
    assert row.reading_count == ended.reading_count  # readings from before the restart count
    assert row.max_c == 12.0 and row.minutes_above == ended.minutes_above
    assert sorted(alarms_by_type(world)) == ["cumulative-heat", "early-heat", "who-heat"]
    assert alarms_by_type(world)["who-heat"].started_at == at(60)


def test_a_restart_in_an_excursion_longer_than_every_rule_window_keeps_its_keys(
    world: AlarmWorld,
) -> None:
    heat_30 = ContinuousRule("heat-30", Severity.ALARM, Comparison.ABOVE, 8.0, 30)
    world.units.units[UNIT] = UnitInfo(FACILITY, "2-8", "UTC", 600, (heat_30,))
    stream = series([5.0] * 6 + [12.0] * 40 + [5.0] * 2)  # 6.5 h hot; the window is 1 h
    world.pipeline(world.recorder(), stream[:35])
    world.pipeline(world.recorder(), stream[35:])

    [row] = episodes(world)
    assert row.start_at == at(60) and row.end_at == at(460)
    assert [a.key for a in alarms_by_type(world).values()] == [
        f"{FACILITY}/{UNIT}/heat-30/" + str(HEAT[6].device_time_ns)
    ]
    assert alarms_by_type(world)["heat-30"].state == "cleared"


def test_an_episode_is_stored_with_its_statistics_rules_and_exposed_lots(
    world: AlarmWorld,
) -> None:
    world.ledger.lots[UNIT] = [PLAIN_LOT, FS_LOT]
    world.pipeline(world.recorder(), HEAT)

    [row] = episodes(world)
    reference = Detector(lambda f, u: UnitConfig.for_profile("2-8")).observe(HEAT)
    [ended] = [e.episode for e in reference if isinstance(e, ExcursionEnded)]
    assert (row.start_at, row.end_at) == (at(60), at(670))
    assert row.duration_minutes == 610
    assert (row.min_c, row.max_c, row.mean_c) == (ended.min_c, ended.max_c, ended.mean_c)
    assert row.mkt_c == ended.mkt_c and row.minutes_above == ended.minutes_above
    assert {r["id"] for r in row.rules} == {
        "who-heat",
        "who-freeze",
        "early-heat",
        "early-cold",
        "cumulative-heat",
    }
    assert [lot.lot_id for lot in row.exposed_lots or ()] == [2, 1]
    assert (UNIT, at(60), at(670)) in world.ledger.exposure_calls  # the episode's window
    assert row.quarantine_scope == "all" and row.quarantined_at is not None


def test_an_alarm_severity_rule_quarantines_the_exposed_stock_by_its_key(
    world: AlarmWorld,
) -> None:
    world.ledger.lots[UNIT] = [PLAIN_LOT, FS_LOT]
    world.pipeline(world.recorder(), HEAT)

    heat = alarms_by_type(world)["who-heat"]
    [episode] = episodes(world)
    assert world.ledger.references() == [heat.key, episode.key]
    assert world.ledger.quarantines[0].lots == (PLAIN_LOT, FS_LOT)
    assert heat.quarantined_at is not None
    assert [lot.doses for lot in heat.exposed_lots or ()] == [40, 100]
    for warning in ("early-heat", "cumulative-heat"):
        assert alarms_by_type(world)[warning].quarantine_scope == "none"


def test_a_warning_alone_quarantines_nothing_but_saves_the_exposure(world: AlarmWorld) -> None:
    world.ledger.lots[UNIT] = [PLAIN_LOT, FS_LOT]
    world.pipeline(world.recorder(), WARM)

    assert sorted(alarms_by_type(world)) == ["early-heat"]
    assert world.ledger.quarantines == []
    warning = alarms_by_type(world)["early-heat"]
    assert warning.quarantined_at is None and len(warning.exposed_lots or ()) == 2
    [episode] = episodes(world)
    assert episode.quarantine_scope == "none" and len(episode.exposed_lots or ()) == 2


def test_freezing_quarantines_only_the_freeze_sensitive_lots(world: AlarmWorld) -> None:
    world.ledger.lots[UNIT] = [PLAIN_LOT, FS_LOT]
    world.pipeline(world.recorder(), DIP, batch=1)

    assert alarms_by_type(world) == {}  # 20 minutes: no freeze alarm, no warning
    [episode] = episodes(world)
    freeze_key = episode.key.replace("/excursion/", "/freeze-exposure/")
    assert world.ledger.references() == [freeze_key, episode.key]
    assert all(q.lots == (FS_LOT,) for q in world.ledger.quarantines)
    assert episode.freeze_exposed_at == at(60)
    assert episode.quarantine_scope == "freeze_sensitive"


def test_the_notifier_hears_the_alarm_raised_with_its_exposure_then_cleared(
    world: AlarmWorld,
) -> None:
    world.ledger.lots[UNIT] = [PLAIN_LOT, FS_LOT]
    world.pipeline(world.recorder(), HEAT)

    [raised] = [n for n in world.notifier.of(NoticeKind.RAISED) if n.rule_id == "who-heat"]
    assert raised.severity == "alarm" and raised.escalation_level == 0
    assert raised.notify_facilities == (FACILITY,)
    assert (raised.started_at, raised.fired_at) == (at(60), at(660))
    assert raised.peak_c == 12.0 and raised.exposed_doses == 140
    assert raised.notice_id == f"raised:{raised.key}"
    [cleared] = [n for n in world.notifier.of(NoticeKind.CLEARED) if n.rule_id == "who-heat"]
    assert cleared.key == raised.key and cleared.cleared_at == at(670)
    kinds = [n.kind for n in world.notifier.notices if n.key == raised.key]
    assert kinds == [NoticeKind.RAISED, NoticeKind.CLEARED]


def test_a_ledger_that_was_down_is_caught_up_by_settle_exposures(world: AlarmWorld) -> None:
    world.ledger.lots[UNIT] = [PLAIN_LOT]
    world.ledger.failing = True
    world.pipeline(world.recorder(), HEAT)
    heat = alarms_by_type(world)["who-heat"]
    assert heat.exposed_lots is None and heat.quarantined_at is None
    assert world.notifier.of(NoticeKind.RAISED)  # the notice did not wait for the ledger

    world.ledger.failing = False
    assert settle_exposures(world.uow, world.ledger) > 0
    heat = alarms_by_type(world)["who-heat"]
    [episode] = episodes(world)
    assert heat.quarantined_at is not None and episode.quarantined_at is not None
    assert sorted(world.ledger.references()) == sorted([heat.key, episode.key])
    assert settle_exposures(world.uow, world.ledger) == 0  # nothing left to do


def test_the_newest_device_time_of_each_sensor_is_recorded(world: AlarmWorld) -> None:
    world.pipeline(world.recorder(), HEAT[:10] + series([4.0], start=95, sensor="s-2"))
    world.pipeline(world.recorder(last_seen_every_s=0), HEAT[:3])  # older: no effect

    with world.uow as uow:
        seen = {r.sensor_id: r.last_seen_ns for r in uow.session.scalars(select(SensorLastSeenRow))}
    assert seen == {"s-1": HEAT[9].device_time_ns, "s-2": HEAT[0].device_time_ns + 95 * 60 * 10**9}
