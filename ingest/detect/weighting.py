"""How much time a reading stands for: the one weighting every statistic here uses.

A reading at device time t holds its temperature until the next reading of the same storage
unit, but for at most its own reporting interval G (``UnitConfig.cover_ns``, default 600 s):
a reading vouches for the interval it was taken for, no more. If the next reading comes Δ
later:

- Δ <= G: the reading covers all of Δ; no unknown time.
- Δ >  G: the reading covers G, and the remaining Δ − G is unknown (gap) time. (The sensor
  is *offline* only later, after 3 × the interval: that is an alarm, not a statistic.)

Statistics (episode and daily minutes, means, MKT) count covered time only and report the
unknown time beside them. Rules are stricter (see ``trackers``): a gap never resets a
condition and its elapsed time counts toward the rule, the conservative choice.
The newest reading of a stream covers nothing yet: its interval closes with the next one.
"""

from __future__ import annotations


def held_ns(delta_ns: int, cover_ns: int) -> int:
    """Covered part of the Δ between a reading and the next one."""
    return delta_ns if delta_ns <= cover_ns else cover_ns


def unknown_ns(delta_ns: int, cover_ns: int) -> int:
    """Gap part of the Δ between a reading and the next one (0 unless Δ > G)."""
    return delta_ns - cover_ns if delta_ns > cover_ns else 0
