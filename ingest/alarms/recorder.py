"""The detection stage of the ingest pipeline: detect, persist, hand off (``AlarmRecorder``).

Data flow for each decoded batch (``observe``, called by ``ingest.pipeline`` before the sink
write, in the pipeline thread):

1. group the readings by (facility, unit); a unit seen for the first time gets its detection
   configuration from the ``UnitDirectory`` and a detector rebuilt by replaying its stored
   readings (``ReadingSource``) from the longest rule window (+ one gap) before the batch —
   earlier if an episode or temperature alarm of the unit is still open, so that its key is
   reproduced (at most ``max_replay`` back);
2. the pure ``Detector`` turns the readings into events;
3. ONE transaction stores them (episodes opened/closed, freeze exposure flagged, alarms
   raised/cleared) with the newest device time per sensor (``sensor_last_seen``, written at
   most every ``last_seen_every_s``);
4. after the commit, for what actually changed in it (not for replays): exposure from the
   ``LedgerPort`` → the RAISED notice (with the exposed lots) → quarantine; CLEARED notices;
   exposure and quarantine of closed and freeze-exposed episodes.

Why before the sink write: the alarm latency budget (publish → webhook p99 < 1 s) is spent
in the batcher; detection adds microseconds per reading and the write after it does not
delay the notice. A reading that is detected but whose write then fails is redelivered and
observed again: the unique keys make that harmless, as they make the replay harmless.

Invariants: the same event never changes a row twice (repository); a notice or a quarantine
follows only a change this recorder committed; if storing a batch fails, the detectors of its
units are forgotten and rebuilt from the store at their next reading (the pipeline writes
the batch anyway), so no event is lost to a database hiccup.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ingest.alarms import exposure
from ingest.alarms.notices import build_notice
from ingest.alarms.policy import facilities_at
from ingest.alarms.ports import (
    AlarmNotice,
    ExposedLot,
    LedgerPort,
    NoticeKind,
    Notifier,
    ReadingSource,
    UnitDirectory,
)
from ingest.alarms.records import (
    closed_episode_values,
    episode_scope,
    full_episode_values,
    longest_window_minutes,
    raised_alarm_values,
    started_episode_values,
)
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.alarms.views import AlarmView, alarm_view
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
    to_utc,
)
from ingest.readings import Reading
from ingest.registry import to_ns

log = logging.getLogger(__name__)

NS_PER_MINUTE = 60_000_000_000
_FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)
UnitKey = tuple[str, str]  # (facility code, unit code)


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
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow
        self._units = units
        self._ledger = ledger
        self._notifier = notifier
        self._history = history
        self._max_replay_ns = max_replay // timedelta(microseconds=1) * 1000
        self._last_seen_every_s = last_seen_every_s
        self._monotonic = monotonic
        self._detectors: dict[UnitKey, Detector] = {}
        self._configs: dict[str, UnitConfig] = {}
        self._seen: dict[str, tuple[str, str, int]] = {}  # sensor -> facility, unit, newest ns
        self._seen_flushed_at = float("-inf")

    # --- the pipeline's hook ---

    def observe(self, readings: Sequence[Reading]) -> None:
        groups: dict[UnitKey, list[Reading]] = {}
        for r in readings:
            groups.setdefault((r.facility, r.unit), []).append(r)
        try:
            events: list[Event] = []
            for key, group in groups.items():
                detector = self._detectors.get(key)
                if detector is None:
                    first_ns = min(r.device_time_ns for r in group)
                    detector = self._rebuild(key, first_ns, events)
                events.extend(detector.observe(group))
            self._note_seen(readings)
            changes = self._store(events)
        except Exception:
            for key in groups:  # rebuilt from the store (which will hold this batch) next time
                self._detectors.pop(key, None)
            raise
        self._follow_up(changes)

    def forget(self, facility: str, unit: str) -> None:
        """Drop a unit's detector (its configuration changed): rebuilt at its next reading."""
        self._detectors.pop((facility, unit), None)
        self._configs.pop(unit, None)

    # --- detectors: configuration and recovery by replay ---

    def _config(self, unit: str) -> UnitConfig:
        config = self._configs.get(unit)
        if config is None:
            info = self._units.unit(unit)
            if info is None:
                log.warning("storage unit %r is not in the directory: detecting with 2-8", unit)
                config = FRIDGE_DEFAULTS
            else:
                config = UnitConfig.for_profile(
                    info.profile, rules=info.rules, reporting_interval_s=info.reporting_interval_s
                )
            self._configs[unit] = config
        return config

    def _rebuild(self, key: UnitKey, first_ns: int, events: list[Event]) -> Detector:
        facility, unit = key
        config = self._config(unit)
        detector = Detector(lambda _facility, _unit: config)
        if self._history is not None:
            since_ns = self._replay_from(unit, first_ns, config)
            past = self._history.raw_readings(unit, start=to_utc(since_ns), end=_FAR_FUTURE)
            mine = [r for r in past if r.facility == facility]
            if mine:
                events.extend(detector.observe(mine))
                log.info("rebuilt detection of %s/%s from %d stored readings", *key, len(mine))
        self._detectors[key] = detector
        return detector

    def _replay_from(self, unit: str, first_ns: int, config: UnitConfig) -> int:
        lookback_ns = round(longest_window_minutes(config.rules) * NS_PER_MINUTE) + config.gap_ns
        with self._uow:
            open_since = self._uow.repo.open_since(unit)
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
        flush_seen = bool(self._seen) and (
            self._monotonic() - self._seen_flushed_at >= self._last_seen_every_s
        )
        if not events and not flush_seen:
            return []
        changes: list[_Change] = []
        with self._uow as uow:
            now = uow.clock()
            for event in events:
                change = self._apply(event, now)
                if change is not None:
                    changes.append(change)
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
        if flush_seen:
            self._seen = {}
            self._seen_flushed_at = self._monotonic()
        return changes

    def _apply(self, event: Event, now: datetime) -> _Change | None:
        repo = self._uow.repo
        if isinstance(event, ExcursionStarted):
            rules = self._config(event.unit).rules
            repo.insert_episode(started_episode_values(event, rules, now))
            return None
        if isinstance(event, AlarmRaised):
            return _change("raised", repo.insert_alarm(raised_alarm_values(event, now)))
        if isinstance(event, AlarmCleared):
            return _change("cleared", repo.clear_alarm(event.key, to_utc(event.cleared_at_ns), now))
        if isinstance(event, FreezeExposureDetected):
            return _change(
                "freeze", repo.flag_freeze_exposure(event.episode_key, to_utc(event.at_ns))
            )
        return self._close(event, now)

    def _close(self, event: ExcursionEnded, now: datetime) -> _Change | None:
        repo = self._uow.repo
        episode = event.episode
        episode_id = repo.close_episode(episode.key, closed_episode_values(episode))
        if episode_id is None and repo.episode_by_key(episode.key) is None:
            episode_id = repo.insert_episode(full_episode_values(episode, now))
        if episode_id is None:
            return None
        scope = episode_scope(repo.severities_of(episode.alarm_keys), episode.freeze_exposed)
        repo.set_episode_scope(episode_id, scope)
        return _Change("ended", episode_id)

    # --- after the commit: ledger and notices ---

    def _follow_up(self, changes: list[_Change]) -> None:
        for change in changes:
            try:
                if change.kind == "raised":
                    exposure.settle_alarm(
                        self._uow, self._ledger, change.row_id, on_exposure=self._raised
                    )
                elif change.kind == "cleared":
                    self._cleared(change.row_id)
                else:
                    exposure.settle_episode(self._uow, self._ledger, change.row_id)
            except Exception:
                # The row is stored; the jobs retry exposure and quarantine, and re-notify.
                log.exception("follow-up of %s %d failed", change.kind, change.row_id)

    def _raised(self, alarm: AlarmView, lots: tuple[ExposedLot, ...] | None) -> None:
        notice = build_notice(
            alarm,
            NoticeKind.RAISED,
            occurred_at=alarm.raised_at,
            level=0,
            facilities=(alarm.facility,),
            lots=lots,
        )
        self._tell(notice)

    def _cleared(self, alarm_id: int) -> None:
        with self._uow as uow:
            row = uow.repo.alarm(alarm_id)
            if row is None:
                return
            alarm = alarm_view(row)
        chain = self._chain(alarm.facility) if alarm.escalation_level else []
        notice = build_notice(
            alarm,
            NoticeKind.CLEARED,
            occurred_at=alarm.cleared_at or alarm.raised_at,
            level=alarm.escalation_level,
            facilities=facilities_at(chain, alarm.escalation_level, alarm.facility),
        )
        self._tell(notice)

    def _chain(self, facility: str) -> list[str]:
        try:
            return list(self._units.escalation_chain(facility))
        except Exception:
            log.exception("escalation chain of %s unavailable; telling the facility only", facility)
            return []

    def _tell(self, notice: AlarmNotice) -> None:
        try:
            self._notifier.notify(notice)
        except Exception:
            log.exception("notifier refused notice %s", notice.notice_id)


def _change(kind: str, row_id: int | None) -> _Change | None:
    return None if row_id is None else _Change(kind, row_id)
