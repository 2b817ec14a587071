"""Excursion episodes (domain rule 2): one run of out-of-range readings of a storage unit.

An episode opens at the first out-of-range reading (in device-time order) and closes at the
first in-range reading after it; ``end_ns`` is that reading's time, so duration = end − start
= covered + unknown minutes. Statistics are time-weighted (``weighting``) over [start, end).

Invariants: an ``OpenEpisode`` holds its readings sorted by device time with no two of the
same (sensor, device time), so a replayed reading is never counted twice; late readings that
fall inside the open episode are inserted in place (they refine the statistics, they never
open, close or extend an episode). An ``Episode`` value is final once emitted.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingest.detect.profiles import Profile
from ingest.detect.rules import NS_PER_MINUTE, Rule
from ingest.detect.tally import Thresholds, tally


@dataclass(frozen=True, slots=True)
class Episode:
    key: str
    facility: str
    unit: str
    profile: str
    start_ns: int
    end_ns: int | None  # None while the episode is still open (a snapshot)
    duration_minutes: float  # to end_ns, or to the newest reading while open
    min_c: float
    min_at_ns: int
    max_c: float
    max_at_ns: int
    mean_c: float  # time-weighted over covered time
    mkt_c: float  # mean kinetic temperature over covered time
    minutes_above: float  # covered minutes strictly above the profile's range
    minutes_below: float  # covered minutes strictly below the profile's range
    unknown_minutes: float  # gap time inside the episode
    freeze_exposed: bool  # some reading at or below the profile's freeze-signal threshold
    reading_count: int
    late_reading_count: int  # of reading_count, readings that arrived out of order
    alarm_keys: tuple[str, ...]  # alarms raised while the episode was open
    rules: tuple[Rule, ...]  # the rules in force (a snapshot of the unit's configuration)


class OpenEpisode:
    """The mutable record of the episode in progress; ``close`` turns it into an ``Episode``."""

    __slots__ = (
        "alarm_keys",
        "facility",
        "freeze_flagged",
        "key",
        "late_count",
        "sensors",
        "start_ns",
        "temps",
        "times",
        "unit",
    )

    def __init__(self, key: str, facility: str, unit: str, start_ns: int) -> None:
        self.key = key
        self.facility = facility
        self.unit = unit
        self.start_ns = start_ns
        self.times = array("q")
        self.temps = array("d")
        self.sensors: list[str] = []
        self.freeze_flagged = False
        self.late_count = 0
        self.alarm_keys: list[str] = []

    def append(self, t_ns: int, temperature_c: float, sensor: str) -> None:
        """An in-order reading (never older than the last one appended)."""
        self.times.append(t_ns)
        self.temps.append(temperature_c)
        self.sensors.append(sensor)

    def holds(self, t_ns: int, sensor: str) -> bool:
        """True if the episode has this sensor's reading at that device time."""
        j = bisect_left(self.times, t_ns)
        while j < len(self.times) and self.times[j] == t_ns:
            if self.sensors[j] == sensor:
                return True
            j += 1
        return False

    def insert_late(self, t_ns: int, temperature_c: float, sensor: str) -> bool:
        """Insert an out-of-order reading in place; False if it is a replay."""
        i = bisect_left(self.times, t_ns)
        j = i
        while j < len(self.times) and self.times[j] == t_ns:
            if self.sensors[j] == sensor:
                return False
            j += 1
        self.times.insert(j, t_ns)
        self.temps.insert(j, temperature_c)
        self.sensors.insert(j, sensor)
        self.late_count += 1
        return True

    def state(self) -> dict[str, Any]:
        """The episode so far as plain data (JSON-safe); ``from_state`` takes it back."""
        return {
            "key": self.key,
            "start_ns": self.start_ns,
            "times": list(self.times),
            "temps": list(self.temps),
            "sensors": list(self.sensors),
            "freeze_flagged": self.freeze_flagged,
            "late_count": self.late_count,
            "alarm_keys": list(self.alarm_keys),
        }

    @classmethod
    def from_state(cls, facility: str, unit: str, state: Mapping[str, Any]) -> OpenEpisode:
        episode = cls(state["key"], facility, unit, state["start_ns"])
        episode.times = array("q", state["times"])
        episode.temps = array("d", state["temps"])
        episode.sensors = list(state["sensors"])
        episode.freeze_flagged = state["freeze_flagged"]
        episode.late_count = state["late_count"]
        episode.alarm_keys = list(state["alarm_keys"])
        return episode

    def to_episode(
        self,
        end_ns: int,
        *,
        closed: bool,
        profile: Profile,
        cover_ns: int,
        rules: tuple[Rule, ...],
        delta_h_over_r_k: float,
    ) -> Episode:
        limits = Thresholds(profile.low_c, profile.high_c, -math.inf, delta_h_over_r_k)
        stats = tally(
            self.times, self.temps, self.start_ns, end_ns, cover_ns, limits, include_end=True
        )
        assert stats.min_c is not None and stats.max_c is not None
        assert stats.mean_c is not None and stats.mkt_c is not None
        assert stats.min_at_ns is not None and stats.max_at_ns is not None
        return Episode(
            key=self.key,
            facility=self.facility,
            unit=self.unit,
            profile=profile.name,
            start_ns=self.start_ns,
            end_ns=end_ns if closed else None,
            duration_minutes=(end_ns - self.start_ns) / NS_PER_MINUTE,
            min_c=stats.min_c,
            min_at_ns=stats.min_at_ns,
            max_c=stats.max_c,
            max_at_ns=stats.max_at_ns,
            mean_c=stats.mean_c,
            mkt_c=stats.mkt_c,
            minutes_above=stats.above_ns / NS_PER_MINUTE,
            minutes_below=stats.below_ns / NS_PER_MINUTE,
            unknown_minutes=stats.unknown_ns / NS_PER_MINUTE,
            freeze_exposed=self.freeze_flagged,
            reading_count=len(self.times),
            late_reading_count=self.late_count,
            alarm_keys=tuple(self.alarm_keys),
            rules=rules,
        )
