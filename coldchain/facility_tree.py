"""The ledger's facility tree as access's ports (``access.ports``): ``FacilityPaths``
(facility id -> materialized path) and ``UnitScopes`` (facility and unit codes -> paths,
and the codes under a path), both answered by inventory's read side.

Invariants: nothing here writes, and an unknown id or code answers None (the API turns
that into 404 or, for scope, a refusal), never an exception. A path never changes once a
facility exists (facilities do not move in the tree), so found paths are cached for the
life of the process; an unknown id is asked again next time (it may be created later).
Each look-up is its own short transaction, never nested in another one.
"""

from __future__ import annotations

from access.ports import FacilityPaths
from access.principal import check_facility_path
from inventory import queries
from inventory.errors import NotFound
from inventory.unit_of_work import UnitOfWork


class LedgerFacilityPaths:
    """``path_of(facility_id)`` from the ledger; None for a facility that does not exist."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._paths: dict[int, str] = {}

    def path_of(self, facility_id: int) -> str | None:
        path = self._paths.get(facility_id)
        if path is not None:
            return path
        try:
            path = queries.get_facility(self._uow, facility_id).path
        except NotFound:
            return None
        self._paths[facility_id] = path
        return path

    def id_of_code(self, facility_code: str) -> int | None:
        """The id of the facility with this code; None when there is none."""
        try:
            return queries.facility_by_code(self._uow, facility_code).id
        except NotFound:
            return None


class LedgerUnitScopes:
    """Facility and unit codes to materialized paths, over the ledger; ``facility_paths``
    (e.g. ``LedgerFacilityPaths``) resolves a unit's facility."""

    def __init__(self, uow: UnitOfWork, facility_paths: FacilityPaths) -> None:
        self._uow = uow  # thread-safe: its transaction state is per thread
        self._paths = facility_paths

    def path_of_facility(self, facility_code: str) -> str | None:
        try:
            return queries.facility_by_code(self._uow, facility_code).path
        except NotFound:
            return None

    def path_of_unit(self, unit_code: str) -> str | None:
        try:
            unit = queries.storage_unit_by_code(self._uow, unit_code)
        except NotFound:
            return None
        return self._paths.path_of(unit.facility_id)

    def facility_codes_under(self, path: str | None) -> list[str]:
        checked = None if path is None else check_facility_path(path)
        return queries.facility_codes_under(self._uow, checked)

    def unit_codes_under(self, path: str | None) -> list[str]:
        checked = None if path is None else check_facility_path(path)
        return queries.unit_codes_under(self._uow, checked)
