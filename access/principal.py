"""Who is calling: the principal of a request (user, role, token, facility scope) and the
roles. What a principal may do where is decided in ``access.scopes``.

Invariant: a principal's ``scope_path`` is a well-formed materialized path (``/1/4/17/``)
or None (unscoped, or a scope facility that could not be resolved: it then reaches nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

_PATH = re.compile(r"/(?:\d+/)+")


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    STAFF = "staff"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    name: str
    role: Role
    token_id: int | None  # None: signed in with a password
    facility_id: int | None = None  # scope root; None: not scoped
    scope_path: str | None = None  # the scope facility's path, resolved at authentication
    expires_at: datetime | None = None  # when the caller's token stops working; None: never

    def __post_init__(self) -> None:
        if self.scope_path is not None:
            check_facility_path(self.scope_path)

    @property
    def is_scoped(self) -> bool:
        return self.facility_id is not None


def check_facility_path(path: str) -> str:
    """A materialized path must look like ``/1/4/17/``; anything else is a programming error."""
    if not _PATH.fullmatch(path):
        raise ValueError(f"facility path {path!r} is not of the form '/1/4/17/'")
    return path
