"""The ledger's unit of work: one use case, one transaction (``with uow: ...; uow.commit()``).

The generic rules (commit or roll back, state per thread, no re-entry) are the kit's
(``kit.unit_of_work``); this room adds its repository and the programme window that every time
a caller names is checked against.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from inventory.domain.time_window import DEFAULT_WINDOW, TimeWindow
from inventory.repository import Repository
from kit import unit_of_work
from kit.clock import Clock, utc_now

__all__ = ["UnitOfWork", "utc_now"]


class UnitOfWork(unit_of_work.UnitOfWork[Repository]):
    """Built from a ``sessionmaker`` (e.g. ``coldchain.db.make_session_factory(engine)``)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock = utc_now,
        window: TimeWindow = DEFAULT_WINDOW,
    ) -> None:
        super().__init__(session_factory, clock)
        self.window = window

    def make_repo(self, session: Session) -> Repository:
        return Repository(session)
