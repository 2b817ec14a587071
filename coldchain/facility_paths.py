"""The API's facility look-up, wired to the ledger: facility id -> materialized path.

``api`` checks scopes on paths (``/1/4/17/``) through its ``FacilityPaths`` protocol; this
adapter answers from inventory's facilities. Invariant: a path never changes once a
facility exists (facilities do not move in the tree), so found paths are cached for the
life of the process; an unknown id is asked again next time (it may be created later).
Each look-up is its own short transaction, never nested in another one.
"""

from __future__ import annotations

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
