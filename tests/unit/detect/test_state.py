"""A detector's state as plain data: saved anywhere in a stream (through JSON) and resumed,
it gives exactly the events of a detector that never stopped."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.detect import Detector, UnitDetector
from tests.unit.detect.builders import above, feed, feed_into, fridge, reading, steady
from tests.unit.detect.test_properties import CONFIG, arrivals, streams


def resumed(det: Detector, config: object = CONFIG) -> Detector:
    """A new detector continuing from each unit's state, after a JSON round trip."""
    again = Detector(lambda _f, _u: CONFIG)
    for unit in det.units():
        state = json.loads(json.dumps(unit.state()))
        back = UnitDetector.resume(unit.facility, unit.unit, config, state)  # type: ignore[arg-type]
        assert back is not None
        again.adopt(back)
    return again


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_detector_resumed_from_its_state_gives_the_events_of_one_that_never_stopped(
    data: st.DataObject,
) -> None:
    batches = data.draw(arrivals(data.draw(streams())))
    cut = data.draw(st.integers(0, len(batches)))
    whole = Detector(lambda _f, _u: CONFIG)
    expected = [e for batch in batches for e in whole.observe(batch)]
    first = Detector(lambda _f, _u: CONFIG)
    got = [e for batch in batches[:cut] for e in first.observe(batch)]
    second = resumed(first)
    got += [e for batch in batches[cut:] for e in second.observe(batch)]
    assert got == expected


def test_a_state_saved_under_other_rules_is_not_resumed() -> None:
    det, _ = feed(steady(12.0, 0, 60), CONFIG)
    [unit] = det.units()
    state = json.loads(json.dumps(unit.state()))
    other = fridge(above("heat", 8.0, 45))
    assert UnitDetector.resume(unit.facility, unit.unit, other, state) is None
    assert UnitDetector.resume(unit.facility, unit.unit, CONFIG, {**state, "version": 0}) is None


def test_the_state_keeps_an_open_episode_and_a_raised_alarm() -> None:
    det, _ = feed(steady(12.0, 0, 60), CONFIG)
    again = resumed(det)
    [unit] = again.units()
    assert unit.open_episode() is not None and unit.active_alarms()
    closing = feed_into(again, [reading(70, 5.0)])
    assert {type(e).__name__ for e in closing} >= {"ExcursionEnded", "AlarmCleared"}
