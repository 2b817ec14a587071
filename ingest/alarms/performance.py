"""Cold-chain performance over a period: how well each storage unit kept its range, and the
same summed over a facility or a district (domain rule 26).

Per unit and period of local days (the unit's zone), from the daily summaries (rule 7) and
the alarms table:

- observed minutes = minutes with a reading that vouches for them; unknown minutes = the
  rest; too hot / too cold = minutes above / below the profile's range; in range = observed
  − too hot − too cold;
- time in range = Σ in range ÷ Σ observed (× 100); unknown time is shown apart, never
  counted as in or out of range;
- MKT over the whole period, combined exactly from the daily MKTs weighted by their observed
  minutes (the Arrhenius sums add up);
- excursions = episodes that began in the period; alarms by type raised in the period;
- time from alarm to acknowledgement (minutes) of the alarms raised in the period that were
  acknowledged: median and 90th percentile (nearest rank);
- a unit *offline* in the period is one whose sensor had a SENSOR_OFFLINE alarm open at any
  time of it (raised before its end, not cleared before its start).

``combine`` sums units into a facility's or district's figures: minutes add, MKT combines
like the days do, acknowledgement times pool; ``by_facility`` gives each facility its own
units' figures and its subtree's.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ingest.detect.mkt import arrhenius_term, mkt_from_sums

OFFLINE = "SENSOR_OFFLINE"


@dataclass(frozen=True)
class Performance:
    units: int
    observed_minutes: float
    above_minutes: float
    below_minutes: float
    unknown_minutes: float
    arrhenius_sum: float  # Σ observed minutes · e^(−(ΔH/R)/T): what MKT is combined from
    delta_h_over_r_k: float
    excursions: int
    alarms_by_type: tuple[tuple[str, int], ...]  # by type
    ack_minutes: tuple[float, ...]  # alarm → acknowledgement, sorted
    units_offline: int

    @property
    def in_range_minutes(self) -> float:
        return max(0.0, self.observed_minutes - self.above_minutes - self.below_minutes)

    @property
    def time_in_range_percent(self) -> float | None:
        if self.observed_minutes <= 0:
            return None
        return round(100 * self.in_range_minutes / self.observed_minutes, 2)

    @property
    def mkt_c(self) -> float | None:
        if self.observed_minutes <= 0 or self.arrhenius_sum <= 0:
            return None
        return round(
            mkt_from_sums(self.arrhenius_sum, self.observed_minutes, self.delta_h_over_r_k), 2
        )

    @property
    def alarms(self) -> int:
        return sum(count for _, count in self.alarms_by_type)

    @property
    def median_ack_minutes(self) -> float | None:
        return round(statistics.median(self.ack_minutes), 1) if self.ack_minutes else None

    @property
    def p90_ack_minutes(self) -> float | None:
        return round(nearest_rank(self.ack_minutes, 90), 1) if self.ack_minutes else None


@dataclass(frozen=True)
class UnitPerformance:
    unit: str
    facility: str
    first: date
    last: date
    figures: Performance


@dataclass(frozen=True)
class DaySlice:
    """What performance needs of one daily summary."""

    length_minutes: float
    unknown_minutes: float
    above_minutes: float
    below_minutes: float
    mkt_c: float | None


def nearest_rank(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile of sorted ``values`` (non-empty)."""
    rank = max(1, math.ceil(percent / 100 * len(values)))
    return values[rank - 1]


def unit_figures(
    days: Iterable[DaySlice],
    alarm_types: Iterable[str],
    ack_minutes: Iterable[float],
    excursions: int,
    offline: bool = False,
    delta_h_over_r_k: float = 10_000.0,
) -> Performance:
    observed = above = below = unknown = arrhenius = 0.0
    for day in days:
        covered = max(0.0, day.length_minutes - day.unknown_minutes)
        observed += covered
        unknown += day.unknown_minutes
        above += day.above_minutes
        below += day.below_minutes
        if day.mkt_c is not None and covered > 0:
            arrhenius += covered * arrhenius_term(day.mkt_c, delta_h_over_r_k)
    by_type = Counter(alarm_types)
    return Performance(
        1,
        observed,
        above,
        below,
        unknown,
        arrhenius,
        delta_h_over_r_k,
        excursions,
        tuple(sorted(by_type.items())),
        tuple(sorted(ack_minutes)),
        1 if offline else 0,
    )


def combine(parts: Iterable[Performance], delta_h_over_r_k: float = 10_000.0) -> Performance:
    """The figures of several units (or facilities) together."""
    items = list(parts)
    by_type: Counter[str] = Counter()
    for part in items:
        by_type.update(dict(part.alarms_by_type))
    return Performance(
        sum(p.units for p in items),
        sum(p.observed_minutes for p in items),
        sum(p.above_minutes for p in items),
        sum(p.below_minutes for p in items),
        sum(p.unknown_minutes for p in items),
        sum(p.arrhenius_sum for p in items),
        items[0].delta_h_over_r_k if items else delta_h_over_r_k,
        sum(p.excursions for p in items),
        tuple(sorted(by_type.items())),
        tuple(sorted(m for p in items for m in p.ack_minutes)),
        sum(p.units_offline for p in items),
    )


@dataclass(frozen=True)
class FacilityPerformance:
    facility: str
    own: Performance  # the facility's own units
    subtree: Performance  # its units and every unit below it


def by_facility(
    units: Iterable[UnitPerformance], subtrees: Iterable[tuple[str, Collection[str]]]
) -> list[FacilityPerformance]:
    """Each facility of ``subtrees`` (its code, the codes of it and every facility below it)
    with its own and its subtree's figures, from the units' figures."""
    figures: dict[str, list[Performance]] = {}
    for unit in units:
        figures.setdefault(unit.facility, []).append(unit.figures)
    return [
        FacilityPerformance(
            code,
            combine(figures.get(code, [])),
            combine(p for c in below for p in figures.get(c, [])),
        )
        for code, below in subtrees
    ]
