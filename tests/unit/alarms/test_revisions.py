"""The revision rules (``ingest.alarms.revisions``): which stored row is the same excursion,
when a replay may replace its figures, and how a batch's events take the stored names."""

from __future__ import annotations

from datetime import timedelta

from ingest.alarms.revisions import changed, may_revise, overlaps, renamed, spans
from ingest.detect import AlarmCleared, AlarmRaised, Detector, ExcursionEnded, UnitConfig
from tests.unit.alarms.fakes import MIN_NS, T0, T0_NS, series


def minutes(m: float) -> timedelta:
    return timedelta(minutes=m)


def test_spans_that_share_a_moment_are_one_excursion() -> None:
    assert overlaps(T0, T0 + minutes(60), T0 + minutes(30), T0 + minutes(90))
    assert overlaps(T0, None, T0 + minutes(500), None)  # both still open
    assert overlaps(T0 + minutes(30), T0 + minutes(40), T0, None)


def test_spans_that_only_touch_are_two_excursions() -> None:
    # an episode ends at the in-range reading that closed it; the next may start after it
    assert not overlaps(T0, T0 + minutes(60), T0 + minutes(60), T0 + minutes(90))
    assert not overlaps(T0 + minutes(60), None, T0, T0 + minutes(60))


def test_a_replay_that_starts_earlier_or_saw_readings_before_may_revise() -> None:
    stored_start = T0 + minutes(70)
    assert may_revise(T0_NS + 60 * MIN_NS, stored_start, replay_from_ns=T0_NS + 60 * MIN_NS)
    assert may_revise(T0_NS + 80 * MIN_NS, stored_start, replay_from_ns=T0_NS)


def test_a_replay_cut_short_where_it_began_never_revises() -> None:
    """Its first replayed reading was already hot: it knows less than the stored row."""
    stored_start = T0 + minutes(10)
    start = T0_NS + 60 * MIN_NS
    assert not may_revise(start, stored_start, replay_from_ns=start)


def test_only_changed_figures_are_written() -> None:
    assert changed({"max_c": 12.0, "reading_count": 5}, {"max_c": 12.0, "reading_count": 6}) == {
        "reading_count": 6
    }
    assert changed({"max_c": 12.0}, {"max_c": 12.0}) == {}


def test_a_batch_takes_the_stored_names_everywhere_they_appear() -> None:
    readings = series([5.0] + [12.0] * 5 + [5.0])  # early heat fires at minute 40
    events = Detector(lambda _f, _u: UnitConfig.for_profile("2-8")).observe(readings)
    [alarm] = [e for e in events if isinstance(e, AlarmRaised)]
    [ended] = [e for e in events if isinstance(e, ExcursionEnded)]
    names = {ended.key: "stored-episode", alarm.key: "stored-alarm"}
    out = [renamed(e, names) for e in events]
    raised = next(e for e in out if isinstance(e, AlarmRaised))
    assert (raised.key, raised.episode_key) == ("stored-alarm", "stored-episode")
    closed = next(e for e in out if isinstance(e, ExcursionEnded))
    assert closed.key == closed.episode.key == "stored-episode"
    assert closed.episode.alarm_keys == ("stored-alarm",)
    assert next(e for e in out if isinstance(e, AlarmCleared)).key == "stored-alarm"
    assert renamed(alarm, {}) is alarm


def test_spans_say_where_each_episode_and_alarm_of_a_batch_ended() -> None:
    readings = series([5.0] + [12.0] * 5 + [5.0])
    events = Detector(lambda _f, _u: UnitConfig.for_profile("2-8")).observe(readings)
    [ended] = [e for e in events if isinstance(e, ExcursionEnded)]
    [alarm] = [e for e in events if isinstance(e, AlarmRaised)]
    ends = spans(events)
    assert ends[ended.key] == readings[-1].device_time_ns
    assert ends[alarm.key] == readings[-1].device_time_ns
