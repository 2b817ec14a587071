"""Which sensors are offline: silent for more than ``factor`` × their reporting interval.

Pure: the scheduled job that raises SENSOR_OFFLINE passes the last device time it saw per
sensor and "now" (domain rule 4; factor 3 *(decision)*, configurable). Exactly
factor × interval of silence is not yet offline; one nanosecond more is. The same
threshold starts unknown (gap) time in detection (``weighting``).
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_INTERVAL_S = 600


def offline_sensors(
    last_seen: Mapping[str, int],
    intervals: Mapping[str, float],
    now_ns: int,
    factor: float = 3,
    *,
    default_interval_s: float = DEFAULT_INTERVAL_S,
) -> tuple[str, ...]:
    """Sorted ids of the sensors in ``last_seen`` silent for more than factor × interval.

    ``last_seen`` maps sensor id -> newest device time (ns); ``intervals`` maps sensor id ->
    reporting interval in seconds (``default_interval_s`` when missing).
    """
    return tuple(
        sorted(
            sensor
            for sensor, seen_ns in last_seen.items()
            if now_ns - seen_ns
            > round(factor * intervals.get(sensor, default_interval_s) * 1_000_000_000)
        )
    )
