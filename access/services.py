"""Access use cases, one transaction each: issue a token, revoke it, authenticate a caller,
and make sure the bootstrap admin exists.

Invariants: a user's role and scope never change through token issuing (asking for a token
for an existing name with another role or scope is a conflict); a token's scope names a
facility that exists when the token is issued (the look-up is the ledger's, passed in); a
secret leaves these functions only once, in ``IssuedToken``, and is never put in an error
message; revoking is idempotent and keeps the row; a token past its ``expires_at`` lets
nobody in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from access.errors import (
    Forbidden,
    InvalidExpiry,
    InvalidName,
    InvalidScope,
    NotAuthenticated,
    TokenExpired,
    TokenNotFound,
    UnknownScopeFacility,
    UserConflict,
    WeakToken,
)
from access.models import ApiToken, User
from access.ports import FacilityPaths
from access.principal import Principal, Role
from access.queries import TokenRecord, token_record
from access.token_secrets import MIN_BOOTSTRAP_TOKEN_LENGTH, hash_token, new_token_secret
from access.unit_of_work import AccessUnitOfWork

BOOTSTRAP_ADMIN_NAME = "bootstrap-admin"
MAX_NAME_LENGTH = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns
MAX_TOKEN_DAYS = 3650
DEFAULT_STAFF_TOKEN_DAYS = 90


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``secret`` is shown to the caller once and stored nowhere."""

    record: TokenRecord
    secret: str


@dataclass(frozen=True, slots=True)
class TokenLifetimes:
    """How long a new token lives when its issuer names no lifetime: days per role. A role
    not listed gets a token that never expires (admins and viewers by default)."""

    default_days: Mapping[Role, int] = field(
        default_factory=lambda: {Role.STAFF: DEFAULT_STAFF_TOKEN_DAYS}
    )

    def expires_at(self, role: Role, expires_in_days: int | None, now: datetime) -> datetime | None:
        days = self.default_days.get(role) if expires_in_days is None else expires_in_days
        if days is None:
            return None
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise InvalidExpiry(f"a token lives 1 to {MAX_TOKEN_DAYS} days, got {days}")
        return now + timedelta(days=days)


DEFAULT_LIFETIMES = TokenLifetimes()


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
    facilities: FacilityPaths,
    expires_in_days: int | None = None,
    lifetimes: TokenLifetimes = DEFAULT_LIFETIMES,
) -> IssuedToken:
    """Issue a token for user ``name``, creating the user with that role and scope if new.

    ``facilities`` is the ledger's look-up: a scope must name a facility that exists now,
    so that a token never gains a facility created later under that id. The token expires
    ``expires_in_days`` after ``now``, or after its role's default in ``lifetimes``.
    """
    name = _check_name(name)
    _check_scope(role, facility_id)
    # Looked up before the transaction: a second session inside it would wait on SQLite.
    if facility_id is not None and facilities.path_of(facility_id) is None:
        raise UnknownScopeFacility(
            f"no facility has id {facility_id}; a token's scope must be an existing facility"
        )
    expires_at = lifetimes.expires_at(role, expires_in_days, now)
    secret = new_token_secret()
    with uow:
        user = _user_with(uow, name=name, role=role, facility_id=facility_id, now=now)
        token = uow.access.add_token(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(secret),
                created_at=now,
                expires_at=expires_at,
            )
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


def authenticate(
    uow: AccessUnitOfWork, secret: str, facility_paths: FacilityPaths, *, now: datetime
) -> Principal:
    """The principal behind an active token; ``NotAuthenticated`` for any other secret
    (``TokenExpired`` for a known one past its expiry)."""
    with uow:
        found = uow.access.token_by_hash(hash_token(secret))
        if found is None or found[0].revoked_at is not None:
            raise NotAuthenticated("unknown or revoked API token")
        token, user = found
        if token.expires_at is not None and token.expires_at <= now:
            raise TokenExpired(
                f"API token {token.id} expired at {token.expires_at.isoformat()};"
                " ask an admin for a new one"
            )
        token_id, user_id, name, role = token.id, user.id, user.name, Role(user.role)
        facility_id, expires_at = user.facility_id, token.expires_at
    # Resolved after the transaction: a second session inside it would wait on SQLite's lock.
    scope_path = None if facility_id is None else facility_paths.path_of(facility_id)
    return Principal(
        user_id=user_id,
        name=name,
        role=role,
        token_id=token_id,
        facility_id=facility_id,
        scope_path=scope_path,
        expires_at=expires_at,
    )


def active_token(uow: AccessUnitOfWork, secret: str, *, now: datetime) -> TokenRecord | None:
    """The token whose secret is ``secret`` when it is active at ``now`` (neither revoked
    nor expired), else None: how start-up finds a published secret still letting people in."""
    with uow:
        found = uow.access.token_by_hash(hash_token(secret))
        if found is None:
            return None
        record = token_record(*found)
    return record if record.is_active(now) else None


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
    if facility_id is not None and not 1 <= facility_id <= MAX_ID:
        raise InvalidScope(f"facility id must be between 1 and {MAX_ID}, got {facility_id}")
    if role is Role.ADMIN and facility_id is not None:
        raise InvalidScope("an admin is not scoped to a facility; omit facility_id")
    if role in (Role.STAFF, Role.SUPERVISOR) and facility_id is None:
        raise InvalidScope(f"{role} must be scoped to a facility; give facility_id")


def _scope_text(facility_id: int | None) -> str:
    return "without a facility" if facility_id is None else f"at facility {facility_id}"
