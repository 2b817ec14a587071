"""A storage unit's temperature chart (pure): the ranges offered, their bucket sizes, and
the data the page draws with uPlot (min and max per bucket, never only a mean, so a single
hot reading shows), the profile's band, the excursions to shade and the door and power
events (each one on 24 h and 7 d; counted per bucket on 30 d and 90 d, where a line per
event would cover the chart).

Bucket sizes keep every range at about 150–180 points, so the 90-day chart is as light as
the 24-hour one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ingest.alarms.views import EpisodeView
from ingest.sinks.base import Bucket

RANGES: dict[str, tuple[timedelta, int]] = {
    "24h": (timedelta(hours=24), 600),
    "7d": (timedelta(days=7), 3600),
    "30d": (timedelta(days=30), 4 * 3600),
    "90d": (timedelta(days=90), 12 * 3600),
}
DEFAULT_RANGE = "24h"
# Ranges whose door and power events are drawn one by one; the longer ones count them per
# bucket (``event_counts``). Either way they come from the readings' flags only
# (``TelemetryReader.flag_readings``), not from whole raw readings.
EACH_EVENT_RANGES = frozenset({"24h", "7d"})
# How often the unit page re-fetches its chart (``/units/{code}/chart``), seconds.
REFRESH_S = 60


class Flagged(Protocol):
    """A reading's door and power flags (a ``Reading`` or a ``FlagReading``)."""

    @property
    def device_time_ns(self) -> int: ...
    @property
    def door_open(self) -> bool | None: ...
    @property
    def power_on(self) -> bool | None: ...


@dataclass(frozen=True, slots=True)
class UnitEvent:
    at_s: int  # device time, seconds
    kind: str  # door_opened | door_closed | power_lost | power_back


@dataclass(frozen=True, slots=True)
class EventCount:
    """The door openings and power cuts that began in one bucket of a long range."""

    start_s: int
    door_openings: int
    power_cuts: int


def unit_events(readings: Sequence[Flagged]) -> list[UnitEvent]:
    """Where the door opened or closed and the power went or came back, from the flags the
    readings carry (a reading without a flag changes nothing)."""
    events: list[UnitEvent] = []
    door: bool | None = None
    power: bool | None = None
    for r in sorted(readings, key=lambda r: r.device_time_ns):
        at = r.device_time_ns // 1_000_000_000
        if r.door_open is not None and r.door_open != door:
            if door is not None or r.door_open:
                events.append(UnitEvent(at, "door_opened" if r.door_open else "door_closed"))
            door = r.door_open
        if r.power_on is not None and r.power_on != power:
            if power is not None or not r.power_on:
                events.append(UnitEvent(at, "power_back" if r.power_on else "power_lost"))
            power = r.power_on
    return events


def event_counts(events: Sequence[UnitEvent], every_s: int) -> list[EventCount]:
    """Door openings and power cuts per bucket of ``every_s`` seconds (aligned like the
    chart's buckets), buckets without either left out, in time order."""
    per: dict[int, list[int]] = {}
    for e in events:
        if e.kind in ("door_opened", "power_lost"):
            tally = per.setdefault(e.at_s // every_s * every_s, [0, 0])
            tally[0 if e.kind == "door_opened" else 1] += 1
    return [EventCount(start, doors, cuts) for start, (doors, cuts) in sorted(per.items())]


@dataclass(frozen=True, slots=True)
class ChartWindow:
    name: str
    start: datetime
    end: datetime
    every_s: int


def chart_window(name: str, now: datetime) -> ChartWindow:
    span, every = RANGES.get(name, RANGES[DEFAULT_RANGE])
    name = name if name in RANGES else DEFAULT_RANGE
    # Buckets aligned on their size, so that a refresh does not shift them.
    end_s = (int(now.timestamp()) // every + 1) * every
    end = datetime.fromtimestamp(end_s, tz=now.tzinfo)
    return ChartWindow(name, end - span, end, every)


def chart_data(
    window: ChartWindow,
    buckets: Sequence[Bucket],
    low_c: float,
    high_c: float,
    episodes: Sequence[EpisodeView],
    events: Sequence[UnitEvent] = (),
    counts: Sequence[EventCount] = (),
) -> dict[str, Any]:
    """What ``static/chart.js`` draws: x in seconds, min and max series, the band, the
    excursions' [start, end) in seconds (an open one ends at the window's end), the events
    (short ranges) or their counts per bucket (long ranges: start, door openings, power
    cuts, and the bucket's length)."""
    end_s = window.end.timestamp()
    return {
        "x": [b.start_ns // 1_000_000_000 for b in buckets],
        "min": [round(b.min_c, 2) for b in buckets],
        "max": [round(b.max_c, 2) for b in buckets],
        "low": low_c,
        "high": high_c,
        "start": window.start.timestamp(),
        "end": end_s,
        "excursions": [
            [
                max(e.start_at.timestamp(), window.start.timestamp()),
                e.end_at.timestamp() if e.end_at else end_s,
            ]
            for e in episodes
        ],
        "events": [[e.at_s, e.kind] for e in events],
        "counts": [[c.start_s, c.door_openings, c.power_cuts] for c in counts],
        "every": window.every_s,
    }
