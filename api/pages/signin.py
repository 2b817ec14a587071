"""Who signs in to the pages, and who a session still is: the one module that knows how
credentials are checked.

A person signs in with their user name and password (``access.services.
authenticate_password``: Argon2, the same answer and the same work for an unknown name). A
session names the user and a stamp of their password hash; ``principal_of`` rebuilds the
caller on every request, so disabling the user or changing their password ends every
session at once, and a changed role or scope applies on the next page.

Failed sign-ins are limited per account and per address (``access.services.
check_sign_in_allowed`` / ``record_sign_in_failure``): after ``MAX_SIGN_IN_FAILURES`` within
``SIGN_IN_WINDOW`` further attempts are refused, right or wrong, until the window has
passed. The failures are rows in the database, so every API process and host shares them
and a restart forgets nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from access import services
from access.errors import NotAuthenticated
from access.principal import Principal, Role
from api.deps import ApiDeps


class SignInRefused(Exception):
    """The name and password do not match an active account (never says which)."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    user_id: int
    stamp: str  # of the password hash the session was opened with
    principal: Principal


def password_stamp(password_hash: str) -> str:
    """What a session keeps of the password: 16 hex digits of a digest of its hash (never
    the hash itself), enough to tell that the password changed."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def sign_in(deps: ApiDeps, *, name: str, password: str, address: str) -> SignedIn:
    """The account behind ``name`` and ``password``; ``SignInRefused`` or
    ``access.errors.TooManyAttempts``."""
    keys = (f"name:{name.strip().lower()}", f"addr:{address}")
    services.check_sign_in_allowed(deps.access_uow(), keys, deps.clock())
    try:
        principal = services.authenticate_password(
            deps.access_uow(), name, password, deps.clock(), passwords=deps.passwords
        )
    except NotAuthenticated as exc:
        services.record_sign_in_failure(deps.access_uow(), keys, deps.clock())
        raise SignInRefused(str(exc)) from exc
    stamp = _current_stamp(deps, principal.user_id)
    if stamp is None:  # disabled or password removed in between
        raise SignInRefused(services.WRONG_PASSWORD)
    return SignedIn(principal.user_id, stamp, principal)


def _current_stamp(deps: ApiDeps, user_id: int) -> str | None:
    uow = deps.access_uow()
    with uow:
        user = uow.access.user(user_id)
        if user is None or user.disabled_at is not None or user.password_hash is None:
            return None
        return password_stamp(user.password_hash)


def principal_of(deps: ApiDeps, user_id: int, stamp: str) -> Principal | None:
    """The signed-in caller, or None once the user is disabled or their password changed."""
    uow = deps.access_uow()
    with uow:
        user = uow.access.user(user_id)
        if user is None or user.disabled_at is not None or user.password_hash is None:
            return None
        if password_stamp(user.password_hash) != stamp:
            return None
        name, role, facility_id = user.name, Role(user.role), user.facility_id
    scope_path = None if facility_id is None else deps.facility_paths.path_of(facility_id)
    return Principal(
        user_id=user_id,
        name=name,
        role=role,
        token_id=None,
        facility_id=facility_id,
        scope_path=scope_path,
    )
