"""The daily summary of one storage unit: the Fridge-tag record (domain rule 7).

A pure function of the unit's readings around one *local* day: the day runs from local
midnight to the next local midnight in the unit's IANA time zone, so it is 23 or 25 hours
long across a DST change (a midnight that does not exist starts the day at the transition).
The reading before midnight covers the first minutes (``tally``); readings may come in any
order and replayed ones count once (unique by sensor and device time).

Invariant: covered minutes + unknown minutes = the day's length in minutes (or up to
``until_ns`` for a day still in progress). Alarm flags are the ids of the rules whose
``AlarmRaised.fired_at_ns`` falls inside the day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.detect.config import FRIDGE_DEFAULTS, UnitConfig
from ingest.detect.errors import UnknownTimeZone
from ingest.detect.events import AlarmRaised
from ingest.detect.rules import NS_PER_MINUTE
from ingest.detect.tally import Thresholds, tally
from ingest.readings import Reading

WHO_FREEZE_C = -0.5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DailySummary:
    day: date
    time_zone: str
    start_ns: int  # local midnight, as UTC nanoseconds
    end_ns: int  # next local midnight (or until_ns for a day in progress)
    length_minutes: float  # 1440, or 1380 / 1500 across DST changes
    reading_count: int
    min_c: float | None
    min_at_ns: int | None
    max_c: float | None
    max_at_ns: int | None
    mean_c: float | None  # time-weighted over covered minutes
    mkt_c: float | None
    minutes_above: float  # strictly above the profile's high bound (+8 for 2-8)
    minutes_below: float  # strictly below the profile's low bound (+2 for 2-8)
    minutes_at_or_below_freeze: float  # at or below −0.5 °C by default
    unknown_minutes: float  # no reading held: before the first one, and gaps
    alarms: tuple[str, ...]  # ids of the rules that fired this day, sorted


def day_bounds(day: date, time_zone: str) -> tuple[int, int]:
    """[start, end) of a local day in UTC nanoseconds."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(time_zone) from None
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return _ns(start), _ns(end)


def summarise_day(
    readings: Iterable[Reading],
    day: date,
    time_zone: str,
    *,
    before: Reading | None = None,
    config: UnitConfig | None = None,
    alarms: Iterable[AlarmRaised] = (),
    until_ns: int | None = None,
    freeze_c: float = WHO_FREEZE_C,
) -> DailySummary:
    """Summarise one unit's local ``day`` from its readings and the reading before it.

    ``config`` gives the profile (minutes above / below its range), the reporting interval
    (gaps) and ΔH/R; by default a ``2-8`` unit reporting every 600 s.

    ``readings`` may hold readings from outside the day: the latest one before midnight is
    used like ``before``, later ones are ignored.
    """
    config = config or FRIDGE_DEFAULTS
    start, end = day_bounds(day, time_zone)
    if until_ns is not None:
        end = min(end, max(start, until_ns))
    series = _series(readings, before, start, end)
    limits = Thresholds(
        config.profile.low_c, config.profile.high_c, freeze_c, config.delta_h_over_r_k
    )
    times = [r.device_time_ns for r in series]
    temps = [r.temperature_c for r in series]
    stats = tally(times, temps, start, end, config.cover_ns, limits)
    fired = sorted({a.rule.id for a in alarms if start <= a.fired_at_ns < end})
    return DailySummary(
        day=day,
        time_zone=time_zone,
        start_ns=start,
        end_ns=end,
        length_minutes=(end - start) / NS_PER_MINUTE,
        reading_count=stats.reading_count,
        min_c=stats.min_c,
        min_at_ns=stats.min_at_ns,
        max_c=stats.max_c,
        max_at_ns=stats.max_at_ns,
        mean_c=stats.mean_c,
        mkt_c=stats.mkt_c,
        minutes_above=stats.above_ns / NS_PER_MINUTE,
        minutes_below=stats.below_ns / NS_PER_MINUTE,
        minutes_at_or_below_freeze=stats.freezing_ns / NS_PER_MINUTE,
        unknown_minutes=stats.unknown_ns / NS_PER_MINUTE,
        alarms=tuple(fired),
    )


def _series(
    readings: Iterable[Reading], before: Reading | None, start: int, end: int
) -> list[Reading]:
    """The day's readings sorted and unique by (device time, sensor), after the latest
    reading before ``start``."""
    candidates = [r for r in readings if r.device_time_ns < end]
    if before is not None:
        candidates.append(before)
    candidates.sort(key=lambda r: (r.device_time_ns, r.sensor_id))
    series: list[Reading] = []
    for r in candidates:
        if series and (series[-1].device_time_ns, series[-1].sensor_id) == (
            r.device_time_ns,
            r.sensor_id,
        ):
            continue
        if r.device_time_ns < start:
            series.clear()  # only the latest reading before the day matters
        series.append(r)
    return series


def _ns(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
