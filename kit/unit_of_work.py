"""The generic unit of work: one use case, one transaction (``with uow: ...; uow.commit()``).

Invariants:

- nothing is written unless ``commit()`` is called inside the block; leaving the block
  without committing (or on an exception) rolls back;
- one instance serves many transactions, one after the other, each on a fresh session from
  the factory; the transaction state is per thread, so the pipeline thread, the scheduler's
  threads and the API's threads may share one instance;
- a second ``with`` on the same instance in the same thread is refused (``RuntimeError``):
  on SQLite a nested session would wait for the outer one's write lock forever.

A room subclasses it with its repository: ``class UnitOfWork(kit.unit_of_work.UnitOfWork
[Repository])`` and ``make_repo = Repository``.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Generic, Self, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from kit.clock import Clock, utc_now

R = TypeVar("R")


class UnitOfWork(Generic[R]):
    """Subclasses set ``make_repo`` (a callable from a ``Session`` to the room's repository)."""

    def make_repo(self, session: Session) -> R:
        raise NotImplementedError

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock = utc_now) -> None:
        self._session_factory = session_factory
        self.clock = clock
        self._local = threading.local()

    def __enter__(self) -> Self:
        if getattr(self._local, "session", None) is not None:
            raise RuntimeError("this unit of work is already in a transaction in this thread")
        session = self._session_factory()
        self._local.session = session
        try:
            self._local.repo = self.make_repo(session)
        except BaseException:
            self._local.session = None
            session.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session: Session | None = getattr(self._local, "session", None)
        self._local.session = None
        self._local.repo = None
        if session is not None:
            try:
                session.rollback()
            finally:
                session.close()

    @property
    def in_transaction(self) -> bool:
        """Whether this thread is inside ``with uow:``."""
        return getattr(self._local, "session", None) is not None

    @property
    def session(self) -> Session:
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return session

    @property
    def repo(self) -> R:
        repo: R | None = getattr(self._local, "repo", None)
        if repo is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return repo

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
