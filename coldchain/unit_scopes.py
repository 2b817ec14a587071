"""The ledger's facility tree as the API's scope look-ups (``api.unit_scopes.UnitScopes``),
and the reporting interval of a unit's sensors.

Telemetry names facilities and storage units by code; the roles are scoped by the ledger's
materialized paths. Point look-ups go through ``inventory.queries.lookups``; the two
listings (every facility / unit under a path) are one indexed ``LIKE 'path%'`` query each,
read-only, because the ledger's look-ups list a subtree only from a facility id and units
only one facility at a time.

Invariant: nothing here writes, and an unknown code answers None (the API turns that
into 404 or, for scope, a refusal), never an exception.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from access.ports import FacilityPaths
from access.principal import check_facility_path
from ingest.registry import DEFAULT_REPORTING_INTERVAL_S, RegistrySnapshot
from inventory import models as m
from inventory.errors import NotFound
from inventory.queries import lookups
from inventory.unit_of_work import UnitOfWork


class LedgerUnitScopes:
    """Facility and unit codes to materialized paths, over the ledger; ``facility_paths``
    (the API's id -> path look-up, e.g. ``LedgerFacilityPaths``) resolves a unit's facility."""

    def __init__(self, uow: UnitOfWork, facility_paths: FacilityPaths) -> None:
        self._uow = uow  # thread-safe: its transaction state is per thread
        self._paths = facility_paths

    def path_of_facility(self, facility_code: str) -> str | None:
        try:
            return lookups.facility_by_code(self._uow, facility_code).path
        except NotFound:
            return None

    def path_of_unit(self, unit_code: str) -> str | None:
        try:
            unit = lookups.storage_unit_by_code(self._uow, unit_code)
        except NotFound:
            return None
        return self._paths.path_of(unit.facility_id)

    def facility_codes_under(self, path: str | None) -> list[str]:
        query = select(m.Facility.code).order_by(m.Facility.path)
        if path is not None:
            query = query.where(m.Facility.path.startswith(check_facility_path(path)))
        with self._uow:
            return list(self._uow.session.scalars(query))

    def unit_codes_under(self, path: str | None) -> list[str]:
        query = select(m.StorageUnit.code).order_by(m.StorageUnit.code)
        if path is not None:
            query = query.join(m.Facility, m.Facility.id == m.StorageUnit.facility_id).where(
                m.Facility.path.startswith(check_facility_path(path))
            )
        with self._uow:
            return list(self._uow.session.scalars(query))


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
