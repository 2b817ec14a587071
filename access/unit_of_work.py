"""One transaction around the access repository: ``with uow: ...; uow.commit()``.

The generic rules (commit or roll back, state per thread, no re-entry) are the kit's
(``kit.unit_of_work``). Keep the block short and open no second session inside it: on SQLite
every transaction takes the write lock at BEGIN, so a nested session would wait for this one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from access.ports import FacilityPaths, NoFacilityPaths
from access.repository import AccessRepository
from kit import unit_of_work
from kit.clock import Clock, utc_now


class AccessUnitOfWork(unit_of_work.UnitOfWork[AccessRepository]):
    """``facilities`` resolves a user's scope to its path when a password signs in (the
    ledger's look-up, wired by the composition root; the default knows none: fail closed)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock = utc_now,
        facilities: FacilityPaths | None = None,
    ) -> None:
        super().__init__(session_factory, clock)
        self.facilities: FacilityPaths = facilities or NoFacilityPaths()

    def make_repo(self, session: Session) -> AccessRepository:
        return AccessRepository(session)

    @property
    def access(self) -> AccessRepository:
        return self.repo
