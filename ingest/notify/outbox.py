"""The durable outbox: one row per (notice, recipient), written before ``notify`` returns.

Invariants:
- (notice_id, recipient) is unique: enqueueing the same notice again adds nothing, so it is
  delivered once (``INSERT … ON CONFLICT DO NOTHING``).
- A pending row is sent only under a lease (``claimed_until``): one dispatcher (of any
  process) at a time; a lease left behind by a crash expires and the row is resumed.
- Every attempt is recorded: ``attempts``, ``last_error``, then ``delivered_at`` or, once
  the attempts are spent, status ``failed``. Rows for a channel that is not configured are
  written as ``failed`` at once, so the gap is visible rather than silently pending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ingest.alarms.ports import AlarmNotice
from ingest.models import AlarmContactRow, NotificationOutboxRow
from ingest.notify.contacts import Contact, recipients

Clock = Callable[[], datetime]
ALARM_TOPIC_RECIPIENT = "alarm-topic"
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    recipient: str  # "contact:{id}" or "alarm-topic"
    contact_id: int | None
    channel: str
    address: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed outbox row, as a channel needs it."""

    id: int
    notice_id: str
    recipient: str
    contact_id: int | None
    channel: str
    address: str
    payload: bytes  # the notice as JSON
    attempts: int  # attempts made before this one
    # The webhook contact's signing secret, sealed: only the webhook channel opens it.
    sealed_secret: str | None = field(default=None, repr=False)

    @property
    def idempotency_key(self) -> str:
        """``{notice id}/{contact id}``: the same for every retry of this delivery."""
        who = self.recipient if self.contact_id is None else str(self.contact_id)
        return f"{self.notice_id}/{who}"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An outbox row for operators and tests (the read side)."""

    id: int
    notice_id: str
    recipient: str
    channel: str
    address: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class Outbox(Protocol):
    def enqueue(
        self,
        notice: AlarmNotice,
        payload: bytes,
        *,
        alarm_topic: str | None,
        channels: frozenset[str],
    ) -> set[str]: ...

    def claim(self, channel: str, limit: int, lease_s: float) -> list[Delivery]: ...

    def delivered(self, delivery: Delivery) -> None: ...

    def failed(self, delivery: Delivery, error: str, retry_at: datetime | None) -> None: ...

    def release(self, ids: Iterable[int]) -> None: ...


def plan_deliveries(
    notice: AlarmNotice, contacts: Sequence[Contact], alarm_topic: str | None
) -> list[PlannedDelivery]:
    """Who gets this notice: each contact once, plus the unit's alarm topic when MQTT is on."""
    planned = [PlannedDelivery(f"contact:{c.id}", c.id, c.channel, c.address) for c in contacts]
    if alarm_topic is not None:
        topic = f"{alarm_topic}/{notice.facility}/{notice.unit or '-'}"
        planned.append(PlannedDelivery(ALARM_TOPIC_RECIPIENT, None, "mqtt", topic))
    return planned


def _table() -> Table:
    table = NotificationOutboxRow.__table__
    assert isinstance(table, Table)
    return table


class SqlOutbox:
    """The outbox in the SQL database (SQLite or PostgreSQL); each call is one transaction."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._now = clock or (lambda: datetime.now(UTC))

    def enqueue(
        self,
        notice: AlarmNotice,
        payload: bytes,
        *,
        alarm_topic: str | None,
        channels: frozenset[str],
    ) -> set[str]:
        """Write the notice's deliveries (committed on return); the channels with work."""
        now = self._now()
        facilities = notice.notify_facilities or (notice.facility,)
        with self._engine.begin() as conn:
            planned = plan_deliveries(notice, recipients(conn, facilities), alarm_topic)
            if not planned:
                return set()
            rows = [_new_row(notice, payload, p, p.channel in channels, now) for p in planned]
            conn.execute(self._insert_ignoring_duplicates(), rows)
        return {p.channel for p in planned if p.channel in channels}

    def _insert_ignoring_duplicates(self) -> Any:
        make = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        return make(_table()).on_conflict_do_nothing(index_elements=["notice_id", "recipient"])

    def claim(self, channel: str, limit: int, lease_s: float) -> list[Delivery]:
        """Lease up to ``limit`` due rows of ``channel`` (oldest first) for ``lease_s``."""
        now = self._now()
        row = NotificationOutboxRow
        with self._engine.begin() as conn:
            due = conn.execute(
                select(_table())
                .where(
                    row.status == "pending",
                    row.channel == channel,
                    row.next_attempt_at <= now,
                    or_(row.claimed_until.is_(None), row.claimed_until < now),
                )
                .order_by(row.next_attempt_at, row.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if not due:
                return []
            ids = [r.id for r in due]
            conn.execute(
                update(row)
                .where(row.id.in_(ids))
                .values(claimed_until=now + timedelta(seconds=lease_s))
            )
            sealed = _sealed_secrets(conn, [r.contact_id for r in due if r.contact_id is not None])
        return [_delivery(r, sealed.get(r.contact_id)) for r in due]

    def delivered(self, delivery: Delivery) -> None:
        row = NotificationOutboxRow
        with self._engine.begin() as conn:
            conn.execute(
                update(row)
                .where(row.id == delivery.id, row.status == "pending")
                .values(
                    status="delivered",
                    attempts=row.attempts + 1,
                    delivered_at=self._now(),
                    claimed_until=None,
                )
            )

    def failed(self, delivery: Delivery, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt; retry at ``retry_at``, or give up when it is None."""
        row = NotificationOutboxRow
        values: dict[str, Any] = {
            "attempts": row.attempts + 1,
            "last_error": error[:MAX_ERROR_CHARS],
            "claimed_until": None,
        }
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = retry_at
        with self._engine.begin() as conn:
            conn.execute(
                update(row).where(row.id == delivery.id, row.status == "pending").values(**values)
            )

    def release(self, ids: Iterable[int]) -> None:
        """Give back leases without an attempt (a dispatcher stopping)."""
        wanted = list(ids)
        if not wanted:
            return
        row = NotificationOutboxRow
        with self._engine.begin() as conn:
            conn.execute(
                update(row)
                .where(row.id.in_(wanted), row.status == "pending")
                .values(claimed_until=None)
            )

    # --- read side (operators, tests) ---

    def entries(self, notice_id: str | None = None) -> list[OutboxEntry]:
        query = select(_table()).order_by(NotificationOutboxRow.id)
        if notice_id is not None:
            query = query.where(NotificationOutboxRow.notice_id == notice_id)
        with self._engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        """Rows per status (``pending``, ``delivered``, ``failed``)."""
        row = NotificationOutboxRow
        with self._engine.connect() as conn:
            found = conn.execute(select(row.status, func.count()).group_by(row.status)).all()
        return {status: int(count) for status, count in found}


def _new_row(
    notice: AlarmNotice, payload: bytes, planned: PlannedDelivery, configured: bool, now: datetime
) -> dict[str, object]:
    return {
        "notice_id": notice.notice_id,
        "recipient": planned.recipient,
        "contact_id": planned.contact_id,
        "channel": planned.channel,
        "address": planned.address,
        "alarm_id": notice.alarm_id,
        "kind": notice.kind.value,
        "payload": payload.decode(),
        "status": "pending" if configured else "failed",
        "attempts": 0,
        "next_attempt_at": now,
        "claimed_until": None,
        "last_error": None if configured else f"channel {planned.channel} is not configured",
        "created_at": now,
        "delivered_at": None,
    }


def _sealed_secrets(conn: Connection, contact_ids: list[int]) -> dict[int, str]:
    if not contact_ids:
        return {}
    row = AlarmContactRow
    found = conn.execute(
        select(row.id, row.sealed_secret).where(
            row.id.in_(sorted(set(contact_ids))), row.sealed_secret.is_not(None)
        )
    ).all()
    return {int(i): str(s) for i, s in found}


def _delivery(r: Any, sealed_secret: str | None) -> Delivery:
    return Delivery(
        id=r.id,
        notice_id=r.notice_id,
        recipient=r.recipient,
        contact_id=r.contact_id,
        channel=r.channel,
        address=r.address,
        payload=r.payload.encode(),
        attempts=r.attempts,
        sealed_secret=sealed_secret,
    )


def _entry(r: Any) -> OutboxEntry:
    return OutboxEntry(
        id=r.id,
        notice_id=r.notice_id,
        recipient=r.recipient,
        channel=r.channel,
        address=r.address,
        status=r.status,
        attempts=r.attempts,
        last_error=r.last_error,
        created_at=r.created_at,
        delivered_at=r.delivered_at,
    )
