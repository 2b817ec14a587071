"""One transaction around the access repository: ``with uow: ...; uow.commit()``.

The generic rules (commit or roll back, state per thread, no re-entry) are the kit's
(``kit.unit_of_work``). Keep the block short and open no second session inside it: on SQLite
every transaction takes the write lock at BEGIN, so a nested session would wait for this one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from access.repository import AccessRepository
from kit import unit_of_work


class AccessUnitOfWork(unit_of_work.UnitOfWork[AccessRepository]):
    def make_repo(self, session: Session) -> AccessRepository:
        return AccessRepository(session)

    @property
    def access(self) -> AccessRepository:
        return self.repo
