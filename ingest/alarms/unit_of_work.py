"""The unit of work of the alarms room: one use case, one transaction.

The generic rules (commit or roll back, state per thread, no re-entry) are the kit's
(``kit.unit_of_work``); this room adds its repository.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ingest.alarms.repository import AlarmRepository
from kit import unit_of_work
from kit.clock import utc_now

__all__ = ["AlarmsUnitOfWork", "utc_now"]


class AlarmsUnitOfWork(unit_of_work.UnitOfWork[AlarmRepository]):
    """Built from a ``sessionmaker`` (``coldchain.db.make_session_factory(engine)``)."""

    def make_repo(self, session: Session) -> AlarmRepository:
        return AlarmRepository(session)
