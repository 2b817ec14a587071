"""The per-unit excursion state machine, and the ``Detector`` the ingest pipeline calls.

Data flow: ``Detector.observe(batch)`` sorts the batch by (device time, sensor) — so any
shuffle or duplication inside one batch gives exactly the in-order result — and hands each
reading to its storage unit's ``UnitDetector``, which returns events (``events``).

Invariants of a ``UnitDetector`` (everything on device time, nothing on the wall clock):

- In order: a reading newer than (or as new as, from another sensor) the newest one
  processed drives state: episodes open and close, rule trackers step, alarms raise/clear.
- Replay: a reading with the (sensor, device time) of one already seen is ignored: at the
  newest instant against the sensors seen at it, inside the open episode against its
  readings; older ones change nothing in any case. Rebuilt from the same readings, a
  detector emits the same events with the same keys.
- Late *(decision)*: a reading older than the newest one processed never drives a state
  transition: it never opens, closes or extends an episode, never raises or clears an
  alarm, never restarts or resets a rule's run. If it falls inside the open episode it is
  added to the episode's statistics (and may raise the episode's freeze-exposure signal,
  once); otherwise detection only counts it (``late_ignored``). The sink stores it anyway,
  so daily summaries built from stored readings include it. A late reading that device
  order could treat differently (out of range; or in range inside the open or the last
  closed episode; not one the open episode holds already) revises the past:
  ``revises_past`` says so, and the alarm recorder then replays the unit in device order
  with a new detector and revises the stored rows in place
  (``ingest.alarms.revisions``; the decision above holds per detector).
- Names: the keys a detector gives are derived from device time; ``rename`` makes it carry
  the keys the rows were stored under when a revision kept an earlier name.
- State: ``state()`` is everything later readings depend on (newest instant, open episode,
  each rule's run or window, the last closed episode), as plain JSON-safe data, with the
  configuration it was built under; ``UnitDetector.resume`` takes it back (None if the
  configuration changed), so a restart continues instead of replaying history.
- Cost: O(1) amortised per in-order reading (one step per rule; cumulative rules keep a
  deque of intervals); memory is bounded by the open episode and the longest rule window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any

from ingest.detect.config import FRIDGE_DEFAULTS, UnitConfig
from ingest.detect.episodes import Episode, OpenEpisode
from ingest.detect.events import (
    AlarmRaised,
    Direction,
    Event,
    ExcursionEnded,
    ExcursionStarted,
    FreezeExposureDetected,
    make_key,
)
from ingest.detect.rules import EXCURSION, FREEZE_EXPOSURE
from ingest.detect.trackers import make_tracker
from ingest.readings import Reading

_NEVER = -(1 << 63)
STATE_VERSION = 1  # of ``UnitDetector.state``; another version is rebuilt by replay
_ARRIVAL_ORDER = attrgetter("device_time_ns", "sensor_id")


class DetectorCounters:
    """What detection saw but did not act on; for metrics, not for decisions."""

    __slots__ = ("in_order", "late_ignored", "late_in_episode", "replayed")

    def __init__(self) -> None:
        self.in_order = 0
        self.late_in_episode = 0  # late readings added to the open episode's statistics
        self.late_ignored = 0  # late readings outside any open episode (replays included)
        self.replayed = 0  # recognised as already seen

    def add(self, other: DetectorCounters) -> None:
        self.in_order += other.in_order
        self.late_in_episode += other.late_in_episode
        self.late_ignored += other.late_ignored
        self.replayed += other.replayed


class UnitDetector:
    __slots__ = (
        "_closed",
        "_cover_ns",
        "_episode",
        "_high",
        "_low",
        "_newest_ns",
        "_newest_sensors",
        "_trackers",
        "config",
        "counters",
        "facility",
        "first_ns",
        "unit",
    )

    def __init__(self, facility: str, unit: str, config: UnitConfig) -> None:
        self.facility = facility
        self.unit = unit
        self.config = config
        self.counters = DetectorCounters()
        self._low = config.profile.low_c
        self._high = config.profile.high_c
        self._cover_ns = config.cover_ns
        self._trackers = tuple(
            make_tracker(rule, facility, unit, self._cover_ns) for rule in config.rules
        )
        self._newest_ns = _NEVER
        self._newest_sensors: list[str] = []
        self._episode: OpenEpisode | None = None
        self._closed: tuple[int, int] | None = None  # the last closed episode: start, end
        self.first_ns = _NEVER  # the first reading this detector saw (where its replay began)

    def observe(self, reading: Reading, out: list[Event]) -> None:
        """Process one reading of this unit; append the events it causes to ``out``."""
        t = reading.device_time_ns
        newest = self._newest_ns
        if t < newest:
            self._late(reading, out)
            return
        sensor = reading.sensor_id
        if t == newest:
            if sensor in self._newest_sensors:
                self.counters.replayed += 1
                return
            unknown = 0
        else:
            delta = t - newest  # weighting.unknown_ns, inlined on the hot path
            unknown = delta - self._cover_ns if delta > self._cover_ns and newest != _NEVER else 0
            self._newest_sensors.clear()
            if newest == _NEVER:
                self.first_ns = t
            self._newest_ns = t
        self._newest_sensors.append(sensor)
        self.counters.in_order += 1
        temp = reading.temperature_c
        in_range = self._low <= temp <= self._high
        episode = self._episode
        if not in_range:
            if episode is None:
                episode = self._open(t, temp, out)
            episode.append(t, temp, sensor)
            self._freeze_signal(episode, t, temp, out)
        episode_key = None if episode is None else episode.key
        for tracker in self._trackers:
            event = tracker.step(t, temp, unknown, in_range, episode_key)
            if event is not None:
                out.append(event)
                if episode is not None and isinstance(event, AlarmRaised):
                    episode.alarm_keys.append(event.key)
        if in_range and episode is not None:
            self._episode = None
            self._closed = (episode.start_ns, t)
            out.append(ExcursionEnded(episode.key, self._to_episode(episode, t, closed=True)))

    def revises_past(self, reading: Reading) -> bool:
        """True for a late reading that device order could treat differently from this
        detector, which only adds late readings to the open episode's statistics: out of
        range (a device's backlog after its live readings: an excursion that is new, starts
        earlier, or reaches a rule sooner), or in range inside the open or the last closed
        episode (it ends earlier). A reading the open episode already holds is a replay.
        Only a replay in device order can record it (``AlarmRecorder`` does)."""
        t = reading.device_time_ns
        if t >= self._newest_ns:
            return False
        episode = self._episode
        if episode is not None and t >= episode.start_ns:
            return not episode.holds(t, reading.sensor_id)
        if not self._low <= reading.temperature_c <= self._high:
            return True
        closed = self._closed
        return closed is not None and closed[0] < t < closed[1]

    def rename(self, names: Mapping[str, str]) -> None:
        """Carry the stored names of the open episode and the active alarms (``names``:
        detector key → stored key), so that later events use the keys the rows have."""
        episode = self._episode
        if episode is not None:
            episode.key = names.get(episode.key, episode.key)
            episode.alarm_keys = [names.get(k, k) for k in episode.alarm_keys]
        for tracker in self._trackers:
            if tracker.active_key is not None:
                tracker.active_key = names.get(tracker.active_key, tracker.active_key)

    def open_episode(self) -> Episode | None:
        """A snapshot of the excursion in progress, up to the newest reading."""
        episode = self._episode
        if episode is None:
            return None
        return self._to_episode(episode, self._newest_ns, closed=False)

    def active_alarms(self) -> tuple[str, ...]:
        """Keys of the alarms raised and not cleared, in rule order."""
        return tuple(t.active_key for t in self._trackers if t.active_key is not None)

    def state(self) -> dict[str, Any]:
        """Everything later readings depend on, as plain data; ``resume`` takes it back."""
        episode = self._episode
        return {
            "version": STATE_VERSION,
            "config": repr(self.config),
            "newest_ns": self._newest_ns,
            "newest_sensors": list(self._newest_sensors),
            "first_ns": self.first_ns,
            "closed": None if self._closed is None else list(self._closed),
            "episode": None if episode is None else episode.state(),
            "trackers": [tracker.state() for tracker in self._trackers],
        }

    @property
    def newest_ns(self) -> int:
        """The newest device time processed (a very negative number before any)."""
        return self._newest_ns

    @classmethod
    def resume(
        cls, facility: str, unit: str, config: UnitConfig, state: Mapping[str, Any]
    ) -> UnitDetector | None:
        """A detector continuing from ``state``; None if it was saved under another
        configuration or format (the caller then rebuilds it by replay)."""
        if state.get("version") != STATE_VERSION or state.get("config") != repr(config):
            return None
        trackers = state["trackers"]
        if [t["rule"] for t in trackers] != [rule.id for rule in config.rules]:
            return None
        detector = cls(facility, unit, config)
        detector._newest_ns = state["newest_ns"]
        detector._newest_sensors = list(state["newest_sensors"])
        detector.first_ns = state["first_ns"]
        closed = state["closed"]
        detector._closed = None if closed is None else (closed[0], closed[1])
        episode = state["episode"]
        if episode is not None:
            detector._episode = OpenEpisode.from_state(facility, unit, episode)
        for tracker, saved in zip(detector._trackers, trackers, strict=True):
            tracker.load(saved)
        return detector

    def _open(self, t: int, temp: float, out: list[Event]) -> OpenEpisode:
        key = make_key(self.facility, self.unit, EXCURSION, t)
        self._episode = episode = OpenEpisode(key, self.facility, self.unit, t)
        direction = Direction.ABOVE if temp > self._high else Direction.BELOW
        out.append(
            ExcursionStarted(
                key, self.facility, self.unit, self.config.profile.name, t, temp, direction
            )
        )
        return episode

    def _freeze_signal(self, episode: OpenEpisode, t: int, temp: float, out: list[Event]) -> None:
        threshold = self.config.profile.freeze_signal_c
        if episode.freeze_flagged or threshold is None or temp > threshold:
            return
        episode.freeze_flagged = True
        key = make_key(self.facility, self.unit, FREEZE_EXPOSURE, episode.start_ns)
        out.append(FreezeExposureDetected(key, self.facility, self.unit, episode.key, t, temp))

    def _late(self, reading: Reading, out: list[Event]) -> None:
        episode = self._episode
        t = reading.device_time_ns
        if episode is None or t < episode.start_ns:
            self.counters.late_ignored += 1
            return
        temp = reading.temperature_c
        if not episode.insert_late(t, temp, reading.sensor_id):
            self.counters.replayed += 1
            return
        self.counters.late_in_episode += 1
        self._freeze_signal(episode, t, temp, out)

    def _to_episode(self, episode: OpenEpisode, end_ns: int, *, closed: bool) -> Episode:
        return episode.to_episode(
            end_ns,
            closed=closed,
            profile=self.config.profile,
            cover_ns=self._cover_ns,
            rules=self.config.rules,
            delta_h_over_r_k=self.config.delta_h_over_r_k,
        )


def _default_config(facility: str, unit: str) -> UnitConfig:
    return FRIDGE_DEFAULTS


class Detector:
    """Detection for every storage unit: the hook the ingest pipeline calls per batch."""

    __slots__ = ("_config_for", "_units")

    def __init__(self, config_for: Callable[[str, str], UnitConfig] | None = None) -> None:
        """``config_for(facility, unit)`` is asked once per unit, at its first reading
        (default: the ``2-8`` profile with its default rules for every unit)."""
        self._config_for = config_for or _default_config
        self._units: dict[str, dict[str, UnitDetector]] = {}

    def observe(self, readings: Iterable[Reading]) -> list[Event]:
        """Events caused by a batch, in device-time order within each unit."""
        out: list[Event] = []
        units = self._units
        for reading in sorted(readings, key=_ARRIVAL_ORDER):
            by_unit = units.get(reading.facility)
            if by_unit is None:
                by_unit = units[reading.facility] = {}
            detector = by_unit.get(reading.unit)
            if detector is None:
                detector = by_unit[reading.unit] = self._make(reading.facility, reading.unit)
            detector.observe(reading, out)
        return out

    def unit(self, facility: str, unit: str) -> UnitDetector | None:
        return self._units.get(facility, {}).get(unit)

    def adopt(self, detector: UnitDetector) -> None:
        """Detect the unit with ``detector`` from now on (one resumed from its state)."""
        self._units.setdefault(detector.facility, {})[detector.unit] = detector

    def units(self) -> list[UnitDetector]:
        return [d for by_unit in self._units.values() for d in by_unit.values()]

    def counters(self) -> DetectorCounters:
        total = DetectorCounters()
        for detector in self.units():
            total.add(detector.counters)
        return total

    def _make(self, facility: str, unit: str) -> UnitDetector:
        return UnitDetector(facility, unit, self._config_for(facility, unit))
