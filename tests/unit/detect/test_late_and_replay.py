"""Late, out-of-order and replayed readings: never flap an alarm, never duplicate an event."""

from __future__ import annotations

import random

from ingest.detect import ExcursionEnded, FreezeExposureDetected, event_id
from tests.unit.detect.builders import (
    at,
    cleared,
    detector,
    feed,
    feed_into,
    of_type,
    raised,
    reading,
    steady,
)

HOT_DAY = [*steady(5.0, -30, -10), *steady(9.0, 0, 620), *steady(5.0, 630, 700)]


def test_a_late_in_range_reading_never_clears_a_raised_alarm() -> None:
    det, events = feed(steady(9.0, 0, 610))
    assert len(raised(events, "who-heat")) == 1
    assert feed_into(det, [reading(305, 5.0)]) == []  # late, in range
    assert feed_into(det, [reading(620, 9.0)]) == []  # no re-raise either
    unit = det.unit("clinic-1", "fridge-1")
    assert unit is not None and f"clinic-1/fridge-1/who-heat/{at(0)}" in unit.active_alarms()


def test_a_late_out_of_range_reading_never_opens_an_episode_or_raises() -> None:
    det, _ = feed(steady(5.0, 0, 100))
    assert feed_into(det, [reading(55, 12.0)]) == []
    counters = det.counters()
    assert (counters.late_ignored, counters.in_order) == (1, 11)


def test_a_late_reading_inside_the_open_episode_refines_its_statistics() -> None:
    in_order = [reading(0, 5.0), reading(10, 9.0), reading(20, 12.0), reading(30, 10.0)]
    closing = reading(40, 5.0)
    _, expected = feed([*in_order, closing])
    det, _ = feed([in_order[0], in_order[1], in_order[3]])
    events = feed_into(det, [in_order[2], closing])  # 20 arrives after 30
    [late_view] = of_type(events, ExcursionEnded)
    [in_order_view] = of_type(expected, ExcursionEnded)
    assert late_view.episode.late_reading_count == 1
    assert late_view.episode.mean_c == in_order_view.episode.mean_c
    assert late_view.episode.max_c == 12.0 and late_view.episode.max_at_ns == at(20)


def test_a_late_reading_at_or_below_zero_in_the_open_episode_raises_the_freeze_signal() -> None:
    det, _ = feed([reading(0, 1.5), reading(20, 1.0)])
    events = feed_into(det, [reading(10, -0.2)])
    [signal] = of_type(events, FreezeExposureDetected)
    assert len(events) == 1 and signal.at_ns == at(10)
    assert feed_into(det, [reading(10, -0.2)]) == []  # replayed: once only


def test_out_of_order_arrival_never_flaps_an_alarm() -> None:
    rnd = random.Random(20240101)
    arrival = list(HOT_DAY)
    for _ in range(40):  # move readings later, as a buffering device would
        i = rnd.randrange(len(arrival))
        arrival.insert(min(len(arrival), i + rnd.randint(1, 12)), arrival.pop(i))
    _, events = feed(arrival)
    keys = [e.key for e in raised(events)]
    assert len(keys) == len(set(keys))
    for alarm in raised(events):
        clears = [c for c in cleared(events) if c.key == alarm.key]
        assert len(clears) <= 1
        assert all(events.index(c) > events.index(alarm) for c in clears)


def test_replaying_the_whole_stream_produces_no_new_events() -> None:
    stream = [*HOT_DAY, *steady(-1.0, 710, 800)]  # ends inside an open freeze episode
    det, first = feed(stream)
    assert {a.rule.id for a in raised(first)} == {
        "early-heat",
        "cumulative-heat",
        "who-heat",
        "early-cold",
        "who-freeze",
    }
    unit = det.unit("clinic-1", "fridge-1")
    assert unit is not None
    before = unit.open_episode()
    assert feed_into(det, stream) == []  # one by one
    assert det.observe(stream) == []  # and as one batch
    assert unit.open_episode() == before  # replays inside the open episode count once


def test_a_detector_rebuilt_from_the_same_readings_gives_identical_events_and_keys() -> None:
    stream = [*HOT_DAY, *steady(-1.0, 710, 800), reading(810, 5.0)]
    _, first = feed(stream)
    _, again = feed(stream)
    assert first == again
    assert [event_id(e) for e in first] == [event_id(e) for e in again]
    assert len({event_id(e) for e in first}) == len(first)


def test_a_replay_at_the_newest_instant_is_ignored_but_another_sensor_is_not() -> None:
    det, _ = feed([reading(0, 5.0), reading(10, 9.0, sensor="a")])
    assert feed_into(det, [reading(10, 5.0, sensor="a")]) == []  # same (sensor, time)
    [ended] = feed_into(det, [reading(10, 5.0, sensor="b")])
    assert isinstance(ended, ExcursionEnded)


def test_any_shuffle_and_duplication_inside_one_batch_gives_the_in_order_events() -> None:
    rnd = random.Random(7)
    _, in_order = feed(HOT_DAY)
    batch = HOT_DAY + rnd.sample(HOT_DAY, 20)
    rnd.shuffle(batch)
    assert detector().observe(batch) == in_order


def test_a_reset_reading_arriving_after_the_alarm_fired_cannot_withdraw_it() -> None:
    """The price of never flapping, documented: across batches, a late reading that would
    have reset a run is not allowed to un-raise what the readings at hand justified. In
    order, 7.0 at minute 10 resets the run and 590 minutes are not enough; arriving last,
    the run 0..600 was already complete (a 20-minute silence is not even a gap)."""
    hot = [reading(0, 9.0), *steady(9.0, 20, 600)]
    reset = reading(10, 7.0)
    _, in_order = feed(sorted([*hot, reset], key=lambda r: r.device_time_ns))
    _, late = feed([*hot, reset])
    assert raised(in_order, "who-heat") == []
    assert [a.fired_at_ns for a in raised(late, "who-heat")] == [at(600)]
    assert cleared(late, "who-heat") == []


def test_a_late_reading_revises_the_past_only_where_device_order_would_differ() -> None:
    det, _ = feed(steady(5.0, 0, 100))
    unit = det.unit("clinic-1", "fridge-1")
    assert unit is not None
    assert unit.revises_past(reading(55, 12.0))  # the backlog of a power cut
    assert not unit.revises_past(reading(55, 5.0))  # late but in range, no excursion near
    assert not unit.revises_past(reading(110, 12.0))  # in order: detected as usual
    feed_into(det, [reading(110, 12.0), reading(130, 12.0)])
    assert unit.revises_past(reading(65, 12.0))  # before the open episode: it starts earlier
    assert unit.revises_past(reading(120, 12.0))  # inside it: a rule may fire sooner
    assert not unit.revises_past(reading(130, 12.0))  # newest: in order
    feed_into(det, [reading(120, 12.0), reading(135, 12.0)])
    assert not unit.revises_past(reading(120, 12.0))  # the episode holds it: a replay
    assert unit.revises_past(reading(125, 5.0))  # in range inside the open one: ends earlier
    feed_into(det, [reading(140, 5.0), reading(150, 5.0)])
    assert unit.revises_past(reading(127, 5.0))  # inside the closed episode: it ends earlier
    assert not unit.revises_past(reading(145, 5.0))  # after it


def test_a_renamed_detector_carries_the_stored_keys() -> None:
    det, events = feed(steady(12.0, 0, 40))
    unit = det.unit("clinic-1", "fridge-1")
    assert unit is not None
    [early] = raised(events, "early-heat")
    episode = unit.open_episode()
    assert episode is not None
    unit.rename({episode.key: "stored-episode", early.key: "stored-alarm"})
    assert unit.active_alarms()[0] == "stored-alarm"
    closing = feed_into(det, [reading(50, 5.0)])
    [ended] = [e for e in closing if isinstance(e, ExcursionEnded)]
    assert ended.key == "stored-episode" and "stored-alarm" in ended.episode.alarm_keys
    assert [c.key for c in cleared(closing, "early-heat")] == ["stored-alarm"]
