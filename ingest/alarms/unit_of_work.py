"""The unit of work of the alarms package: one use case, one transaction.

Invariant: nothing is written unless ``commit()`` is called inside ``with uow:``; leaving the
block otherwise rolls back. Transaction state is per thread, so the pipeline thread, the
scheduler's threads and the API may share one instance.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from ingest.alarms.repository import AlarmRepository


def utc_now() -> datetime:
    return datetime.now(UTC)


class AlarmsUnitOfWork:
    """Built from a ``sessionmaker`` (``coldchain.db.make_session_factory(engine)``)."""

    def __init__(
        self, session_factory: sessionmaker[Session], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._session_factory = session_factory
        self.clock = clock
        self._local = threading.local()

    def __enter__(self) -> AlarmsUnitOfWork:
        if getattr(self._local, "session", None) is not None:
            raise RuntimeError("this unit of work is already in a transaction in this thread")
        session = self._session_factory()
        self._local.session = session
        self._local.repo = AlarmRepository(session)
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
    def repo(self) -> AlarmRepository:
        repo: AlarmRepository | None = getattr(self._local, "repo", None)
        if repo is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return repo

    def commit(self) -> None:
        self.session.commit()
