"""Read side of access: users (never their password hash) and API tokens with their owner
(never their secret or hash), with who created them and when they were last used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from access.models import ApiToken, User
from access.principal import Role


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    user_id: int
    name: str
    role: Role
    facility_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None  # None: never expires
    created_by: str | None = None  # None: before accounts were audited
    last_used_at: datetime | None = None  # to the minute; None: never used

    def is_active(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``: the token lets its holder in."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


def token_record(token: ApiToken, user: User) -> TokenRecord:
    return TokenRecord(
        id=token.id,
        user_id=user.id,
        name=user.name,
        role=Role(user.role),
        facility_id=user.facility_id,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
        expires_at=token.expires_at,
        created_by=token.created_by,
        last_used_at=token.last_used_at,
    )


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    role: Role
    facility_id: int | None
    created_at: datetime
    created_by: str | None
    has_password: bool
    disabled_at: datetime | None
    disabled_by: str | None
    last_used_at: datetime | None  # by a token or a password, to the minute

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None


def user_record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        name=user.name,
        role=Role(user.role),
        facility_id=user.facility_id,
        created_at=user.created_at,
        created_by=user.created_by,
        has_password=user.password_hash is not None,
        disabled_at=user.disabled_at,
        disabled_by=user.disabled_by,
        last_used_at=user.last_used_at,
    )


def list_users(
    session_factory: sessionmaker[Session], *, include_disabled: bool = True
) -> list[UserRecord]:
    """Every user, oldest first; disabled ones too unless told otherwise."""
    query = select(User).order_by(User.id)
    if not include_disabled:
        query = query.where(User.disabled_at.is_(None))
    with session_factory() as session:
        return [user_record(user) for user in session.scalars(query)]


def list_tokens(
    session_factory: sessionmaker[Session],
    *,
    now: datetime,
    include_revoked: bool = False,
    include_expired: bool = False,
) -> list[TokenRecord]:
    """Every token, oldest first; revoked ones and ones expired by ``now`` only when asked."""
    query = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    if not include_expired:
        query = query.where(or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))
    with session_factory() as session:
        return [token_record(token, user) for token, user in session.execute(query)]
