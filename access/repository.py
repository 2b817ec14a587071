"""Writes and key look-ups for users and API tokens (all SQL of the access side lives here
and in ``queries.py``).

Invariant: the repository never commits; the unit of work around it does.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from access.models import ApiToken, User


class AccessRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def user_by_name(self, name: str) -> User | None:
        return self._session.scalars(select(User).where(User.name == name)).one_or_none()

    def user(self, user_id: int) -> User | None:
        return self._session.get(User, user_id)

    def add_user(self, user: User) -> User:
        """Add and flush, so that the user has its id (and a duplicate name fails here)."""
        self._session.add(user)
        self._session.flush()
        return user

    def add_token(self, token: ApiToken) -> ApiToken:
        self._session.add(token)
        self._session.flush()
        return token

    def token(self, token_id: int) -> ApiToken | None:
        return self._session.get(ApiToken, token_id)

    def token_by_hash(self, token_hash: str) -> tuple[ApiToken, User] | None:
        row = self._session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash)
        ).one_or_none()
        return None if row is None else (row[0], row[1])
