"""Where a request acts, and whether the caller may act there: the HTTP side of the scope
rules of ``access.scopes``.

These helpers only look up *where*: the facility of a storage unit, shipment or movement
(the ledger's read side), a facility id's materialized path (``ApiDeps.facility_paths``),
a facility or unit code's path (``ApiDeps.unit_scopes``: telemetry, alarms and episodes
name places by code), the units a sensor was bound to. Whether the caller may read or
write there is ``access.scopes``'s answer, never decided here.

Invariants: every look-up runs in its own short transaction, never inside another one (on
SQLite a nested session would wait for the write lock); an unknown unit, facility,
shipment or movement is a 404 (the ledger's ``NotFound``, ingest's ``UnknownUnit`` or
``SensorNotFound``) before any scope check.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from access import scopes
from access.principal import Principal
from api.deps import ApiDeps, facility_path
from ingest.alarms.errors import UnknownUnit
from ingest.errors import SensorNotFound
from ingest.queries import to_ns
from inventory import queries
from inventory.errors import NotFound
from inventory.results import ShipmentView, StorageUnitView

# -- the ledger's places, by id ------------------------------------------------------------


def ensure_read_at(deps: ApiDeps, who: Principal, facility_id: int) -> None:
    scopes.ensure_can_read(who, facility_path(deps, facility_id))


def ensure_write_at(deps: ApiDeps, who: Principal, facility_id: int) -> None:
    scopes.ensure_can_write_at(who, facility_path(deps, facility_id))


def storage_unit(deps: ApiDeps, unit_id: int) -> StorageUnitView:
    return queries.get_storage_unit(deps.inventory_uow(), unit_id)


def ensure_read_at_unit(deps: ApiDeps, who: Principal, unit_id: int) -> StorageUnitView:
    unit = storage_unit(deps, unit_id)
    ensure_read_at(deps, who, unit.facility_id)
    return unit


def ensure_write_at_unit(deps: ApiDeps, who: Principal, unit_id: int) -> StorageUnitView:
    unit = storage_unit(deps, unit_id)
    ensure_write_at(deps, who, unit.facility_id)
    return unit


def shipment(deps: ApiDeps, shipment_id: int) -> ShipmentView:
    return queries.get_shipment(deps.inventory_uow(), shipment_id)


def ensure_read_shipment(deps: ApiDeps, who: Principal, found: ShipmentView) -> None:
    """A shipment is visible from either end."""
    origin = facility_path(deps, found.origin_facility_id)
    destination = facility_path(deps, found.destination_facility_id)
    scopes.ensure_can_read_either(who, origin, destination)


def ensure_write_at_movement(deps: ApiDeps, who: Principal, movement_id: int) -> None:
    """A correction is recorded where the original was; a movement of no one facility
    (a recall spans them all) is corrected by an admin."""
    detail = queries.get_movement(deps.inventory_uow(), movement_id)
    facility_id = detail.movement.facility_id
    if facility_id is None:
        scopes.ensure_admin(
            who,
            f"movement {movement_id} ({detail.movement.kind}) belongs to no single facility;"
            " only an admin may correct it",
        )
        return
    ensure_write_at(deps, who, facility_id)


def ensure_read_everywhere(
    deps: ApiDeps, who: Principal, facility_ids: Iterable[int], what: str
) -> None:
    """For lot-wide views: a scoped caller must cover every facility the view names."""
    if scopes.sees_everything(who):
        return  # no look-ups
    places = {f"facility {f}": deps.facility_paths.path_of(f) for f in sorted(set(facility_ids))}
    scopes.ensure_can_read_all(who, places, what)


# -- telemetry's places, by code -----------------------------------------------------------


def facility_path_of(deps: ApiDeps, facility_code: str) -> str:
    path = deps.unit_scopes.path_of_facility(facility_code)
    if path is None:
        raise NotFound(f"no facility has code {facility_code!r}")
    return path


def _requested_path(deps: ApiDeps, facility: str | None) -> str | None:
    return None if facility is None else facility_path_of(deps, facility)


def facility_codes_in_scope(
    deps: ApiDeps, who: Principal, facility: str | None = None
) -> list[str] | None:
    """The facility codes a list may show: the subtree of ``facility`` (which the caller
    must be able to read), else the caller's subtree; None means no restriction."""
    requested = _requested_path(deps, facility)
    return scopes.facility_codes_in_scope(who, deps.unit_scopes, requested)


def unit_codes_in_scope(deps: ApiDeps, who: Principal, facility: str | None = None) -> list[str]:
    """The storage units the status board shows: those under ``facility`` (readable by the
    caller), else those in the caller's subtree (every unit for admins and unscoped users)."""
    requested = _requested_path(deps, facility)
    return scopes.unit_codes_in_scope(who, deps.unit_scopes, requested)


def ensure_read_unit(deps: ApiDeps, who: Principal, unit_code: str) -> None:
    path = deps.unit_scopes.path_of_unit(unit_code)
    if path is None:
        raise UnknownUnit(unit_code)
    scopes.ensure_can_read(who, path)


def ensure_read_at_code(deps: ApiDeps, who: Principal, facility_code: str) -> None:
    """May the caller read what happened at the facility with this code?"""
    path = deps.unit_scopes.path_of_facility(facility_code)
    scopes.ensure_can_read_at_code(who, path, facility_code)


def ensure_write_at_code(deps: ApiDeps, who: Principal, facility_code: str) -> None:
    """May the caller act (acknowledge, manage contacts) at the facility with this code?"""
    scopes.ensure_role(who, *scopes.WRITERS)  # before any look-up
    path = deps.unit_scopes.path_of_facility(facility_code)
    scopes.ensure_can_write_at_code(who, path, facility_code)


def ensure_read_sensor(
    deps: ApiDeps, who: Principal, sensor_id: str, start: datetime, end: datetime
) -> None:
    """A sensor's readings are shown to a scoped caller only when its scope covers every
    unit the sensor was bound to during [start, end)."""
    info = deps.sensor_bindings.sensor(sensor_id) if deps.sensor_bindings is not None else None
    if info is None:
        raise SensorNotFound(sensor_id)
    if scopes.sees_everything(who):
        return  # no look-ups
    start_ns, end_ns = to_ns(start), to_ns(end)
    units = {
        b.unit
        for b in info.bindings
        if b.valid_from_ns < end_ns and (b.valid_to_ns is None or b.valid_to_ns > start_ns)
    }
    places = {f"unit {unit!r}": deps.unit_scopes.path_of_unit(unit) for unit in sorted(units)}
    what = f"sensor {sensor_id!r} from {start.isoformat()} to {end.isoformat()}"
    scopes.ensure_can_read_all(who, places, what)
