"""Read side of access: API tokens with their owner, never their secret or hash."""

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
    )


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
