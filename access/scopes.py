"""The facility-scope rules: what each role may read and write, and where. The one module
that decides; the API's checks (``api/places.py``) and the staff pages only look things up
and call it.

Facilities form a tree and each carries a materialized path of ids from the root to itself
(``"/1/4/17/"``), so "facility F is in the subtree of S" is ``F.path.startswith(S.path)``.

| role | reads | writes (movements, acknowledgements, contacts) | more |
| --- | --- | --- | --- |
| ``admin`` | everywhere | everywhere | roots, recalls, corrections of no one facility |
| ``supervisor`` | its subtree | its subtree | corrections (voiding a VVM reading) there |
| ``staff`` | its subtree | its subtree | |
| ``viewer`` | everywhere, or its subtree when scoped | nowhere | |

A supervisor (or an admin) also decides to accept a delivery whose transport record does
not cover the journey (``ensure_may_override``).

A writer scoped to a root facility (scope path ``/N/``) registers lots, as an admin does:
lots are registered by whoever receives them from the supplier.

Invariants: access fails closed. A scoped principal whose scope facility cannot be resolved
to a path reads and writes nothing scoped; a place the ledger does not know (an alarm's
facility code, a sensor's unit) is visible only to those who see everything (admins and
unscoped viewers) and writable by admins only. A lot-wide view is shown to a scoped caller
only when its subtree covers every place the view names. Every refusal is ``Forbidden``
with a message that says who was refused, where and why. Nothing here does I/O but through
the ``UnitScopes`` port a caller passes in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from access.errors import Forbidden
from access.ports import UnitScopes
from access.principal import Principal, Role, check_facility_path

WRITERS = frozenset({Role.SUPERVISOR, Role.STAFF})  # scoped roles that record movements


def covers(who: Principal, facility_path: str) -> bool:
    """True when the facility lies in the principal's scope (or it has none)."""
    check_facility_path(facility_path)
    if not who.is_scoped:
        return True
    return who.scope_path is not None and facility_path.startswith(who.scope_path)


def sees_everything(who: Principal) -> bool:
    """Admins and unscoped viewers read every facility, known to the ledger or not."""
    return who.role is Role.ADMIN or not who.is_scoped


def can_read(who: Principal, facility_path: str) -> bool:
    return who.role is Role.ADMIN or covers(who, facility_path)


def can_write_at(who: Principal, facility_path: str) -> bool:
    return who.role is Role.ADMIN or (who.role in WRITERS and covers(who, facility_path))


def registers_lots(who: Principal) -> bool:
    """Admin, or a scope that is a root of the tree (where supplier deliveries are
    received): a scope path with a single id, ``/1/``."""
    if who.role is Role.ADMIN:
        return True
    return who.scope_path is not None and who.scope_path.count("/") == 2


def ensure_role(who: Principal, *roles: Role) -> None:
    """Raise ``Forbidden`` unless the principal has one of ``roles`` (admin always passes)."""
    if who.role is not Role.ADMIN and who.role not in roles:
        needed = ", ".join(sorted({Role.ADMIN, *roles}))
        raise Forbidden(f"{who.role} {who.name!r} may not do this; needs: {needed}")


def ensure_may_override(who: Principal, record_complete: bool | None, override: str | None) -> None:
    """Accepting a delivery whose transport record does not cover the journey (an override
    with a reason) is a supervisor's decision (admin always passes)."""
    if record_complete is False and override and override.strip():
        ensure_role(who, Role.SUPERVISOR)


def ensure_admin(who: Principal, why: str) -> None:
    """Raise ``Forbidden`` with ``why`` unless the principal is an admin."""
    if who.role is not Role.ADMIN:
        raise Forbidden(why)


def ensure_can_read(who: Principal, facility_path: str) -> None:
    """Raise ``Forbidden`` (403) unless the principal may read at that facility."""
    if not can_read(who, facility_path):
        raise Forbidden(_outside_scope(who, facility_path, "read"))


def ensure_can_write_at(who: Principal, facility_path: str) -> None:
    """Raise ``Forbidden`` (403) unless the principal may record movements at that facility."""
    if who.role is Role.VIEWER:
        raise Forbidden(f"viewer {who.name!r} is read-only")
    if not can_write_at(who, facility_path):
        raise Forbidden(_outside_scope(who, facility_path, "write"))


def ensure_registers_lots(who: Principal) -> None:
    if not registers_lots(who):
        raise Forbidden(
            f"{who.role} {who.name!r} may not register lots: lots are registered by whoever"
            " receives them from the supplier (an admin, or a writer scoped to a root facility)"
        )


def ensure_can_read_either(who: Principal, first: str, second: str) -> None:
    """A thing with two ends (a shipment) is visible from either; the refusal names the
    second (a shipment's destination)."""
    if not (can_read(who, first) or can_read(who, second)):
        ensure_can_read(who, second)


def ensure_can_read_all(who: Principal, places: Mapping[str, str | None], what: str) -> None:
    """For lot-wide views and a sensor's readings: a scoped caller must cover every place
    the view names (``places``: a name for the message -> its path, None when the ledger
    does not know it). A view that names no place is covered by no scope."""
    if sees_everything(who):
        return
    if not places:
        raise Forbidden(f"{what} names no facility, so no facility scope covers it")
    unknown = sorted(name for name, path in places.items() if path is None)
    if unknown:
        raise Forbidden(
            f"{what} names {', '.join(unknown)}, unknown to the ledger, so no facility scope"
            " covers it"
        )
    outside = sorted(
        name for name, path in places.items() if path is not None and not can_read(who, path)
    )
    if outside:
        raise Forbidden(
            f"{what} spans facilities outside the scope of {who.role} {who.name!r}"
            f" (facility {who.facility_id}): {', '.join(outside)}; ask a user with a wider scope"
        )


def ensure_can_read_at_code(who: Principal, facility_path: str | None, code: str) -> None:
    """May the caller read what happened at the facility with this code (``facility_path``:
    the ledger's path for it, None when it does not know the code)?"""
    if facility_path is None:
        if sees_everything(who):
            return
        raise Forbidden(_unknown_facility(who, code))
    ensure_can_read(who, facility_path)


def ensure_can_write_at_code(who: Principal, facility_path: str | None, code: str) -> None:
    """May the caller act (acknowledge, manage contacts) at the facility with this code?"""
    ensure_role(who, *WRITERS)
    if facility_path is None:
        if who.role is Role.ADMIN:
            return
        raise Forbidden(_unknown_facility(who, code))
    ensure_can_write_at(who, facility_path)


@dataclass(frozen=True, slots=True)
class Reach:
    """The part of the tree a list may show: ``everywhere``, the subtree at ``path``, or
    nothing (neither)."""

    path: str | None
    everywhere: bool = False


EVERYWHERE = Reach(path=None, everywhere=True)
NOWHERE = Reach(path=None)


def list_reach(who: Principal, requested_path: str | None = None) -> Reach:
    """What a list may show: the subtree the caller asked for (which it must be able to
    read), else its own subtree (everything for admins and unscoped viewers; nothing for a
    scope that cannot be resolved)."""
    if requested_path is not None:
        ensure_can_read(who, requested_path)
        return Reach(path=requested_path)
    if sees_everything(who):
        return EVERYWHERE
    if who.scope_path is None:
        return NOWHERE
    return Reach(path=who.scope_path)


def facility_codes_in_scope(
    who: Principal, tree: UnitScopes, requested_path: str | None = None
) -> list[str] | None:
    """The facility codes a list may show; None means no restriction."""
    reach = list_reach(who, requested_path)
    if reach.everywhere:
        return None
    return [] if reach.path is None else tree.facility_codes_under(reach.path)


def unit_codes_in_scope(
    who: Principal, tree: UnitScopes, requested_path: str | None = None
) -> list[str]:
    """The storage-unit codes a list (the status board) may show."""
    reach = list_reach(who, requested_path)
    if reach.everywhere:
        return tree.unit_codes_under(None)
    return [] if reach.path is None else tree.unit_codes_under(reach.path)


def _outside_scope(who: Principal, facility_path: str, action: str) -> str:
    if who.scope_path is None:
        return (
            f"{who.role} {who.name!r} is scoped to facility {who.facility_id},"
            f" which is unknown, so it may {action} nowhere"
        )
    return (
        f"facility {facility_path} is outside the scope of {who.role} {who.name!r}"
        f" (facility {who.facility_id}, {who.scope_path}); it may not {action} there"
    )


def _unknown_facility(who: Principal, facility_code: str) -> str:
    return (
        f"facility {facility_code!r} is not in the ledger, so it lies outside the scope of"
        f" {who.role} {who.name!r}"
    )
