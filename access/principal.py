"""Who is calling, and where they may read and write: roles over the facility tree.

Facilities form a tree and each carries a materialized path of ids from the root to itself
(``"/1/4/17/"``), so "facility F is in the subtree of S" is ``F.path.startswith(S.path)``.

Rules (pure, no I/O):

- ``admin`` reads and writes everywhere and has no scope.
- ``supervisor`` is scoped like staff and may do everything staff may, plus corrections
  (voiding a VVM observation) in its subtree.
- ``staff`` is scoped to a facility: reads and records movements only in its subtree.
- ``viewer`` never writes; reads everywhere, or only in its subtree when it has a scope.

Invariant: access fails closed. A scoped principal whose scope facility cannot be resolved
to a path (deleted, mistyped id, look-up not wired) reads and writes nothing scoped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from access.errors import Forbidden

_PATH = re.compile(r"/(?:\d+/)+")


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    STAFF = "staff"
    VIEWER = "viewer"


WRITERS = frozenset({Role.SUPERVISOR, Role.STAFF})  # scoped roles that record movements


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    name: str
    role: Role
    token_id: int
    facility_id: int | None = None  # scope root; None: not scoped
    scope_path: str | None = None  # the scope facility's path, resolved at authentication
    expires_at: datetime | None = None  # when the caller's token stops working; None: never

    def __post_init__(self) -> None:
        if self.scope_path is not None:
            check_facility_path(self.scope_path)

    @property
    def is_scoped(self) -> bool:
        return self.facility_id is not None

    def covers(self, facility_path: str) -> bool:
        """True when the facility lies in this principal's scope (or it has none)."""
        check_facility_path(facility_path)
        if not self.is_scoped:
            return True
        return self.scope_path is not None and facility_path.startswith(self.scope_path)

    def can_read(self, facility_path: str) -> bool:
        return self.role is Role.ADMIN or self.covers(facility_path)

    def can_write_at(self, facility_path: str) -> bool:
        return self.role is Role.ADMIN or (self.role in WRITERS and self.covers(facility_path))

    @property
    def at_root(self) -> bool:
        """True for admin, or a scope that is a root of the tree (where supplier deliveries
        are received): a scope path with a single id, ``/1/``."""
        if self.role is Role.ADMIN:
            return True
        return self.scope_path is not None and self.scope_path.count("/") == 2


def check_facility_path(path: str) -> str:
    """A materialized path must look like ``/1/4/17/``; anything else is a programming error."""
    if not _PATH.fullmatch(path):
        raise ValueError(f"facility path {path!r} is not of the form '/1/4/17/'")
    return path


def ensure_can_read(principal: Principal, facility_path: str) -> None:
    """Raise ``Forbidden`` (403) unless the principal may read at that facility."""
    if not principal.can_read(facility_path):
        raise Forbidden(_outside_scope(principal, facility_path, "read"))


def ensure_can_write_at(principal: Principal, facility_path: str) -> None:
    """Raise ``Forbidden`` (403) unless the principal may record movements at that facility."""
    if principal.role is Role.VIEWER:
        raise Forbidden(f"viewer {principal.name!r} is read-only")
    if not principal.can_write_at(facility_path):
        raise Forbidden(_outside_scope(principal, facility_path, "write"))


def ensure_role(principal: Principal, *roles: Role) -> None:
    """Raise ``Forbidden`` unless the principal has one of ``roles`` (admin always passes)."""
    if principal.role is not Role.ADMIN and principal.role not in roles:
        needed = ", ".join(sorted({Role.ADMIN, *roles}))
        raise Forbidden(f"{principal.role} {principal.name!r} may not do this; needs: {needed}")


def _outside_scope(principal: Principal, facility_path: str, action: str) -> str:
    if principal.scope_path is None:
        return (
            f"{principal.role} {principal.name!r} is scoped to facility {principal.facility_id},"
            f" which is unknown, so it may {action} nowhere"
        )
    return (
        f"facility {facility_path} is outside the scope of {principal.role} {principal.name!r}"
        f" (facility {principal.facility_id}, {principal.scope_path}); it may not {action} there"
    )
