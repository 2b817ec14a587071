"""Per-rule state machines of one storage unit, stepped by in-order readings only.

Each tracker sees the unit's readings in device-time order (the detector guarantees it) and
returns at most one event per reading. Invariants, for both shapes:

- an alarm is raised at most once while it is active, and its key is derived from
  (unit, rule id, start device time), so the same readings give the same keys;
- a raised alarm clears only when its cause is gone (below), never on acknowledgement;
- gaps: a condition met by the readings on both sides of a gap is still running across it,
  and *(decision)* the gap's elapsed time counts toward the rule (the conservative choice
  for vaccine safety); the gap part is reported as ``unknown_minutes`` on the alarm.

Continuous rule: the run starts at the first reading that meets the condition; its duration
is latest meeting reading − run start; it fires when that reaches ``minutes``. Any reading
that does not meet the condition ends the run. The alarm clears at the first reading that
is in the profile's range AND no longer meets the condition (a jump from too hot to too cold
ends the heat run but is not "back to normal", so the heat alarm stays up).

Cumulative rule: each reading that meets the condition contributes the interval it holds
(``weighting``; across a gap, all of it if the next reading meets the condition too) to a
deque; the window is (t − window, t] at the latest reading t, so evaluation is O(1)
amortised. It fires when the time in the window is strictly more than ``minutes`` and
clears as soon as it no longer is.

``state()`` / ``load(state)``: a tracker's state as plain data (JSON-safe), so a restarted
process resumes where it stopped instead of replaying history (``UnitDetector.state``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from ingest.detect.events import AlarmCleared, AlarmRaised, Event, make_key
from ingest.detect.rules import (
    NS_PER_MINUTE,
    Comparison,
    ContinuousRule,
    CumulativeRule,
    Rule,
    minutes_to_ns,
)
from ingest.detect.weighting import held_ns, unknown_ns


class ContinuousTracker:
    __slots__ = (
        "_above",
        "_duration_ns",
        "_threshold",
        "active_key",
        "active_start",
        "facility",
        "peak",
        "rule",
        "run_start",
        "run_unknown",
        "unit",
    )

    def __init__(self, rule: ContinuousRule, facility: str, unit: str) -> None:
        self.rule = rule
        self.facility = facility
        self.unit = unit
        self._above = rule.comparison is Comparison.ABOVE
        self._threshold = rule.threshold_c
        self._duration_ns = minutes_to_ns(rule.minutes)
        self.run_start: int | None = None
        self.run_unknown = 0
        self.peak = 0.0
        self.active_key: str | None = None
        self.active_start = 0

    def step(
        self, t: int, temp: float, unknown: int, in_range: bool, episode_key: str | None
    ) -> Event | None:
        meets = temp > self._threshold if self._above else temp <= self._threshold
        if not meets:
            self.run_start = None
            if self.active_key is not None and in_range:
                return self._clear(t, temp)
            return None
        if self.run_start is None:
            self.run_start = t
            self.run_unknown = 0
            self.peak = temp
        else:
            self.run_unknown += unknown
            if (temp > self.peak) if self._above else (temp < self.peak):
                self.peak = temp
        if self.active_key is None and t - self.run_start >= self._duration_ns:
            key = make_key(self.facility, self.unit, self.rule.id, self.run_start)
            self.active_key = key
            self.active_start = self.run_start
            return AlarmRaised(
                key=key,
                facility=self.facility,
                unit=self.unit,
                rule=self.rule,
                start_ns=self.run_start,
                fired_at_ns=t,
                peak_c=self.peak,
                unknown_minutes=self.run_unknown / NS_PER_MINUTE,
                episode_key=episode_key,
            )
        return None

    def _clear(self, t: int, temp: float) -> AlarmCleared:
        event = _cleared(self, t, temp)
        self.active_key = None
        return event

    def state(self) -> dict[str, Any]:
        """Everything a later reading depends on, as plain data (``load`` takes it back)."""
        return {
            "rule": self.rule.id,
            "run_start": self.run_start,
            "run_unknown": self.run_unknown,
            "peak": self.peak,
            "active_key": self.active_key,
            "active_start": self.active_start,
        }

    def load(self, state: Mapping[str, Any]) -> None:
        self.run_start = state["run_start"]
        self.run_unknown = state["run_unknown"]
        self.peak = state["peak"]
        self.active_key = state["active_key"]
        self.active_start = state["active_start"]


class CumulativeTracker:
    __slots__ = (
        "_above",
        "_cover_ns",
        "_ends",
        "_gaps",
        "_limit_ns",
        "_peaks",
        "_prev_meets",
        "_prev_t",
        "_prev_temp",
        "_starts",
        "_threshold",
        "_total",
        "_window_ns",
        "active_key",
        "active_start",
        "facility",
        "rule",
        "unit",
    )

    def __init__(self, rule: CumulativeRule, facility: str, unit: str, cover_ns: int) -> None:
        self.rule = rule
        self.facility = facility
        self.unit = unit
        self._above = rule.comparison is Comparison.ABOVE
        self._threshold = rule.threshold_c
        self._limit_ns = minutes_to_ns(rule.minutes)
        self._window_ns = minutes_to_ns(rule.window_minutes)
        self._cover_ns = cover_ns
        # One entry per reading that met the condition: [start, end), its temperature and
        # the gap time inside it. Sorted, non-overlapping; sum of lengths in _total.
        self._starts: deque[int] = deque()
        self._ends: deque[int] = deque()
        self._peaks: deque[float] = deque()
        self._gaps: deque[int] = deque()
        self._total = 0
        self._prev_t: int | None = None
        self._prev_meets = False
        self._prev_temp = 0.0
        self.active_key: str | None = None
        self.active_start = 0

    def step(
        self, t: int, temp: float, unknown: int, in_range: bool, episode_key: str | None
    ) -> Event | None:
        meets = temp > self._threshold if self._above else temp <= self._threshold
        if self._prev_meets:
            self._add(t, meets)
        self._prev_t, self._prev_meets, self._prev_temp = t, meets, temp
        window_start = t - self._window_ns
        starts, ends = self._starts, self._ends
        while ends and ends[0] <= window_start:
            self._total -= ends.popleft() - starts.popleft()
            self._peaks.popleft()
            self._gaps.popleft()
        inside = self._total
        if starts and starts[0] < window_start:
            inside -= window_start - starts[0]
        exceeded = inside > self._limit_ns
        if exceeded and self.active_key is None:
            return self._raise(t, window_start, episode_key)
        if not exceeded and self.active_key is not None:
            return self._clear(t, temp)
        return None

    def _add(self, t: int, meets_now: bool) -> None:
        prev_t = self._prev_t
        assert prev_t is not None
        delta = t - prev_t
        gap = unknown_ns(delta, self._cover_ns)
        # across a gap, elapsed time counts when the condition holds on both sides
        held = delta if meets_now else held_ns(delta, self._cover_ns)
        if held <= 0:
            return
        self._starts.append(prev_t)
        self._ends.append(prev_t + held)
        self._peaks.append(self._prev_temp)
        self._gaps.append(gap if meets_now else 0)
        self._total += held

    def _raise(self, t: int, window_start: int, episode_key: str | None) -> AlarmRaised:
        start = max(self._starts[0], window_start)
        key = make_key(self.facility, self.unit, self.rule.id, start)
        self.active_key = key
        self.active_start = start
        peak = max(self._peaks) if self._above else min(self._peaks)
        return AlarmRaised(
            key=key,
            facility=self.facility,
            unit=self.unit,
            rule=self.rule,
            start_ns=start,
            fired_at_ns=t,
            peak_c=peak,
            unknown_minutes=sum(self._gaps) / NS_PER_MINUTE,
            episode_key=episode_key,
        )

    def _clear(self, t: int, temp: float) -> AlarmCleared:
        event = _cleared(self, t, temp)
        self.active_key = None
        return event

    def state(self) -> dict[str, Any]:
        """The window's intervals and the previous reading, as plain data (``load``)."""
        return {
            "rule": self.rule.id,
            "starts": list(self._starts),
            "ends": list(self._ends),
            "peaks": list(self._peaks),
            "gaps": list(self._gaps),
            "total": self._total,
            "prev_t": self._prev_t,
            "prev_meets": self._prev_meets,
            "prev_temp": self._prev_temp,
            "active_key": self.active_key,
            "active_start": self.active_start,
        }

    def load(self, state: Mapping[str, Any]) -> None:
        self._starts = deque(state["starts"])
        self._ends = deque(state["ends"])
        self._peaks = deque(state["peaks"])
        self._gaps = deque(state["gaps"])
        self._total = state["total"]
        self._prev_t = state["prev_t"]
        self._prev_meets = state["prev_meets"]
        self._prev_temp = state["prev_temp"]
        self.active_key = state["active_key"]
        self.active_start = state["active_start"]


Tracker = ContinuousTracker | CumulativeTracker


def _cleared(tracker: Tracker, t: int, temp: float) -> AlarmCleared:
    assert tracker.active_key is not None
    return AlarmCleared(
        key=tracker.active_key,
        facility=tracker.facility,
        unit=tracker.unit,
        rule_id=tracker.rule.id,
        start_ns=tracker.active_start,
        cleared_at_ns=t,
        temperature_c=temp,
    )


def make_tracker(rule: Rule, facility: str, unit: str, cover_ns: int) -> Tracker:
    if isinstance(rule, ContinuousRule):
        return ContinuousTracker(rule, facility, unit)
    return CumulativeTracker(rule, facility, unit, cover_ns)
