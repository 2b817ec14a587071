"""A lease in the database: one holder of a name at a time, for a time-to-live.

What it is for: exactly one scheduler runs the programme's jobs even when several ingest or
API processes, on several hosts, are started with them. Every process asks for the same
lease before each job; the one that holds it runs the job and renews it, the others skip the
run. A holder that dies stops renewing, and once its lease expires the next process to ask
takes it over: a crashed scheduler is replaced within one time-to-live.

Taking and renewing is one compare-and-set ``UPDATE`` (same holder, or the lease expired),
and a lease that does not exist yet is inserted once (a concurrent insert loses on the
primary key). Both work the same on SQLite and PostgreSQL, need no advisory lock and no
clock agreement beyond the time-to-live: the holder's clock writes ``expires_at``, and
another host's clock reads it, so keep the time-to-live well above the hosts' clock skew.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from kit import naming
from kit.clock import Clock, utc_now
from kit.columns import UTCDateTime


class Base(DeclarativeBase):
    metadata = naming.metadata()


class LeaseRow(Base):
    """Who holds the lease called ``name``, since when, and until when at the latest."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Lease:
    """The lease ``name`` as seen by ``holder`` (unique per process: host, pid, a nonce)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        name: str,
        holder: str,
        ttl: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("a lease's time-to-live must be positive")
        self._sessions = sessions
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self._clock = clock

    def hold(self) -> bool:
        """Take the lease or renew it; True when this holder holds it for one more
        time-to-live from now, False when another holder's lease has not expired."""
        now = self._clock()
        row = LeaseRow
        with self._sessions.begin() as session:
            taken = session.execute(
                update(row)
                .where(row.name == self.name, or_(row.holder == self.holder, row.expires_at <= now))
                .values(
                    holder=self.holder,
                    acquired_at=case((row.holder == self.holder, row.acquired_at), else_=now),
                    expires_at=now + self.ttl,
                )
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                return True
            if session.scalar(select(row.name).where(row.name == self.name)) is not None:
                return False
        try:
            with self._sessions.begin() as session:
                session.add(
                    LeaseRow(
                        name=self.name,
                        holder=self.holder,
                        acquired_at=now,
                        expires_at=now + self.ttl,
                    )
                )
        except IntegrityError:
            return False  # another holder inserted it first
        return True

    def release(self) -> None:
        """Give the lease up (a clean stop), so another holder need not wait for it to expire."""
        with self._sessions.begin() as session:
            session.execute(
                delete(LeaseRow).where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
            )

    def current_holder(self) -> str | None:
        """Who holds the lease now (None: nobody, or it expired)."""
        with self._sessions() as session:
            row = session.get(LeaseRow, self.name)
            if row is None or row.expires_at <= self._clock():
                return None
            return row.holder
