"""How well a logger's readings cover a journey (the transport record, domain rule 27; pure).

The journey is the half-open device-time window ``[start_ns, end_ns)`` (dispatch to arrival).
The record says when the first and the last reading were against its ends, every *gap*
(silence longer than ``GAP_FACTOR`` × the logger's interval, rule 4: between two readings,
or from the start to the first, or from the last to the end), minimum and maximum, minutes
above and below the profile's range and unknown minutes (``tally``'s weighting: a reading
holds for at most its interval), and the mean kinetic temperature over covered time.

It *covers* the journey when the first reading is within ``edge_tolerance`` of the start,
the last within ``edge_tolerance`` of the end, and no silence inside is longer than
``max_gap`` (decision: 30 min and 1 h, settings). Invariant: a journey without readings
never covers; statistics are None without readings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ingest.detect.profiles import Profile
from ingest.detect.tally import Thresholds, tally

NS_PER_MINUTE = 60 * 1_000_000_000
GAP_FACTOR = 3


@dataclass(frozen=True, slots=True)
class CoverageTolerance:
    edge_minutes: float = 30.0  # first/last reading at most this far from dispatch/arrival
    max_gap_minutes: float = 60.0  # no silence inside the journey longer than this


@dataclass(frozen=True, slots=True)
class Gap:
    start_ns: int  # the last reading before the silence (or the journey's start)
    end_ns: int  # the first reading after it (or the journey's end)

    @property
    def minutes(self) -> float:
        return (self.end_ns - self.start_ns) / NS_PER_MINUTE


@dataclass(frozen=True, slots=True)
class JourneyCoverage:
    reading_count: int
    first_ns: int | None
    last_ns: int | None
    start_late_minutes: float | None  # first reading − dispatch (None: no reading)
    end_early_minutes: float | None  # arrival − last reading
    gaps: tuple[Gap, ...]  # silences longer than GAP_FACTOR × the interval
    longest_silence_minutes: float  # the longest time between readings inside the journey
    min_c: float | None
    max_c: float | None
    mean_c: float | None  # time-weighted over covered time
    minutes_above: float
    minutes_below: float
    unknown_minutes: float
    mkt_c: float | None
    issues: tuple[Issue, ...]  # why it does not cover, as (code, minutes): none when it does

    @property
    def covers(self) -> bool:
        return not self.issues

    @property
    def problems(self) -> tuple[str, ...]:
        """The issues in plain English (``describe``)."""
        return tuple(describe(issue) for issue in self.issues)


# Why a record does not cover its journey: (code, minutes or None). The codes: no_logger
# (added by the transport record), no_reading, start_late, end_early, silence.
Issue = tuple[str, float | None]
_WORDS = {
    "no_logger": "no logger was attached to the shipment",
    "no_reading": "no reading during the journey",
    "start_late": "the first reading came {minutes:.0f} min after dispatch",
    "end_early": "the last reading came {minutes:.0f} min before arrival",
    "silence": "no reading for {minutes:.0f} min on the road",
}


def describe(issue: Issue) -> str:
    """An issue in plain English (the API's ``problems``)."""
    code, minutes = issue
    return _WORDS[code].format(minutes=minutes or 0.0)


def journey_coverage(
    times: Sequence[int],
    temps: Sequence[float],
    start_ns: int,
    end_ns: int,
    interval_s: int,
    profile: Profile,
    tolerance: CoverageTolerance = CoverageTolerance(),
    delta_h_over_r_k: float = 10_000.0,
) -> JourneyCoverage:
    """The record of ``[start_ns, end_ns)`` from readings sorted by device time."""
    inside = [(t, c) for t, c in zip(times, temps, strict=True) if start_ns <= t < end_ns]
    ts = [t for t, _ in inside]
    cs = [c for _, c in inside]
    gap_ns = GAP_FACTOR * interval_s * 1_000_000_000
    edges = [start_ns, *ts, end_ns]
    gaps = tuple(Gap(a, b) for a, b in pairwise(edges) if b - a > gap_ns)
    silences = [b - a for a, b in pairwise(ts)]
    longest = max(silences, default=0) / NS_PER_MINUTE
    limits = Thresholds(profile.low_c, profile.high_c, -0.5, delta_h_over_r_k)
    stats = tally(ts, cs, start_ns, end_ns, interval_s * 1_000_000_000, limits)
    first, last = (ts[0], ts[-1]) if ts else (None, None)
    late = None if first is None else (first - start_ns) / NS_PER_MINUTE
    early = None if last is None else (end_ns - last) / NS_PER_MINUTE
    issues: list[Issue] = []
    if first is None:
        issues.append(("no_reading", None))
    else:
        assert late is not None and early is not None
        if late > tolerance.edge_minutes:
            issues.append(("start_late", late))
        if early > tolerance.edge_minutes:
            issues.append(("end_early", early))
        if longest > tolerance.max_gap_minutes:
            issues.append(("silence", longest))
    return JourneyCoverage(
        reading_count=len(ts),
        first_ns=first,
        last_ns=last,
        start_late_minutes=late,
        end_early_minutes=early,
        gaps=gaps,
        longest_silence_minutes=longest,
        min_c=stats.min_c,
        max_c=stats.max_c,
        mean_c=stats.mean_c if ts else None,
        minutes_above=stats.above_ns / NS_PER_MINUTE,
        minutes_below=stats.below_ns / NS_PER_MINUTE,
        unknown_minutes=stats.unknown_ns / NS_PER_MINUTE,
        mkt_c=stats.mkt_c if ts else None,
        issues=tuple(issues),
    )
