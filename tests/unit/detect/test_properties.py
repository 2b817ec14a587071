"""Properties over generated streams: arrival order and replays never add alarms or flap.

Arrival within one batch: the detector sorts the batch, so any shuffle or duplication of a
stream delivered in one batch gives exactly the in-order events (hence never more alarms).
Arrival across batches: readings older than the newest processed never drive state, so the
alarms are exactly those of the in-order run over the readings that arrived in order, no
key is raised twice and no alarm is cleared before it is raised. (Fewer alarms than the
fully sorted stream is NOT guaranteed across batches: see
``test_a_reset_reading_arriving_after_the_alarm_fired_cannot_withdraw_it``.)
"""

from __future__ import annotations

from operator import attrgetter

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.detect import (
    AlarmCleared,
    AlarmRaised,
    Event,
    ExcursionEnded,
    ExcursionStarted,
)
from ingest.readings import Reading
from tests.unit.detect.builders import (
    above,
    at_or_below,
    detector,
    feed,
    fridge,
    more_than_above,
    reading,
)

CONFIG = fridge(
    above("heat", 8.0, 30),
    at_or_below("freeze", -0.5, 20),
    at_or_below("cold", 2.0, 15),
    more_than_above("cumulative", 8.0, 20, 120),
)
TEMPS = [-1.0, -0.5, 0.0, 1.5, 2.0, 5.0, 8.0, 8.5, 12.0]
STEPS = [0, 1, 5, 10, 20, 31, 60]  # minutes; 31 and 60 are gaps (threshold 30)
ORDER = attrgetter("device_time_ns", "sensor_id")


@st.composite
def streams(draw: st.DrawFn) -> list[Reading]:
    """In-order readings of one unit from two sensors, unique by (sensor, device time)."""
    minute, seen, out = 0, set(), []
    for _ in range(draw(st.integers(1, 40))):
        minute += draw(st.sampled_from(STEPS))
        sensor = draw(st.sampled_from(["a", "b"]))
        if (sensor, minute) not in seen:
            seen.add((sensor, minute))
            out.append(reading(minute, draw(st.sampled_from(TEMPS)), sensor=sensor))
    return sorted(out, key=ORDER)


@st.composite
def arrivals(draw: st.DrawFn, stream: list[Reading]) -> list[list[Reading]]:
    """The stream shuffled, with replays, cut into batches."""
    shuffled = list(draw(st.permutations(stream)))
    for replay in draw(st.lists(st.sampled_from(stream), max_size=10)):
        shuffled.insert(draw(st.integers(0, len(shuffled))), replay)
    cuts = sorted(draw(st.sets(st.integers(1, len(shuffled)), max_size=len(shuffled))))
    return [shuffled[i:j] for i, j in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]


def alarms(events: list[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, AlarmRaised | AlarmCleared)]


def state_events(events: list[Event]) -> list[object]:
    """Everything that state transitions emit; a closed episode by its key (late readings
    refine its statistics, and may raise the freeze-exposure signal, by design)."""
    return [
        e.key if isinstance(e, ExcursionEnded) else e
        for e in events
        if isinstance(e, AlarmRaised | AlarmCleared | ExcursionStarted | ExcursionEnded)
    ]


def in_order_subsequence(batches: list[list[Reading]]) -> list[Reading]:
    """The readings that arrived in order: newer than every earlier one, or as new from
    another sensor (each batch sorted, as the detector sorts it)."""
    newest, sensors, kept = -1, set[str](), []
    for r in (r for batch in batches for r in sorted(batch, key=ORDER)):
        if r.device_time_ns > newest:
            newest, sensors = r.device_time_ns, {r.sensor_id}
            kept.append(r)
        elif r.device_time_ns == newest and r.sensor_id not in sensors:
            sensors.add(r.sensor_id)
            kept.append(r)
    return kept


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_shuffling_and_replaying_inside_a_batch_gives_exactly_the_in_order_events(
    data: st.DataObject,
) -> None:
    stream = data.draw(streams())
    _, in_order = feed(stream, CONFIG)
    batches = data.draw(arrivals(stream))
    one_batch = [r for batch in batches for r in batch]
    events = detector(CONFIG).observe(one_batch)
    assert events == in_order
    assert len([e for e in events if isinstance(e, AlarmRaised)]) == len(
        [e for e in in_order if isinstance(e, AlarmRaised)]
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_late_readings_across_batches_never_drive_an_alarm_and_never_flap(
    data: st.DataObject,
) -> None:
    stream = data.draw(streams())
    batches = data.draw(arrivals(stream))
    det = detector(CONFIG)
    events = [e for batch in batches for e in det.observe(batch)]
    _, reference = feed(in_order_subsequence(batches), CONFIG)
    assert state_events(events) == state_events(reference)
    raised_keys = [e.key for e in events if isinstance(e, AlarmRaised)]
    assert len(raised_keys) == len(set(raised_keys))
    for i, event in enumerate(events):
        if isinstance(event, AlarmCleared):
            assert event.key in [e.key for e in events[:i] if isinstance(e, AlarmRaised)]
    assert det.observe([r for batch in batches for r in batch]) == []  # replay: nothing new


@settings(max_examples=100, deadline=None)
@given(streams())
def test_the_in_order_replay_is_identical_and_adds_nothing(stream: list[Reading]) -> None:
    det, first = feed(stream, CONFIG)
    _, rebuilt = feed(stream, CONFIG)
    assert rebuilt == first
    assert detector(CONFIG).observe(stream) == first  # one batch or one by one: the same
    assert det.observe(stream) == []
    assert alarms(first) == alarms(rebuilt)
