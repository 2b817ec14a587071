"""One transaction around the access repository: ``with uow: ...; uow.commit()``.

Invariant: leaving the block without ``commit()`` rolls everything back. Keep the block
short and open no second session inside it: on SQLite every transaction takes the write
lock at BEGIN, so a nested session would wait for this one.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from api.repository import AccessRepository


class AccessUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self.access = AccessRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._session.rollback()
        self._session.close()

    def commit(self) -> None:
        self._session.commit()

    def rollback(self) -> None:
        self._session.rollback()
