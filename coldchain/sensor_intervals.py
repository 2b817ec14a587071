"""The reporting interval of a storage unit's sensors, from the sensor registry, for the
ledger's unit directory (the gap rule weighs each reading by its sensor's interval).

Invariant: a unit without sensors gets the default interval; nothing here does I/O beyond
reading the registry's current snapshot.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.registry import DEFAULT_REPORTING_INTERVAL_S, RegistrySnapshot


def reporting_interval_of(snapshot: Callable[[], RegistrySnapshot]) -> Callable[[str], int]:
    """Per unit code, the shortest reporting interval of the sensors ever bound to it (the
    default interval for a unit without sensors), from the registry's current snapshot."""

    def interval(unit_code: str) -> int:
        found = [
            sensor.reporting_interval_s
            for sensor in snapshot().sensors.values()
            if any(binding.unit == unit_code for binding in sensor.bindings)
        ]
        return min(found, default=DEFAULT_REPORTING_INTERVAL_S)

    return interval
