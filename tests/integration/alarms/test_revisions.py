"""A late reading, or a whole backlog in any order over many batches, revises the stored
excursion in place: one episode and one alarm per rule, with the figures device order
gives, the same ids, and no second notice or escalation (domain rule 4)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from ingest.alarms.policy import FollowUpPolicy
from ingest.alarms.ports import NoticeKind
from ingest.alarms.services import notify_due_alarms
from ingest.detect import (
    AlarmCleared,
    AlarmRaised,
    Detector,
    ExcursionEnded,
    UnitConfig,
    to_utc,
)
from ingest.models import (
    AlarmFollowUpRow,
    AlarmRow,
    ExcursionEpisodeRow,
    SensorLastSeenRow,
    TelemetryReadingRow,
)
from ingest.readings import Reading
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import UNIT, make_lot, series

# 5 °C for an hour; 12 °C from minute 60 to 700 (WHO heat fires at 660); 5 °C again.
HEAT = series([5.0] * 6 + [12.0] * 65 + [5.0] * 12)
RULES = ("who-heat", "early-heat", "cumulative-heat")


@dataclass(frozen=True)
class Expected:
    """What device order gives: the episode's figures and each alarm's."""

    episode: dict[str, Any]
    alarms: dict[str, dict[str, Any]]


def in_device_order(readings: list[Reading]) -> Expected:
    detector = Detector(lambda _f, _u: UnitConfig.for_profile("2-8"))
    events = detector.observe(sorted(readings, key=lambda r: r.device_time_ns))
    [ended] = [e for e in events if isinstance(e, ExcursionEnded)]
    cleared = {e.key: e.cleared_at_ns for e in events if isinstance(e, AlarmCleared)}
    episode = ended.episode
    assert episode.end_ns is not None
    return Expected(
        episode={
            "start_at": to_utc(episode.start_ns),
            "end_at": to_utc(episode.end_ns),
            "max_c": episode.max_c,
            "reading_count": episode.reading_count,
            "minutes_above": episode.minutes_above,
            "unknown_minutes": episode.unknown_minutes,
        },
        alarms={
            e.rule.id: {
                "started_at": to_utc(e.start_ns),
                "raised_at": to_utc(e.fired_at_ns),
                "cleared_at": to_utc(cleared[e.key]) if e.key in cleared else None,
                "peak_c": e.peak_c,
            }
            for e in events
            if isinstance(e, AlarmRaised)
        },
    )


def stored(world: AlarmWorld) -> tuple[list[ExcursionEpisodeRow], list[AlarmRow]]:
    with world.uow as uow:
        episodes = list(uow.session.scalars(select(ExcursionEpisodeRow).order_by("id")))
        alarms = list(uow.session.scalars(select(AlarmRow).order_by("id")))
        uow.session.expunge_all()
    return episodes, alarms


def assert_as_in_device_order(world: AlarmWorld, expected: Expected) -> None:
    episodes, alarms = stored(world)
    assert len(episodes) == 1, [(e.key, e.start_at, e.end_at) for e in episodes]
    [episode] = episodes
    assert {k: getattr(episode, k) for k in expected.episode} == expected.episode
    assert sorted(a.type for a in alarms) == sorted(expected.alarms), "one alarm per rule"
    for alarm in alarms:
        want = expected.alarms[alarm.type]
        assert {k: getattr(alarm, k) for k in want} == want, alarm.type
        assert alarm.episode_key in (episode.key, None)
    raised = world.notifier.of(NoticeKind.RAISED)
    assert sorted(n.rule_id for n in raised) == sorted(expected.alarms), "one notice per alarm"


def deliver_shuffled(world: AlarmWorld, readings: list[Reading], batches: int, seed: int) -> None:
    """The backlog in a random order, in ``batches`` batches, each stored before the next
    (what the pipeline does), through one recorder."""
    shuffled = list(readings)
    random.Random(seed).shuffle(shuffled)
    size = -(-len(shuffled) // batches)
    world.pipeline(world.recorder(), shuffled, batch=size)


def test_a_late_reading_that_moves_a_closed_excursion_earlier_revises_it_in_place(
    world: AlarmWorld,
) -> None:
    world.ledger.lots[UNIT] = [make_lot(2, 40)]
    late = HEAT[6]  # minute 60: the excursion's first hot reading
    recorder = world.recorder()
    world.pipeline(recorder, [r for r in HEAT if r is not late])
    episodes, alarms = stored(world)
    ids = ([e.id for e in episodes], {a.type: (a.id, a.key) for a in alarms})
    notices = len(world.notifier.notices)

    world.pipeline(recorder, [late])

    assert_as_in_device_order(world, in_device_order(HEAT))
    episodes, alarms = stored(world)
    assert [e.id for e in episodes] == ids[0]
    kept = {a.type: (a.id, a.key) for a in alarms if a.type in ids[1]}
    assert kept == ids[1], "the alarms keep their ids and keys"
    assert world.notifier.notices[notices:] == [], "nobody is told twice"


def test_a_revised_alarm_is_not_notified_or_escalated_again(world: AlarmWorld) -> None:
    recorder = world.recorder()
    world.pipeline(recorder, [r for r in HEAT if r is not HEAT[6]])
    escalations = len(world.notifier.notices)
    world.clock.now += timedelta(minutes=61)
    notify_due_alarms(world.uow, world.units, world.notifier, FollowUpPolicy(), world.clock.now)
    escalations = len(world.notifier.notices) - escalations
    levels = {a.key: a.escalation_level for a in stored(world)[1]}
    before = len(world.notifier.notices)

    world.pipeline(recorder, [HEAT[6]])
    notify_due_alarms(world.uow, world.units, world.notifier, FollowUpPolicy(), world.clock.now)

    assert world.notifier.notices[before:] == []
    assert escalations > 0
    for alarm in stored(world)[1]:
        if alarm.key in levels:
            assert alarm.escalation_level == levels[alarm.key]


def test_a_backlog_shuffled_into_ten_batches_is_one_episode_and_one_alarm_per_rule(
    world: AlarmWorld,
) -> None:
    world.ledger.lots[UNIT] = [make_lot(2, 40)]
    live = series([5.0] * 3, start=900)
    recorder = world.recorder()
    world.pipeline(recorder, HEAT[:6])
    world.pipeline(recorder, live)  # the device's live readings come first
    deliver_shuffled(world, HEAT[6:], batches=10, seed=7)

    expected = in_device_order(HEAT + live)
    assert set(expected.alarms) == set(RULES)
    assert_as_in_device_order(world, expected)
    with world.uow as uow:
        quarantined = {q.reference for q in world.ledger.quarantines}
        keys = {a.key for a in uow.session.scalars(select(AlarmRow))}
    assert quarantined <= keys | {e.key for e in stored(world)[0]}


def test_every_seed_of_a_shuffled_backlog_gives_the_device_order_rows(world: AlarmWorld) -> None:
    expected = in_device_order(HEAT)
    for seed in range(6):
        _reset(world)
        deliver_shuffled(world, HEAT, batches=10, seed=seed)
        assert_as_in_device_order(world, expected)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    hot=st.lists(st.sampled_from([8.5, 12.0, 15.0]), min_size=62, max_size=80),
    after=st.integers(min_value=2, max_value=10),
    batches=st.integers(min_value=1, max_value=12),
    replays=st.integers(min_value=0, max_value=10),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_any_shuffle_and_batching_gives_the_same_rows_as_device_order(
    world: AlarmWorld, hot: list[float], after: int, batches: int, replays: int, seed: int
) -> None:
    """One excursion (hot readings of varied temperatures between in-range ones), shuffled
    with some readings delivered twice, in any number of batches."""
    readings = series([5.0] * 4 + hot + [5.0] * after)
    rnd = random.Random(seed)
    delivered = readings + [rnd.choice(readings) for _ in range(replays)]
    _reset(world)
    deliver_shuffled(world, delivered, batches=batches, seed=seed)
    assert_as_in_device_order(world, in_device_order(readings))


def _reset(world: AlarmWorld) -> None:
    with world.engine.begin() as conn:
        for row in (
            AlarmFollowUpRow,
            AlarmRow,
            ExcursionEpisodeRow,
            SensorLastSeenRow,
            TelemetryReadingRow,
        ):
            conn.execute(delete(row))
    world.notifier.notices.clear()


def test_a_late_in_range_reading_splits_a_stored_episode_into_the_device_order_two(
    world: AlarmWorld,
) -> None:
    """The first part keeps the stored row (ended earlier); the rest is a new episode. The
    WHO heat alarm the unbroken run justified stays (a late reading never withdraws one)."""
    split = series([5.0], start=300)[0]
    hot = [r for r in HEAT if r.device_time_ns != split.device_time_ns]
    recorder = world.recorder()
    world.pipeline(recorder, hot)
    [before] = stored(world)[0]

    world.pipeline(recorder, [split])

    episodes, alarms = stored(world)
    reference = Detector(lambda _f, _u: UnitConfig.for_profile("2-8")).observe(
        sorted([*hot, split], key=lambda r: r.device_time_ns)
    )
    ends = [e.episode for e in reference if isinstance(e, ExcursionEnded)]
    assert [(e.start_at, e.end_at) for e in episodes] == [
        (to_utc(e.start_ns), to_utc(e.end_ns or 0)) for e in ends
    ]
    assert episodes[0].id == before.id and episodes[0].key == before.key
    assert [a.type for a in alarms].count("who-heat") == 1
    assert [a.type for a in alarms].count("early-heat") == 2
