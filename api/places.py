"""Where a ledger request acts, and whether the caller may act there.

A movement happens at a facility: the one of its storage unit, a shipment's origin (dispatch,
loss) or destination (receipt), an allocation's parent facility. These helpers find that
facility through the ledger's read side, resolve its materialized path through
``ApiDeps.facility_paths`` and apply ``ensure_can_write_at`` / ``ensure_can_read``.

Invariants: every look-up runs in its own short transaction, never inside another one (on
SQLite a nested session would wait for the write lock); an unknown unit, facility,
shipment or movement is the ledger's ``NotFound`` (404) before any scope check; lot-wide
views (a trace, a lot's storage history) are shown to a scoped caller only when its subtree
holds every facility the view names (the conservation line cannot be split by scope).
"""

from __future__ import annotations

from collections.abc import Iterable

from access.errors import Forbidden
from access.principal import Principal, Role, ensure_can_read, ensure_can_write_at
from api.deps import ApiDeps, facility_path
from inventory import queries
from inventory.results import ShipmentView, StorageUnitView


def ensure_read_at(deps: ApiDeps, who: Principal, facility_id: int) -> None:
    ensure_can_read(who, facility_path(deps, facility_id))


def ensure_write_at(deps: ApiDeps, who: Principal, facility_id: int) -> None:
    ensure_can_write_at(who, facility_path(deps, facility_id))


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
    if not (who.can_read(origin) or who.can_read(destination)):
        ensure_can_read(who, destination)  # raises, naming the destination


def ensure_write_at_movement(deps: ApiDeps, who: Principal, movement_id: int) -> None:
    """A correction is recorded where the original was; a movement of no one facility
    (a recall spans them all) is corrected by an admin."""
    detail = queries.get_movement(deps.inventory_uow(), movement_id)
    facility_id = detail.movement.facility_id
    if facility_id is None:
        if who.role is not Role.ADMIN:
            raise Forbidden(
                f"movement {movement_id} ({detail.movement.kind}) belongs to no single facility;"
                " only an admin may correct it"
            )
        return
    ensure_write_at(deps, who, facility_id)


def ensure_read_everywhere(
    deps: ApiDeps, who: Principal, facility_ids: Iterable[int], what: str
) -> None:
    """For lot-wide views: a scoped caller must cover every facility the view names."""
    if not who.is_scoped:
        return
    outside = sorted(f for f in set(facility_ids) if not who.can_read(facility_path(deps, f)))
    if outside:
        listed = ", ".join(str(f) for f in outside)
        raise Forbidden(
            f"{what} spans facilities outside the scope of {who.role} {who.name!r}"
            f" (facility {who.facility_id}): {listed}; ask a user with a wider scope"
        )
