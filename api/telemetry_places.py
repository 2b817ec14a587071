"""Where a telemetry or alarm request looks, and whether the caller may look (or act) there.

Alarms, episodes and readings carry facility and unit *codes*; ``ApiDeps.unit_scopes`` turns
them into the ledger's materialized paths, and the rules of ``access.principal`` decide. A list
is narrowed to the facility codes of the caller's subtree (or of a facility the caller asked
for and may read); a single alarm, episode, unit or sensor is checked against its facility.

Invariants: an unknown unit is ``UnknownUnit`` (404) and an unknown facility code in a
filter is the ledger's ``NotFound`` (404), both before any scope check; an alarm or episode
whose facility code the ledger does not know is visible to admins and unscoped viewers only
(fail closed); a scoped caller whose scope facility cannot be resolved sees nothing.
"""

from __future__ import annotations

from datetime import datetime

from access.errors import Forbidden
from access.principal import Principal, Role, ensure_can_read, ensure_can_write_at, ensure_role
from api.deps import ApiDeps
from ingest.alarms.errors import UnknownUnit
from ingest.errors import SensorNotFound
from ingest.queries import TelemetryReader, TelemetryUnavailable, to_ns
from inventory.errors import NotFound


def telemetry(deps: ApiDeps) -> TelemetryReader:
    """The configured telemetry store's reader; ``TelemetryUnavailable`` (503) when none."""
    if deps.telemetry is None:
        raise TelemetryUnavailable("no telemetry store is configured for the API")
    return deps.telemetry


def _sees_everything(who: Principal) -> bool:
    return who.role is Role.ADMIN or not who.is_scoped


def facility_path_of(deps: ApiDeps, facility_code: str) -> str:
    path = deps.unit_scopes.path_of_facility(facility_code)
    if path is None:
        raise NotFound(f"no facility has code {facility_code!r}")
    return path


def facility_codes_in_scope(
    deps: ApiDeps, who: Principal, facility: str | None = None
) -> list[str] | None:
    """The facility codes a list may show: the subtree of ``facility`` (which the caller
    must be able to read), else the caller's subtree; None means no restriction."""
    if facility is not None:
        path = facility_path_of(deps, facility)
        ensure_can_read(who, path)
        return deps.unit_scopes.facility_codes_under(path)
    if _sees_everything(who):
        return None
    if who.scope_path is None:
        return []
    return deps.unit_scopes.facility_codes_under(who.scope_path)


def unit_codes_in_scope(deps: ApiDeps, who: Principal, facility: str | None = None) -> list[str]:
    """The storage units the status board shows: those under ``facility`` (readable by the
    caller), else those in the caller's subtree (every unit for admins and unscoped users)."""
    if facility is not None:
        path = facility_path_of(deps, facility)
        ensure_can_read(who, path)
        return deps.unit_scopes.unit_codes_under(path)
    if _sees_everything(who):
        return deps.unit_scopes.unit_codes_under(None)
    if who.scope_path is None:
        return []
    return deps.unit_scopes.unit_codes_under(who.scope_path)


def ensure_read_unit(deps: ApiDeps, who: Principal, unit_code: str) -> None:
    path = deps.unit_scopes.path_of_unit(unit_code)
    if path is None:
        raise UnknownUnit(unit_code)
    ensure_can_read(who, path)


def ensure_read_at_code(deps: ApiDeps, who: Principal, facility_code: str) -> None:
    """May the caller read what happened at the facility with this code?"""
    path = deps.unit_scopes.path_of_facility(facility_code)
    if path is None:
        if _sees_everything(who):
            return
        raise Forbidden(_unknown_facility(who, facility_code))
    ensure_can_read(who, path)


def ensure_write_at_code(deps: ApiDeps, who: Principal, facility_code: str) -> None:
    """May the caller act (acknowledge, manage contacts) at the facility with this code?"""
    ensure_role(who, Role.SUPERVISOR, Role.STAFF)
    path = deps.unit_scopes.path_of_facility(facility_code)
    if path is None:
        if who.role is Role.ADMIN:
            return
        raise Forbidden(_unknown_facility(who, facility_code))
    ensure_can_write_at(who, path)


def ensure_read_sensor(
    deps: ApiDeps, who: Principal, sensor_id: str, start: datetime, end: datetime
) -> None:
    """A sensor's readings are shown to a scoped caller only when its scope covers every
    unit the sensor was bound to during [start, end)."""
    info = deps.sensor_bindings.sensor(sensor_id) if deps.sensor_bindings is not None else None
    if info is None:
        raise SensorNotFound(sensor_id)
    if _sees_everything(who):
        return
    start_ns, end_ns = to_ns(start), to_ns(end)
    units = sorted(
        {
            b.unit
            for b in info.bindings
            if b.valid_from_ns < end_ns and (b.valid_to_ns is None or b.valid_to_ns > start_ns)
        }
    )
    if not units:
        raise Forbidden(
            f"sensor {sensor_id!r} was bound to no storage unit from {start.isoformat()} to"
            f" {end.isoformat()}, so no facility scope covers its readings then"
        )
    for unit in units:
        path = deps.unit_scopes.path_of_unit(unit)
        if path is None:
            raise Forbidden(
                f"sensor {sensor_id!r} was bound to unit {unit!r}, unknown to the ledger"
            )
        ensure_can_read(who, path)


def _unknown_facility(who: Principal, facility_code: str) -> str:
    return (
        f"facility {facility_code!r} is not in the ledger, so it lies outside the scope of"
        f" {who.role} {who.name!r}"
    )
