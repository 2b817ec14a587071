"""Time-weighted statistics of one stretch of a storage unit's temperature series.

Shared by excursion episodes and daily summaries so both weigh readings the same way
(``weighting``): each reading holds until the next, for at most its reporting interval. The
stretch is the half-open window [start_ns, end_ns) of device time; a reading from before the
window that still holds inside it counts from ``start_ns`` (so a day's first minutes are
covered by the reading before midnight), and its temperature then counts at ``start_ns``
for min and max. Invariant: covered + unknown == end_ns − start_ns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ingest.detect.mkt import arrhenius_term, mkt_from_sums


@dataclass(frozen=True, slots=True)
class Thresholds:
    low_c: float  # time strictly below counts as "below"
    high_c: float  # time strictly above counts as "above"
    freeze_c: float  # time at or below counts as "freezing"
    delta_h_over_r_k: float


@dataclass(frozen=True, slots=True)
class Tally:
    covered_ns: int
    unknown_ns: int
    reading_count: int  # readings inside the window
    min_c: float | None
    min_at_ns: int | None
    max_c: float | None
    max_at_ns: int | None
    mean_c: float | None
    mkt_c: float | None
    above_ns: int
    below_ns: int
    freezing_ns: int


def tally(
    times: Sequence[int],
    temps: Sequence[float],
    start_ns: int,
    end_ns: int,
    cover_ns: int,
    limits: Thresholds,
    *,
    include_end: bool = False,
) -> Tally:
    """Statistics of [start_ns, end_ns) from readings sorted by device time.

    Readings after ``end_ns`` are ignored, and so are readings at ``end_ns`` unless
    ``include_end`` (they then count for min, max and the count, covering no time: an open
    episode's newest reading). The last reading before ``end_ns`` holds
    until ``end_ns`` (capped by ``cover_ns``). With no covered time, mean and MKT fall back to
    the plain average of the readings counted for min and max (None when there are none).
    """
    covered = above = below = freezing = count = 0
    sum_c = sum_terms = plain_sum = plain_terms = 0.0
    plain_n = 0
    min_c = max_c = None
    min_at = max_at = None
    k = limits.delta_h_over_r_k
    n = len(times)
    for i in range(n):
        t = times[i]
        if t > end_ns or (t == end_ns and not include_end):
            break
        nxt = times[i + 1] if i + 1 < n and times[i + 1] < end_ns else end_ns
        held_to = min(nxt, t + cover_ns)
        lo = max(t, start_ns)
        if t < start_ns and held_to <= start_ns:
            continue  # an earlier reading that no longer holds inside the window
        count += t >= start_ns
        temp = temps[i]
        if min_c is None or temp < min_c:
            min_c, min_at = temp, lo
        if max_c is None or temp > max_c:
            max_c, max_at = temp, lo
        term = arrhenius_term(temp, k)
        plain_sum += temp
        plain_terms += term
        plain_n += 1
        w = held_to - lo
        if w <= 0:
            continue
        covered += w
        sum_c += w * temp
        sum_terms += w * term
        if temp > limits.high_c:
            above += w
        elif temp < limits.low_c:
            below += w
        if temp <= limits.freeze_c:
            freezing += w
    if covered > 0:
        mean_c: float | None = sum_c / covered
        mkt_c: float | None = mkt_from_sums(sum_terms, covered, k)
    elif plain_n:
        mean_c = plain_sum / plain_n
        mkt_c = mkt_from_sums(plain_terms, plain_n, k)
    else:
        mean_c = mkt_c = None
    return Tally(
        covered_ns=covered,
        unknown_ns=(end_ns - start_ns) - covered,
        reading_count=count,
        min_c=min_c,
        min_at_ns=min_at,
        max_c=max_c,
        max_at_ns=max_at,
        mean_c=mean_c,
        mkt_c=mkt_c,
        above_ns=above,
        below_ns=below,
        freezing_ns=freezing,
    )
