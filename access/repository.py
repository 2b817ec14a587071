"""Writes and key look-ups for users and API tokens (all SQL of the access side lives here
and in ``queries.py``).

Invariant: the repository never commits; the unit of work around it does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from access.models import ApiToken, SignInFailure, User


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

    def users(self) -> list[User]:
        return list(self._session.scalars(select(User).order_by(User.id)))

    def touch_token(self, token_id: int, now: datetime, unless_since: datetime) -> None:
        """Set the token's ``last_used_at`` to ``now`` unless it was used at or after
        ``unless_since`` (one conditional UPDATE: two requests at once write once)."""
        self._session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < unless_since))
            .values(last_used_at=now)
        )

    def touch_user(self, user_id: int, now: datetime, unless_since: datetime) -> None:
        self._session.execute(
            update(User)
            .where(User.id == user_id)
            .where(or_(User.last_used_at.is_(None), User.last_used_at < unless_since))
            .values(last_used_at=now)
        )

    def replace_password_hash(self, user_id: int, old: str, new: str) -> None:
        """Replace the hash only while it is still ``old`` (a password changed meanwhile
        is kept)."""
        self._session.execute(
            update(User)
            .where(User.id == user_id, User.password_hash == old)
            .values(password_hash=new)
        )

    def recent_failures(self, key_hash: str, since: datetime) -> tuple[int, datetime | None]:
        """How many failures of ``key_hash`` after ``since``, and the oldest of them."""
        row = self._session.execute(
            select(func.count(), func.min(SignInFailure.failed_at)).where(
                SignInFailure.key_hash == key_hash, SignInFailure.failed_at > since
            )
        ).one()
        return int(row[0]), row[1]

    def add_failures(self, key_hashes: list[str], at: datetime) -> None:
        self._session.add_all(SignInFailure(key_hash=k, failed_at=at) for k in key_hashes)

    def forget_failures(self, until: datetime) -> None:
        """Delete every failure at or before ``until`` (out of every window)."""
        self._session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= until))
