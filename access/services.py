"""Access use cases, one transaction each: create and disable users, issue and revoke
tokens, authenticate a caller by token or by name and password, and make sure the bootstrap
admin exists.

Invariants: a user's role and scope never change through token issuing (asking for a token
for an existing name with another role or scope is a conflict); a scope names a facility
that exists when the user or token is made (the look-up is the ledger's, passed in); a
secret leaves these functions only once, in ``IssuedToken``, and a password never; neither
is put in an error message; revoking and disabling are idempotent and keep the row; a
token past its ``expires_at``, or of a disabled user, lets nobody in, and so does a
disabled user's password. Who made a user or token is recorded (``by``: the calling
principal, or None for the trusted command line, recorded as ``cli``); ``last_used_at`` is
written at most once a minute per token and per user, so most requests write nothing.
Slow password hashing runs outside any transaction.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
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
    TooManyAttempts,
    UnknownScopeFacility,
    UserConflict,
    UserNotFound,
    WeakToken,
)
from access.models import ApiToken, User
from access.passwords import DEFAULT_PASSWORDS, MAX_PASSWORD_LENGTH, Passwords
from access.ports import FacilityPaths
from access.principal import Principal, Role
from access.queries import TokenRecord, UserRecord, token_record, user_record
from access.token_secrets import MIN_BOOTSTRAP_TOKEN_LENGTH, hash_token, new_token_secret
from access.unit_of_work import AccessUnitOfWork

BOOTSTRAP_ADMIN_NAME = "bootstrap-admin"
MAX_NAME_LENGTH = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns
MAX_TOKEN_DAYS = 3650
DEFAULT_STAFF_TOKEN_DAYS = 90
TRUSTED_CALLER = "cli"  # ``created_by`` / ``disabled_by`` when no principal asked (the CLI)
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often
MAX_SIGN_IN_FAILURES = 5  # failed sign-ins per key within the window, then refused
SIGN_IN_WINDOW = timedelta(minutes=15)


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
    by: Principal | None = None,
) -> IssuedToken:
    """Issue a token for user ``name``, creating the user with that role and scope if new.

    ``facilities`` is the ledger's look-up: a scope must name a facility that exists now,
    so that a token never gains a facility created later under that id. The token expires
    ``expires_in_days`` after ``now``, or after its role's default in ``lifetimes``.
    """
    name = _check_name(name)
    _check_scope(role, facility_id, facilities)
    expires_at = lifetimes.expires_at(role, expires_in_days, now)
    secret = new_token_secret()
    with uow:
        user = _user_with(uow, name=name, role=role, facility_id=facility_id, now=now, by=by)
        if user.disabled_at is not None:
            raise UserConflict(f"user {name!r} is disabled; it gets no new tokens")
        token = uow.access.add_token(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(secret),
                created_at=now,
                expires_at=expires_at,
                created_by=_actor(by),
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
    """The principal behind an active token of an active user; ``NotAuthenticated`` for any
    other secret (``TokenExpired`` for a known one past its expiry)."""
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
        if user.disabled_at is not None:
            raise NotAuthenticated(f"API token {token.id} belongs to a disabled user")
        token_id, user_id, name, role = token.id, user.id, user.name, Role(user.role)
        facility_id, expires_at = user.facility_id, token.expires_at
        if _stale(token.last_used_at, now) or _stale(user.last_used_at, now):
            uow.access.touch_token(token_id, now, now - LAST_USED_EVERY)
            uow.access.touch_user(user_id, now, now - LAST_USED_EVERY)
            uow.commit()
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


WRONG_PASSWORD = "unknown user or wrong password"


def authenticate_password(
    uow: AccessUnitOfWork,
    name: str,
    password: str,
    now: datetime,
    *,
    passwords: Passwords = DEFAULT_PASSWORDS,
) -> Principal:
    """The principal of an active user whose password this is; ``NotAuthenticated`` with
    the same message otherwise (unknown name, no password, wrong password, disabled user).

    Every attempt verifies one Argon2 hash (a dummy one for an unknown user), outside the
    transaction, so the answer takes as long whether or not the name exists. A hash made
    under older Argon2 parameters is replaced by one under the current parameters. The
    scope is resolved with ``uow.facilities`` (the ledger's look-up)."""
    with uow:
        user = uow.access.user_by_name(name.strip()) if len(name) <= MAX_NAME_LENGTH else None
        stored = None if user is None else user.password_hash
        known = None if user is None else user_record(user)
    matched = passwords.verify(stored, password[: 2 * MAX_PASSWORD_LENGTH])
    if not matched or known is None or stored is None or known.is_disabled:
        raise NotAuthenticated(WRONG_PASSWORD)
    rehashed = passwords.hash(password) if passwords.needs_rehash(stored) else None
    with uow:
        if rehashed is not None:
            uow.access.replace_password_hash(known.id, stored, rehashed)
        if rehashed is not None or _stale(known.last_used_at, now):
            uow.access.touch_user(known.id, now, now - LAST_USED_EVERY)
            uow.commit()
    facility_id = known.facility_id
    scope_path = None if facility_id is None else uow.facilities.path_of(facility_id)
    return Principal(
        user_id=known.id,
        name=known.name,
        role=known.role,
        token_id=None,
        facility_id=facility_id,
        scope_path=scope_path,
    )


def check_sign_in_allowed(uow: AccessUnitOfWork, keys: Sequence[str], now: datetime) -> None:
    """``TooManyAttempts`` when any of ``keys`` (an account's ``name:...``, an address's
    ``addr:...``) failed ``MAX_SIGN_IN_FAILURES`` times within ``SIGN_IN_WINDOW`` before
    ``now``, with the minutes until its oldest failure leaves the window. The failures are
    rows in the database, so every API process and host counts the same ones."""
    since = now - SIGN_IN_WINDOW
    with uow:
        for key in keys:
            failures, oldest = uow.access.recent_failures(_key_hash(key), since)
            if failures >= MAX_SIGN_IN_FAILURES and oldest is not None:
                wait = (oldest + SIGN_IN_WINDOW - now).total_seconds()
                raise TooManyAttempts(max(1, math.ceil(wait / 60)))


def record_sign_in_failure(uow: AccessUnitOfWork, keys: Sequence[str], now: datetime) -> None:
    """One failed sign-in against each of ``keys`` at ``now``, in one transaction that also
    deletes every failure already out of the window (the table holds only recent ones)."""
    with uow:
        uow.access.forget_failures(now - SIGN_IN_WINDOW)
        uow.access.add_failures([_key_hash(key) for key in keys], now)
        uow.commit()


def _key_hash(key: str) -> str:
    """What is stored of a throttle key: its SHA-256 (a mistyped password in the name field
    is not kept in clear)."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_user(
    uow: AccessUnitOfWork,
    *,
    name: str,
    role: Role,
    facility_id: int | None,
    password: str | None,
    now: datetime,
    facilities: FacilityPaths,
    by: Principal | None = None,
    passwords: Passwords = DEFAULT_PASSWORDS,
) -> UserRecord:
    """A new user with that role, scope and (hashed) password; a name taken is a
    ``UserConflict``. ``password`` None: the user signs in with tokens only."""
    name = _check_name(name)
    _check_scope(role, facility_id, facilities, "user")
    password_hash = None if password is None else passwords.hash(password)  # outside the txn
    with uow:
        if uow.access.user_by_name(name) is not None:
            raise UserConflict(f"a user named {name!r} exists already; users are never renamed")
        user = _add_user(uow, name=name, role=role, facility_id=facility_id, now=now, by=by)
        user.password_hash = password_hash
        record = user_record(user)
        _commit(uow, name)
    return record


def disable_user(
    uow: AccessUnitOfWork, user: int | str, *, now: datetime, by: Principal | None = None
) -> UserRecord:
    """Disable a user (by id or name) for good: from now on its tokens and password let
    nobody in. Idempotent (the first disabling is kept); the row stays. ``by`` may not
    disable itself (that would lock its caller out mid-request)."""
    with uow:
        found = uow.access.user(user) if isinstance(user, int) else uow.access.user_by_name(user)
        if found is None:
            raise UserNotFound(f"no user has {'id' if isinstance(user, int) else 'name'} {user!r}")
        if by is not None and by.user_id == found.id:
            raise UserConflict(f"{by.role} {by.name!r} may not disable itself")
        if found.disabled_at is None:
            found.disabled_at = now
            found.disabled_by = _actor(by)
        record = user_record(found)
        uow.commit()
    return record


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
            uow, name=BOOTSTRAP_ADMIN_NAME, role=Role.ADMIN, facility_id=None, now=now, by=None
        )
        uow.access.add_token(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(secret),
                created_at=now,
                created_by=TRUSTED_CALLER,
            )
        )
        _commit(uow, BOOTSTRAP_ADMIN_NAME)
    return BootstrapOutcome.CREATED


def _user_with(
    uow: AccessUnitOfWork,
    *,
    name: str,
    role: Role,
    facility_id: int | None,
    now: datetime,
    by: Principal | None,
) -> User:
    user = uow.access.user_by_name(name)
    if user is None:
        return _add_user(uow, name=name, role=role, facility_id=facility_id, now=now, by=by)
    if (user.role, user.facility_id) != (role.value, facility_id):
        raise UserConflict(
            f"user {name!r} exists as {user.role}"
            + ("" if user.facility_id is None else f" at facility {user.facility_id}")
            + f"; a token for it cannot have role {role} {_scope_text(facility_id)}"
        )
    return user


def _add_user(
    uow: AccessUnitOfWork,
    *,
    name: str,
    role: Role,
    facility_id: int | None,
    now: datetime,
    by: Principal | None,
) -> User:
    try:
        return uow.access.add_user(
            User(
                name=name,
                role=role.value,
                facility_id=facility_id,
                created_at=now,
                created_by=_actor(by),
            )
        )
    except IntegrityError as exc:
        raise UserConflict(f"user {name!r} was created at the same time; retry") from exc


def _actor(by: Principal | None) -> str:
    return TRUSTED_CALLER if by is None else by.name


def _stale(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or last_used_at <= now - LAST_USED_EVERY


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


def _check_scope(
    role: Role, facility_id: int | None, facilities: FacilityPaths, what: str = "token"
) -> None:
    """Role and scope go together, and the scope is a facility that exists now (so that a
    user never gains a facility created later under that id). Looked up before any
    transaction: a second session inside one would wait on SQLite's lock."""
    _check_role_scope(role, facility_id)
    if facility_id is not None and facilities.path_of(facility_id) is None:
        raise UnknownScopeFacility(
            f"no facility has id {facility_id}; a {what}'s scope must be an existing facility"
        )


def _check_role_scope(role: Role, facility_id: int | None) -> None:
    if facility_id is not None and not 1 <= facility_id <= MAX_ID:
        raise InvalidScope(f"facility id must be between 1 and {MAX_ID}, got {facility_id}")
    if role is Role.ADMIN and facility_id is not None:
        raise InvalidScope("an admin is not scoped to a facility; omit facility_id")
    if role in (Role.STAFF, Role.SUPERVISOR) and facility_id is None:
        raise InvalidScope(f"{role} must be scoped to a facility; give facility_id")


def _scope_text(facility_id: int | None) -> str:
    return "without a facility" if facility_id is None else f"at facility {facility_id}"
