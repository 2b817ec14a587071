"""What detection tells the rest of the system: past-tense events with deterministic keys.

Every event carries ``key`` = ``"{facility}/{unit}/{rule id or kind}/{start device time ns}"``:
derived only from device-time facts, so a replay, or a detector rebuilt from the same
readings, produces the same key, and ``(kind, key)`` can be stored idempotently (an upsert
or an insert that ignores conflicts). ``AlarmRaised`` and its ``AlarmCleared`` share the
alarm's key; ``ExcursionStarted``, ``ExcursionEnded`` and ``FreezeExposureDetected`` share
the episode's start time. Clearing never depends on acknowledgement: acknowledgement is not
an input of detection at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from ingest.detect.episodes import Episode
from ingest.detect.rules import Rule, Severity

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def make_key(facility: str, unit: str, kind: str, start_ns: int) -> str:
    """The identity of an episode or alarm: stable across replays and rebuilds."""
    return f"{facility}/{unit}/{kind}/{start_ns}"


def to_utc(t_ns: int) -> datetime:
    """An aware UTC datetime from nanoseconds since the epoch (microsecond precision)."""
    return _EPOCH + timedelta(microseconds=t_ns // 1000)


class Direction(StrEnum):
    ABOVE = "above"
    BELOW = "below"


@dataclass(frozen=True, slots=True)
class ExcursionStarted:
    kind: ClassVar[str] = "excursion_started"
    key: str
    facility: str
    unit: str
    profile: str
    start_ns: int
    temperature_c: float
    direction: Direction


@dataclass(frozen=True, slots=True)
class ExcursionEnded:
    kind: ClassVar[str] = "excursion_ended"
    key: str
    episode: Episode


@dataclass(frozen=True, slots=True)
class FreezeExposureDetected:
    """Once per episode: a reading at or below the profile's freeze-signal threshold (0 °C
    for ``2-8``). The ledger quarantines freeze-sensitive products on it (domain rule 16)."""

    kind: ClassVar[str] = "freeze_exposure_detected"
    key: str
    facility: str
    unit: str
    episode_key: str
    at_ns: int
    temperature_c: float


@dataclass(frozen=True, slots=True)
class AlarmRaised:
    kind: ClassVar[str] = "alarm_raised"
    key: str
    facility: str
    unit: str
    rule: Rule  # snapshot of the rule as configured when it fired
    start_ns: int  # continuous: first reading of the run; cumulative: earliest counted time
    fired_at_ns: int  # the reading that made the rule true
    peak_c: float  # hottest (ABOVE rules) or coldest (AT_OR_BELOW rules) reading counted
    unknown_minutes: float  # gap time counted toward the rule (elapsed time counts)
    episode_key: str | None  # the excursion open when it fired (None: fired in range)

    @property
    def severity(self) -> Severity:
        return self.rule.severity


@dataclass(frozen=True, slots=True)
class AlarmCleared:
    kind: ClassVar[str] = "alarm_cleared"
    key: str  # the key of the AlarmRaised it clears
    facility: str
    unit: str
    rule_id: str
    start_ns: int
    cleared_at_ns: int  # the reading that showed the cause gone
    temperature_c: float


Event = ExcursionStarted | ExcursionEnded | FreezeExposureDetected | AlarmRaised | AlarmCleared


def event_id(event: Event) -> str:
    """Unique per event and stable across replays: the idempotency key for persistence."""
    return f"{event.kind}:{event.key}"
