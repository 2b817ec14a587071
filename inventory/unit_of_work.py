"""The unit of work: one use case, one transaction (``with uow: ...; uow.commit()``).

Invariant: nothing is written unless ``commit()`` is called inside the block; leaving the
block without committing (or on an exception) rolls back. A ``UnitOfWork`` can be used for
many transactions, one after the other, each with a fresh session from the factory; its
transaction state is per thread, so one instance may be shared by a threaded server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from inventory.domain.time_window import DEFAULT_WINDOW, TimeWindow
from inventory.repository import Repository


def utc_now() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    """Built from a ``sessionmaker`` (e.g. ``coldchain.db.make_session_factory(engine)``)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime] = utc_now,
        window: TimeWindow = DEFAULT_WINDOW,
    ) -> None:
        self._session_factory = session_factory
        self.clock = clock
        # The programme window every time a caller names is checked against.
        self.window = window
        self._local = threading.local()

    def __enter__(self) -> UnitOfWork:
        if getattr(self._local, "session", None) is not None:
            raise RuntimeError("this unit of work is already in a transaction in this thread")
        session = self._session_factory()
        self._local.session = session
        self._local.repo = Repository(session)
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
    def session(self) -> Session:
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return session

    @property
    def repo(self) -> Repository:
        repo: Repository | None = getattr(self._local, "repo", None)
        if repo is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return repo

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
