"""What access needs to know of the facility tree, as ports the composition root adapts.

Roles are scoped by the ledger's materialized paths (``/1/4/17/``): ``FacilityPaths``
resolves a facility id to its path (users' scopes are facility ids), ``UnitScopes`` a
facility or storage-unit *code* (telemetry, alarms and episodes name them by code) and lists
the codes under a path. ``coldchain.facility_tree`` implements both over the ledger; access
never imports the ledger.

Invariant: access fails closed. The defaults (``NoFacilityPaths``, ``NoUnitScopes``) know
nothing, so a scoped caller sees no facility, unit or sensor until the real ones are wired.
"""

from __future__ import annotations

from typing import Protocol


class FacilityPaths(Protocol):
    """Resolves a facility id to its materialized path; None for an unknown facility."""

    def path_of(self, facility_id: int) -> str | None: ...


class NoFacilityPaths:
    """The look-up before the ledger is wired: knows no facility, so scoped access fails."""

    def path_of(self, facility_id: int) -> str | None:
        return None


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
