"""Retention of the embedded store's raw readings (domain rule 18): roll up, then purge.

Raw readings of a unit older than its retention horizon (given by the caller from the
ledger: three years, or longer while a lot that was in the unit is within five years of its
expiry) are rolled up into ``telemetry_hourly`` (min, max, mean and count per unit and
hour) and deleted, hour by whole hour, thirty days per transaction. Nothing at or after the
horizon is touched (the cut-off is the horizon rounded *down* to its hour). A re-run, or a
late reading of an hour already rolled up, merges into that hour's row (counts add, the mean
is weighted), so running it twice changes nothing. InfluxDB keeps readings by its own
retention policy: give it one longer than the longest horizon (docs/deployment.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ingest.models import TelemetryHourlyRow, TelemetryReadingRow
from ingest.registry import to_ns

HOUR_NS = 3_600 * 1_000_000_000
STEP_NS = 30 * 24 * HOUR_NS


@dataclass(frozen=True)
class PurgeReport:
    units: int  # units with readings purged
    readings: int  # raw readings rolled up and deleted
    hours: int  # hourly rows written or merged


def roll_up_and_purge(engine: Engine, horizon_of: Callable[[str], datetime]) -> PurgeReport:
    """Roll up and delete every unit's raw readings from before its horizon."""
    r = TelemetryReadingRow
    with engine.connect() as conn:
        oldest = dict(
            conn.execute(select(r.unit, func.min(r.device_time_ns)).group_by(r.unit)).all()
        )
    units = readings = hours = 0
    for unit, first_ns in sorted(oldest.items()):
        cutoff_ns = (to_ns(horizon_of(unit)) // HOUR_NS) * HOUR_NS
        if first_ns >= cutoff_ns:
            continue
        units += 1
        start = (first_ns // HOUR_NS) * HOUR_NS
        while start < cutoff_ns:
            end = min(start + STEP_NS, cutoff_ns)
            done_readings, done_hours = _roll_up(engine, unit, start, end)
            readings += done_readings
            hours += done_hours
            start = end
    return PurgeReport(units, readings, hours)


def _roll_up(engine: Engine, unit: str, start_ns: int, end_ns: int) -> tuple[int, int]:
    r, h = TelemetryReadingRow, TelemetryHourlyRow
    hour = (r.device_time_ns // HOUR_NS) * HOUR_NS
    in_range = (r.unit == unit, r.device_time_ns >= start_ns, r.device_time_ns < end_ns)
    with engine.begin() as conn:
        groups = conn.execute(
            select(
                hour.label("hour_ns"),
                func.max(r.facility),
                func.min(r.temperature_c),
                func.max(r.temperature_c),
                func.avg(r.temperature_c),
                func.count(),
            )
            .where(*in_range)
            .group_by(hour)
        ).all()
        if not groups:
            return 0, 0
        before = {
            row.hour_ns: row
            for row in conn.execute(
                select(h).where(
                    h.unit == unit,
                    h.hour_ns.in_([g[0] for g in groups]),
                )
            )
        }
        values = []
        for hour_ns, facility, low, high, mean, count in groups:
            old = before.get(hour_ns)
            if old is not None:
                total = old.readings + count
                mean = (old.mean_c * old.readings + float(mean) * count) / total
                low, high, count = min(low, old.min_c), max(high, old.max_c), total
            values.append(
                {
                    "unit": unit,
                    "hour_ns": int(hour_ns),
                    "facility": facility,
                    "min_c": float(low),
                    "max_c": float(high),
                    "mean_c": float(mean),
                    "readings": int(count),
                }
            )
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(h.__table__)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["unit", "hour_ns"],
                set_={
                    name: insert.excluded[name]
                    for name in ("facility", "min_c", "max_c", "mean_c", "readings")
                },
            ),
            values,
        )
        deleted = conn.execute(delete(r).where(*in_range)).rowcount
    return int(deleted), len(values)
