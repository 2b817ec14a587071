"""Access use cases, one transaction each: issue a token, revoke it, authenticate a caller,
and make sure the bootstrap admin exists.

Invariants: a user's role and scope never change through token issuing (asking for a token
for an existing name with another role or scope is a conflict); a secret leaves these
functions only once, in ``IssuedToken``; revoking is idempotent and keeps the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from api.auth import MIN_BOOTSTRAP_TOKEN_LENGTH, hash_token, new_token_secret
from api.errors import (
    Forbidden,
    InvalidName,
    InvalidScope,
    NotAuthenticated,
    TokenNotFound,
    UserConflict,
    WeakToken,
)
from api.models import ApiToken, User
from api.principal import FacilityPaths, Principal, Role
from api.queries import TokenRecord, token_record
from api.unit_of_work import AccessUnitOfWork

BOOTSTRAP_ADMIN_NAME = "bootstrap-admin"
MAX_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``secret`` is shown to the caller once and stored nowhere."""

    record: TokenRecord
    secret: str


class BootstrapOutcome(StrEnum):
    CREATED = "created"
    EXISTS = "exists"
    REVOKED = "revoked"  # an admin revoked it: it stays revoked


def create_token(
    uow: AccessUnitOfWork,
    *,
    name: str,
    role: Role,
    facility_id: int | None,
    now: datetime,
) -> IssuedToken:
    """Issue a token for user ``name``, creating the user with that role and scope if new."""
    name = _check_name(name)
    _check_scope(role, facility_id)
    secret = new_token_secret()
    with uow:
        user = _user_with(uow, name=name, role=role, facility_id=facility_id, now=now)
        token = uow.access.add_token(
            ApiToken(user_id=user.id, token_hash=hash_token(secret), created_at=now)
        )
        record = token_record(token, user)
        _commit(uow, name)
    return IssuedToken(record=record, secret=secret)


def revoke_token(
    uow: AccessUnitOfWork, token_id: int, *, now: datetime, by: Principal | None = None
) -> TokenRecord:
    """Revoke a token (idempotent). ``by`` is the caller; None means the trusted CLI."""
    with uow:
        token = uow.access.token(token_id)
        user = None if token is None else uow.access.user(token.user_id)
        if token is None or user is None:
            raise TokenNotFound(f"no API token has id {token_id}")
        if by is not None and by.role is not Role.ADMIN and by.user_id != user.id:
            raise Forbidden(f"only an admin or its owner may revoke token {token_id}")
        if token.revoked_at is None:
            token.revoked_at = now
        record = token_record(token, user)
        uow.commit()
    return record


def authenticate(uow: AccessUnitOfWork, secret: str, facility_paths: FacilityPaths) -> Principal:
    """The principal behind an active token; ``NotAuthenticated`` for any other secret."""
    with uow:
        found = uow.access.token_by_hash(hash_token(secret))
        if found is None or found[0].revoked_at is not None:
            raise NotAuthenticated("unknown or revoked API token")
        token, user = found
        token_id, user_id, name, role = token.id, user.id, user.name, Role(user.role)
        facility_id = user.facility_id
    # Resolved after the transaction: a second session inside it would wait on SQLite's lock.
    scope_path = None if facility_id is None else facility_paths.path_of(facility_id)
    return Principal(
        user_id=user_id,
        name=name,
        role=role,
        token_id=token_id,
        facility_id=facility_id,
        scope_path=scope_path,
    )


def ensure_bootstrap_admin(
    uow: AccessUnitOfWork, secret: str, *, now: datetime
) -> BootstrapOutcome:
    """Make ``secret`` an admin token unless it already exists (idempotent)."""
    if len(secret) < MIN_BOOTSTRAP_TOKEN_LENGTH:
        raise WeakToken(
            f"the bootstrap admin token must be at least {MIN_BOOTSTRAP_TOKEN_LENGTH}"
            f" characters long, got {len(secret)}"
        )
    with uow:
        found = uow.access.token_by_hash(hash_token(secret))
        if found is not None:
            token, user = found
            if user.role != Role.ADMIN:
                raise UserConflict(f"the bootstrap token belongs to {user.role} {user.name!r}")
            return BootstrapOutcome.EXISTS if token.revoked_at is None else BootstrapOutcome.REVOKED
        user = _user_with(
            uow, name=BOOTSTRAP_ADMIN_NAME, role=Role.ADMIN, facility_id=None, now=now
        )
        uow.access.add_token(
            ApiToken(user_id=user.id, token_hash=hash_token(secret), created_at=now)
        )
        _commit(uow, BOOTSTRAP_ADMIN_NAME)
    return BootstrapOutcome.CREATED


def _user_with(
    uow: AccessUnitOfWork, *, name: str, role: Role, facility_id: int | None, now: datetime
) -> User:
    user = uow.access.user_by_name(name)
    if user is None:
        try:
            return uow.access.add_user(
                User(name=name, role=role.value, facility_id=facility_id, created_at=now)
            )
        except IntegrityError as exc:
            raise UserConflict(f"user {name!r} was created at the same time; retry") from exc
    if (user.role, user.facility_id) != (role.value, facility_id):
        raise UserConflict(
            f"user {name!r} exists as {user.role}"
            + ("" if user.facility_id is None else f" at facility {user.facility_id}")
            + f"; a token for it cannot have role {role} {_scope_text(facility_id)}"
        )
    return user


def _commit(uow: AccessUnitOfWork, name: str) -> None:
    try:
        uow.commit()
    except IntegrityError as exc:
        raise UserConflict(f"user {name!r} was created at the same time; retry") from exc


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidName(f"a user name has 1 to {MAX_NAME_LENGTH} characters, got {name!r}")
    return name


def _check_scope(role: Role, facility_id: int | None) -> None:
    if facility_id is not None and facility_id < 1:
        raise InvalidScope(f"facility id must be a positive integer, got {facility_id}")
    if role is Role.ADMIN and facility_id is not None:
        raise InvalidScope("an admin is not scoped to a facility; omit facility_id")
    if role in (Role.STAFF, Role.SUPERVISOR) and facility_id is None:
        raise InvalidScope(f"{role} must be scoped to a facility; give facility_id")


def _scope_text(facility_id: int | None) -> str:
    return "without a facility" if facility_id is None else f"at facility {facility_id}"
