"""Late readings revise the stored excursion in place (domain rule 4): one row per episode
and per alarm, whatever order the readings came in.

A replay in device order (``AlarmRecorder``, after ``UnitDetector.revises_past``) names an
episode or an alarm after its start time; a late reading that moves the start earlier gives
a new name to an excursion already stored. ``Revisions`` matches each such event to the row
of the same excursion — the same unit (and rule, for alarms) with an overlapping span — and
revises that row instead of inserting a second one.

Invariants:

- **Identity is kept.** A stored row keeps its id and its key (notice ids, quarantine
  references and ``alarms.episode_key`` are built from it); only its figures change. The
  batch's later events, and the live detector (``UnitDetector.rename``), carry the stored
  key from then on (``names``).
- **No second notice, no second escalation.** A revision queues no RAISED follow-up and does
  not touch ``recorded_at``, ``last_notified_at``, ``escalation_level`` or the
  acknowledgements. A revised window resets the exposure (``exposed_lots`` NULL), so the
  settle job reads it again; quarantine cites the same reference, so the ledger holds only
  the lots the wider window adds (nothing is held twice).
- **Only a replay that knows at least as much revises** (``may_revise``): its span starts no
  later than the stored one, or after the first reading it replayed (it was not cut short
  where its replay began). A shorter view of an excursion is matched, never written.
- A row is matched by one event of a batch at most; stored rows the replay does not
  reproduce are left as they are (a late reading never withdraws an alarm).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from ingest.alarms.records import rule_to_dict
from ingest.alarms.repository import AlarmRepository
from ingest.detect import (
    AlarmCleared,
    AlarmRaised,
    Event,
    ExcursionEnded,
    ExcursionStarted,
    FreezeExposureDetected,
    to_utc,
)
from ingest.models import AlarmRow, ExcursionEpisodeRow

# Closing figures a replay may revise; late_reading_count says how readings arrived, which
# a replay in device order cannot know, so the stored count stays.
_EPISODE_FIGURES = (
    "start_at",
    "end_at",
    "duration_minutes",
    "min_c",
    "min_at",
    "max_c",
    "max_at",
    "mean_c",
    "mkt_c",
    "minutes_above",
    "minutes_below",
    "unknown_minutes",
    "reading_count",
)
_Row = TypeVar("_Row", ExcursionEpisodeRow, AlarmRow)
_ALARM_FIGURES = ("started_at", "raised_at", "peak_c", "unknown_minutes", "episode_key", "rule")


# --- the rules (pure) ---


def overlaps(
    a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None
) -> bool:
    """Two half-open spans [start, end) share a moment; an end of None is still open."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def may_revise(new_start_ns: int, stored_start: datetime, replay_from_ns: int) -> bool:
    """A replay's view may replace the stored one when it starts no later, or when the
    replay saw readings before it (so the excursion was not cut where the replay began)."""
    new_start = to_utc(new_start_ns)
    return new_start <= stored_start or replay_from_ns < new_start_ns


def changed(stored: Mapping[str, object], new: Mapping[str, object]) -> dict[str, object]:
    """The columns of ``new`` whose value differs from the stored one."""
    return {name: value for name, value in new.items() if stored.get(name) != value}


def renamed(event: Event, names: Mapping[str, str]) -> Event:
    """The event with every key it carries in its stored name."""
    if not names:
        return event
    if isinstance(event, ExcursionStarted | AlarmCleared):
        return replace(event, key=names.get(event.key, event.key))
    if isinstance(event, AlarmRaised):
        episode = event.episode_key
        return replace(
            event,
            key=names.get(event.key, event.key),
            episode_key=None if episode is None else names.get(episode, episode),
        )
    if isinstance(event, FreezeExposureDetected):
        return replace(event, episode_key=names.get(event.episode_key, event.episode_key))
    episode_key = names.get(event.key, event.key)
    return replace(
        event,
        key=episode_key,
        episode=replace(
            event.episode,
            key=episode_key,
            alarm_keys=tuple(names.get(k, k) for k in event.episode.alarm_keys),
        ),
    )


def spans(events: Iterable[Event]) -> dict[str, int]:
    """Where each episode and alarm of a batch ends (key → device time): the reading that
    closed or cleared it; the ones still open are left out."""
    ends: dict[str, int] = {}
    for event in events:
        if isinstance(event, ExcursionEnded) and event.episode.end_ns is not None:
            ends[event.key] = event.episode.end_ns
        elif isinstance(event, AlarmCleared):
            ends[event.key] = event.cleared_at_ns
    return ends


# --- applying them to the stored rows (inside the batch's transaction) ---


class Revisions:
    """Matches one batch's events to stored rows and revises those rows in place."""

    def __init__(self, repo: AlarmRepository, events: Iterable[Event]) -> None:
        self._repo = repo
        self._ends = spans(events)
        self.names: dict[str, str] = {}  # detector key → stored key (this batch)
        self._claimed: set[str] = set()

    def name(self, event: Event) -> Event:
        return renamed(event, self.names)

    def episode_started(self, event: ExcursionStarted, replay_from_ns: int) -> bool:
        """True if the episode is stored already (under its key or another): nothing to
        insert. Otherwise the caller inserts it."""
        if self._repo.episode_by_key(event.key) is not None:
            self._claimed.add(event.key)
            return True
        row = self._match_episode(event.facility, event.unit, event.key, event.start_ns)
        if row is None:
            return False
        if may_revise(event.start_ns, row.start_at, replay_from_ns):
            start = to_utc(event.start_ns)
            if start != row.start_at:
                self._repo.revise_episode(
                    row.id, {"start_at": start, "direction": event.direction.value}
                )
        return True

    def episode_ended(
        self, event: ExcursionEnded, values: Mapping[str, object], replay_from_ns: int
    ) -> tuple[bool, int | None]:
        """An episode that did not close under its own key: (stored at all, the id of the
        row closed or revised now, if any). A row of the same excursion under another name
        is closed if still open and revised if a replay knows it better."""
        episode = event.episode
        row = self._repo.episode_by_key(episode.key)
        if row is None:
            row = self._match_episode(episode.facility, episode.unit, episode.key, episode.start_ns)
        if row is None:
            return False, None
        new = dict(values)
        if may_revise(episode.start_ns, row.start_at, replay_from_ns):
            new["start_at"] = to_utc(episode.start_ns)
        elif row.end_at is not None:
            return True, None
        if row.end_at is None:
            return True, self._repo.close_episode(row.key, new)
        figures = changed(_columns(row, _EPISODE_FIGURES), _only(new, _EPISODE_FIGURES))
        if not figures:
            return True, None
        return True, self._repo.revise_episode(row.id, {**figures, "exposed_lots": None})

    def alarm_raised(self, event: AlarmRaised, replay_from_ns: int) -> bool:
        """True if the alarm is stored already (under its key or another): nothing to
        insert and nobody to tell again."""
        row = self._repo.alarm_by_key(event.key)
        if row is not None:
            self._claimed.add(event.key)
        else:
            end = self._ends.get(event.key)
            rows = self._repo.alarms_overlapping(
                event.facility,
                event.unit,
                event.rule.id,
                to_utc(event.start_ns),
                None if end is None else to_utc(end),
            )
            row = self._claim(event.key, rows)
        if row is None:
            return False
        if may_revise(event.start_ns, row.started_at, replay_from_ns):
            new: dict[str, object] = {
                "started_at": to_utc(event.start_ns),
                "raised_at": to_utc(event.fired_at_ns),
                "peak_c": event.peak_c,
                "unknown_minutes": event.unknown_minutes,
                "episode_key": event.episode_key,
                "rule": rule_to_dict(event.rule),
            }
            figures = changed(_columns(row, _ALARM_FIGURES), new)
            if figures:
                window = {"started_at", "raised_at", "episode_key"} & figures.keys()
                self._repo.revise_alarm(row.id, {**figures, **_unknown_exposure(window)})
        return True

    def alarm_cleared_again(self, event: AlarmCleared) -> None:
        """An alarm cleared already: a replay may know the reading that cleared it earlier."""
        row = self._repo.alarm_by_key(event.key)
        if row is None or row.cleared_at is None:
            return
        cleared = to_utc(event.cleared_at_ns)
        if cleared != row.cleared_at:
            self._repo.revise_alarm(row.id, {"cleared_at": cleared})

    def _match_episode(
        self, facility: str, unit: str, key: str, start_ns: int
    ) -> ExcursionEpisodeRow | None:
        end = self._ends.get(key)
        rows = self._repo.episodes_overlapping(
            facility, unit, to_utc(start_ns), None if end is None else to_utc(end)
        )
        return self._claim(key, rows)

    def _claim(self, key: str, rows: list[_Row]) -> _Row | None:
        for row in rows:  # the first recorded keeps the excursion's identity
            if row.key not in self._claimed:
                self._claimed.add(row.key)
                self.names[key] = row.key
                return row
        return None


def _columns(row: object, names: Iterable[str]) -> dict[str, object]:
    return {name: getattr(row, name) for name in names}


def _only(values: Mapping[str, object], names: Iterable[str]) -> dict[str, object]:
    return {name: values[name] for name in names if name in values}


def _unknown_exposure(window: set[str]) -> dict[str, object]:
    """A moved window: the exposure is read again by the settle job (no notice)."""
    return {"exposed_lots": None} if window else {}
