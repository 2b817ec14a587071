"""The detection stage of the ingest pipeline: detect, persist, hand off (``AlarmRecorder``).

Data flow for each decoded batch (``observe``, called by ``ingest.pipeline`` before the sink
write, in the pipeline thread):

1. group the readings by (facility, unit); the units seen for the first time get, together
   (one directory lookup, one state query, one open-episode query, one readings query per
   chunk of units), their detection configuration from the ``UnitDirectory`` and detectors
   resumed from their saved state plus the stored readings after it (``ReadingSource``),
   or, without a usable state, rebuilt by replaying the stored readings from the longest
   rule window (+ one gap) before the batch — earlier if an episode or temperature alarm of
   the unit is still open, so that its key is reproduced (at most ``max_replay`` back);
2. the pure ``Detector`` turns the readings into events;
3. ONE transaction stores them (episodes opened/closed, freeze exposure flagged, alarms
   raised/cleared; a late reading's replay revises the rows of the same excursion in place,
   ``ingest.alarms.revisions``) with the newest device time per sensor
   (``sensor_last_seen``, written at most every ``last_seen_every_s``) and, for what
   actually changed in it (not for replays or revisions), one ``alarm_follow_ups`` row each,
   and the detector states (``detector_states``) of the units those rows are about (of the
   other units that moved: every ``state_every_s``, a few at a time);
4. after the commit, the follow-up worker is woken (``ingest.alarms.follow_ups``): exposure
   from the ``LedgerPort`` → the RAISED notice (with the exposed lots) → quarantine; CLEARED
   notices; exposure and quarantine of closed and freeze-exposed episodes. It runs on its
   own thread, after the batch is acknowledged: a slow or locked ledger never holds up an
   MQTT acknowledgement. Without a worker (``wake=None``: tests, tools) the recorder drains
   the follow-ups itself, at once.

Why before the sink write: detection adds microseconds per reading and the write after it
does not delay the notice. A reading that is detected but whose write then fails is
redelivered and observed again: the unique keys make that harmless, as they make the replay
harmless.

Invariants: the same event never changes a row twice (repository); a notice or a quarantine
follows only a change this recorder committed; if storing a batch fails, the detectors of its
units are forgotten and rebuilt from the store at their next reading (the pipeline writes
the batch anyway), so no event is lost to a database hiccup.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ingest.alarms.follow_ups import FollowUpRunner
from ingest.alarms.ports import (
    LedgerPort,
    Notifier,
    ReadingSource,
    UnitDirectory,
    UnitInfo,
)
from ingest.alarms.records import (
    closed_episode_values,
    episode_scope,
    full_episode_values,
    longest_window_minutes,
    raised_alarm_values,
    started_episode_values,
)
from ingest.alarms.revisions import Revisions
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.detect import (
    FRIDGE_DEFAULTS,
    AlarmCleared,
    AlarmRaised,
    Detector,
    Event,
    ExcursionEnded,
    ExcursionStarted,
    FreezeExposureDetected,
    UnitConfig,
    UnitDetector,
    to_utc,
)
from ingest.readings import Reading
from ingest.registry import to_ns

log = logging.getLogger(__name__)

NS_PER_MINUTE = 60_000_000_000
_FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)
UnitKey = tuple[str, str]  # (facility code, unit code)
_REPLAY_CHUNK = 200  # units per replay query
_REPLAY_SPREAD_NS = 3_600_000_000_000  # starts of one replay query lie within an hour
_STATES_PER_BATCH = 100  # periodic state saves per batch (each ~0.2 ms)


@dataclass(frozen=True, slots=True)
class _Change:
    """Something the batch's transaction changed, to act on after the commit."""

    kind: str  # raised | cleared | freeze | ended
    row_id: int


class AlarmRecorder:
    """Implements ``ingest.pipeline.Detector`` (``observe(readings) -> None``)."""

    def __init__(
        self,
        uow: AlarmsUnitOfWork,
        units: UnitDirectory,
        ledger: LedgerPort,
        notifier: Notifier,
        history: ReadingSource | None = None,
        *,
        max_replay: timedelta = timedelta(days=14),
        last_seen_every_s: float = 5.0,
        state_every_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow
        self._units = units
        # The follow-up worker's wake-up; None: drain the follow-ups here, after each commit.
        self._wake = wake or FollowUpRunner(uow, units, ledger, notifier).drain
        self._history = history
        self._max_replay_ns = max_replay // timedelta(microseconds=1) * 1000
        self._last_seen_every_s = last_seen_every_s
        self._monotonic = monotonic
        self._detectors: dict[UnitKey, Detector] = {}
        self._configs: dict[str, UnitConfig] = {}
        self._seen: dict[str, tuple[str, str, int]] = {}  # sensor -> facility, unit, newest ns
        self._seen_flushed_at = float("-inf")
        self._state_every_s = state_every_s
        self._dirty: set[UnitKey] = set()  # units whose detector moved since its state was saved
        self._saved_at: dict[UnitKey, float] = {}  # monotonic time each state was saved

    # --- the pipeline's hook ---

    def observe(self, readings: Sequence[Reading]) -> None:
        groups: dict[UnitKey, list[Reading]] = {}
        for r in readings:
            groups.setdefault((r.facility, r.unit), []).append(r)
        try:
            events: list[Event] = []
            unseen = {
                key: min(r.device_time_ns for r in group)
                for key, group in groups.items()
                if key not in self._detectors
            }
            if unseen:
                self._rebuild(unseen, events)
            for key, group in groups.items():
                unit = self._detectors[key].unit(*key)
                if (
                    self._history is not None
                    and unit is not None
                    and any(unit.revises_past(r) for r in group)
                ):
                    events.extend(self._replay_backfill(key, group, unit.active_alarms()))
                else:
                    events.extend(self._detectors[key].observe(group))
            self._note_seen(readings)
            self._dirty.update(groups)
            changes = self._store(events)
        except Exception:
            for key in groups:  # rebuilt from the store (which will hold this batch) next time
                self._detectors.pop(key, None)
            raise
        if changes:
            try:
                self._wake()
            except Exception:  # the rows are pending: the worker's next turn does them
                log.exception("alarm follow-ups of this batch not done now; pending")

    def forget(self, facility: str, unit: str) -> None:
        """Drop a unit's detector (its configuration changed): rebuilt at its next reading."""
        self._detectors.pop((facility, unit), None)
        self._configs.pop(unit, None)

    # --- detectors: configuration and recovery by replay ---

    def _config(self, unit: str) -> UnitConfig:
        config = self._configs.get(unit)
        if config is None:
            config = self._configs[unit] = _unit_config(unit, self._units.unit(unit))
        return config

    def _load_configs(self, units: set[str]) -> None:
        """The configurations of units not cached yet, from ONE directory lookup."""
        missing = [unit for unit in sorted(units) if unit not in self._configs]
        if missing:
            found = self._units.units_of(missing)
            for unit in missing:
                self._configs[unit] = _unit_config(unit, found.get(unit))

    def _rebuild(self, unseen: dict[UnitKey, int], events: list[Event]) -> None:
        """Detectors for the units first seen in this batch (key → its first device time):
        resumed from their saved state plus the stored readings after it, or (no state, or
        one saved under another configuration) replayed from the store's look-back. One
        directory lookup, one state query, one open-episode query and one readings query
        per ``_REPLAY_CHUNK`` units, whatever their number."""
        self._load_configs({unit for _, unit in unseen})
        with self._uow:
            saved = self._uow.repo.detector_states_of(sorted({unit for _, unit in unseen}))
        detectors: dict[UnitKey, Detector] = {}
        resumed: dict[UnitKey, int] = {}  # key → the newest device time its state had seen
        for key in unseen:
            config = self._configs[key[1]]
            detectors[key] = Detector(_fixed(config))
            state = saved.get(key)
            unit = None if state is None else UnitDetector.resume(*key, config, state)
            if unit is not None:
                detectors[key].adopt(unit)
                resumed[key] = unit.newest_ns
        if self._history is not None:
            for key, past in self._replays(unseen, resumed).items():
                events.extend(detectors[key].observe(past))
                how = "its saved state and" if key in resumed else "replaying"
                log.info(
                    "rebuilt detection of %s/%s from %s %d stored readings", *key, how, len(past)
                )
        self._detectors.update(detectors)

    def _replay_backfill(
        self, key: UnitKey, group: list[Reading], active: tuple[str, ...]
    ) -> list[Event]:
        """A batch whose late readings revise the unit's past (``UnitDetector.revises_past``:
        a device's backlog after its live readings): a new detector replays the stored
        readings and the batch in device order. Its events are matched to the stored rows of
        the same excursions and revise them in place (``revisions``), so only what the
        backlog reveals is new. With no alarm
        active the replay starts at a stored in-range reading, so no earlier episode is cut
        and re-keyed; with one active it starts where that alarm's run began (``_replays``),
        so its key is reproduced."""
        config = self._configs[key[1]]
        past = self._replays({key: min(r.device_time_ns for r in group)}).get(key, [])
        if not active:
            low, high = config.profile.low_c, config.profile.high_c
            start = next((i for i, r in enumerate(past) if low <= r.temperature_c <= high), None)
            past = [] if start is None else past[start:]
        detector = Detector(_fixed(config))
        events = detector.observe([*past, *group])
        self._detectors[key] = detector
        log.warning(
            "late readings of %s/%s revise its past: replayed %d stored readings and %d new",
            *key,
            len(past),
            len(group),
        )
        return events

    def _replays(
        self, unseen: dict[UnitKey, int], resumed: Mapping[UnitKey, int] | None = None
    ) -> dict[UnitKey, list[Reading]]:
        """The stored readings each unseen unit's detector must replay (non-empty only):
        from its saved state's newest device time when ``resumed``, else the look-back."""
        assert self._history is not None
        since = dict(resumed or {})
        rest = sorted({key[1] for key in unseen if key not in since})
        if rest:
            with self._uow:
                open_since = self._uow.repo.open_since_of(rest)
            for key, first_ns in unseen.items():
                if key not in since:
                    config = self._configs[key[1]]
                    since[key] = self._replay_from(first_ns, config, open_since.get(key[1]))
        past: dict[UnitKey, list[Reading]] = {}
        for start_ns, units in _replay_chunks(since):
            start = to_utc(start_ns)
            for r in self._history.raw_readings_of(units, start=start, end=_FAR_FUTURE):
                key = (r.facility, r.unit)
                # the same bound as a query of this unit alone (its start, to the µs)
                if key in since and r.device_time_ns >= since[key] // 1000 * 1000:
                    past.setdefault(key, []).append(r)
        return past

    def _replay_from(self, first_ns: int, config: UnitConfig, open_since: datetime | None) -> int:
        lookback_ns = round(longest_window_minutes(config.rules) * NS_PER_MINUTE) + config.gap_ns
        start_ns = first_ns if open_since is None else min(first_ns, to_ns(open_since))
        return max(start_ns - lookback_ns, first_ns - self._max_replay_ns)

    # --- persistence: one transaction per batch ---

    def _note_seen(self, readings: Sequence[Reading]) -> None:
        seen = self._seen
        for r in readings:
            known = seen.get(r.sensor_id)
            if known is None or known[2] < r.device_time_ns:
                seen[r.sensor_id] = (r.facility, r.unit, r.device_time_ns)

    def _store(self, events: list[Event]) -> list[_Change]:
        clock = self._monotonic()
        flush_seen = bool(self._seen) and clock - self._seen_flushed_at >= self._last_seen_every_s
        due = self._states_due(clock)
        if not events and not flush_seen and not due:
            return []
        changes: list[_Change] = []
        with self._uow as uow:
            now = uow.clock()
            revisions = Revisions(uow.repo, events)
            for event in events:
                change = self._apply(revisions.name(event), now, revisions)
                if change is not None:
                    changes.append(change)
            uow.repo.add_follow_ups([(c.kind, c.row_id) for c in changes], now)
            if revisions.names:  # the live detectors go on under the stored names
                for detector in self._detectors.values():
                    for unit in detector.units():
                        unit.rename(revisions.names)
            # the states of the units these rows are about, with them (and the rest at times)
            saved = due | units_of(events)
            uow.repo.save_detector_states(self._state_rows(saved, now))
            if flush_seen:
                uow.repo.record_last_seen(
                    [
                        {
                            "sensor_id": sensor,
                            "facility_code": facility,
                            "unit_code": unit,
                            "last_seen_ns": seen_ns,
                            "updated_at": now,
                        }
                        for sensor, (facility, unit, seen_ns) in self._seen.items()
                    ]
                )
            uow.commit()
        self._dirty -= saved
        for key in saved:
            self._saved_at[key] = clock
        if flush_seen:
            self._seen = {}
            self._seen_flushed_at = self._monotonic()
        return changes

    def _states_due(self, clock: float) -> set[UnitKey]:
        """Units that moved and whose state is older than ``state_every_s``: at most
        ``_STATES_PER_BATCH`` a batch, so saving thousands of states never stalls one batch."""
        due: set[UnitKey] = set()
        every, saved_at = self._state_every_s, self._saved_at
        for key in self._dirty:
            if clock - saved_at.get(key, -math.inf) >= every:
                due.add(key)
                if len(due) == _STATES_PER_BATCH:
                    break
        return due

    def _state_rows(self, keys: Iterable[UnitKey], now: datetime) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for key in sorted(keys):
            detector = self._detectors.get(key)
            unit = None if detector is None else detector.unit(*key)
            if unit is not None:
                rows.append(
                    {
                        "facility_code": key[0],
                        "unit_code": key[1],
                        "newest_ns": unit.newest_ns,
                        "state": unit.state(),
                        "updated_at": now,
                    }
                )
        return rows

    def _first_seen(self, facility: str, unit: str) -> int:
        """The first reading the unit's detector saw (where its replay began)."""
        detector = self._detectors.get((facility, unit))
        found = None if detector is None else detector.unit(facility, unit)
        return found.first_ns if found is not None else 0

    def _apply(self, event: Event, now: datetime, revisions: Revisions) -> _Change | None:
        repo = self._uow.repo
        if isinstance(event, ExcursionStarted):
            replay_from = self._first_seen(event.facility, event.unit)
            if not revisions.episode_started(event, replay_from):
                rules = self._config(event.unit).rules
                repo.insert_episode(started_episode_values(event, rules, now))
            return None
        if isinstance(event, AlarmRaised):
            if revisions.alarm_raised(event, self._first_seen(event.facility, event.unit)):
                return None
            return _change("raised", repo.insert_alarm(raised_alarm_values(event, now)))
        if isinstance(event, AlarmCleared):
            cleared = repo.clear_alarm(event.key, to_utc(event.cleared_at_ns), now)
            if cleared is None:
                revisions.alarm_cleared_again(event)
            return _change("cleared", cleared)
        if isinstance(event, FreezeExposureDetected):
            return _change(
                "freeze", repo.flag_freeze_exposure(event.episode_key, to_utc(event.at_ns))
            )
        return self._close(event, now, revisions)

    def _close(self, event: ExcursionEnded, now: datetime, revisions: Revisions) -> _Change | None:
        repo = self._uow.repo
        episode = event.episode
        values = closed_episode_values(episode)
        episode_id = repo.close_episode(episode.key, values)
        if episode_id is None:
            first_seen = self._first_seen(episode.facility, episode.unit)
            stored, episode_id = revisions.episode_ended(event, values, first_seen)
            if not stored:  # its start was never stored (e.g. a failed batch)
                episode_id = repo.insert_episode(full_episode_values(episode, now))
        if episode_id is None:
            return None
        scope = episode_scope(repo.severities_of(episode.alarm_keys), episode.freeze_exposed)
        repo.set_episode_scope(episode_id, scope)
        return _Change("ended", episode_id)


def _unit_config(unit: str, info: UnitInfo | None) -> UnitConfig:
    if info is None:
        log.warning("storage unit %r is not in the directory: detecting with 2-8", unit)
        return FRIDGE_DEFAULTS
    return UnitConfig.for_profile(
        info.profile, rules=info.rules, reporting_interval_s=info.reporting_interval_s
    )


def _fixed(config: UnitConfig) -> Callable[[str, str], UnitConfig]:
    return lambda _facility, _unit: config


def _replay_chunks(since: dict[UnitKey, int]) -> list[tuple[int, list[str]]]:
    """Units grouped for ``raw_readings_of``: (the earliest start of the group, its unit
    codes). A group holds at most ``_REPLAY_CHUNK`` units whose starts lie within
    ``_REPLAY_SPREAD_NS`` of each other, so no unit's query reaches much further back than
    its own replay would (one unit with an episode open for days gets its own query)."""
    earliest: dict[str, int] = {}
    for (_facility, unit), start_ns in since.items():
        earliest[unit] = min(start_ns, earliest.get(unit, start_ns))
    chunks: list[tuple[int, list[str]]] = []
    for unit, start_ns in sorted(earliest.items(), key=lambda item: (item[1], item[0])):
        last = chunks[-1] if chunks else None
        if last and len(last[1]) < _REPLAY_CHUNK and start_ns - last[0] <= _REPLAY_SPREAD_NS:
            last[1].append(unit)
        else:
            chunks.append((start_ns, [unit]))
    return chunks


def units_of(events: Iterable[Event]) -> set[UnitKey]:
    """The (facility, unit) of each event."""
    return {
        (e.episode.facility, e.episode.unit)
        if isinstance(e, ExcursionEnded)
        else (e.facility, e.unit)
        for e in events
    }


def _change(kind: str, row_id: int | None) -> _Change | None:
    return None if row_id is None else _Change(kind, row_id)
