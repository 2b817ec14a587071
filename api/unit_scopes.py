"""Where a storage unit, facility code or sensor sits in the facility tree, for scope checks.

Telemetry, alarms and episodes name facilities and units by *code* (from the MQTT topic);
the roles are scoped by the ledger's materialized paths (``/1/4/17/``). ``UnitScopes``
bridges the two; the composition root implements it over the ledger
(``coldchain.unit_scopes.LedgerUnitScopes``). ``SensorBindings`` answers which units a
sensor was bound to (the sensor registry's ``SensorDirectory`` fits).

Invariant: access fails closed. The default look-ups know nothing, so a scoped caller sees
no unit, no facility and no sensor until the composition root wires the real ones.
"""

from __future__ import annotations

from typing import Protocol

from ingest.registry import SensorInfo


class UnitScopes(Protocol):
    def path_of_facility(self, facility_code: str) -> str | None:
        """The facility's materialized path; None when no facility has that code."""
        ...

    def path_of_unit(self, unit_code: str) -> str | None:
        """The materialized path of the unit's facility; None for an unknown unit."""
        ...

    def facility_codes_under(self, path: str | None) -> list[str]:
        """Codes of the facility at ``path`` and every facility below it (None: all)."""
        ...

    def unit_codes_under(self, path: str | None) -> list[str]:
        """Codes of the storage units of those facilities, sorted (None: every unit)."""
        ...


class NoUnitScopes:
    """The look-up before the ledger is wired: knows no unit and no facility."""

    def path_of_facility(self, facility_code: str) -> str | None:
        return None

    def path_of_unit(self, unit_code: str) -> str | None:
        return None

    def facility_codes_under(self, path: str | None) -> list[str]:
        return []

    def unit_codes_under(self, path: str | None) -> list[str]:
        return []


class SensorBindings(Protocol):
    def sensor(self, sensor_id: str) -> SensorInfo | None:
        """The registered sensor with its bindings (unit, facility, interval); None if not
        registered."""
        ...
