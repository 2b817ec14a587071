"""Read side of access: API tokens with their owner, never their secret or hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.models import ApiToken, User
from api.principal import Role


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    user_id: int
    name: str
    role: Role
    facility_id: int | None
    created_at: datetime
    revoked_at: datetime | None


def token_record(token: ApiToken, user: User) -> TokenRecord:
    return TokenRecord(
        id=token.id,
        user_id=user.id,
        name=user.name,
        role=Role(user.role),
        facility_id=user.facility_id,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
    )


def list_tokens(
    session_factory: sessionmaker[Session], *, include_revoked: bool = False
) -> list[TokenRecord]:
    """Every token, oldest first; revoked ones only when asked for."""
    query = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    with session_factory() as session:
        return [token_record(token, user) for token, user in session.execute(query)]
