"""Builders and hand-written fakes for the notification tests (unit and integration)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet

from ingest.alarms.ports import AlarmNotice, ExposedLot, NoticeKind
from ingest.notify.config import WebhookConfig
from ingest.notify.errors import DeliveryFailed
from ingest.notify.outbox import Delivery
from ingest.notify.secret_box import SecretBox
from ingest.notify.targets import AllowedTargets

TEST_SECRET_KEY = Fernet.generate_key().decode()
# The test receivers listen on 127.0.0.1: allowed here as an administrator would allow an
# in-house receiver (COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS=127.0.0.1), with a secret key.
LOCAL_WEBHOOKS = WebhookConfig(
    timeout_s=5.0,
    allowed=AllowedTargets.parse(["127.0.0.1"]),
    secrets=SecretBox([TEST_SECRET_KEY]),
)

FIRED = datetime(2024, 5, 1, 18, 0, tzinfo=UTC)
STARTED = FIRED - timedelta(hours=10)


def make_lot(**overrides: Any) -> ExposedLot:
    lot = ExposedLot(
        lot_id=7,
        product="PENTA",
        lot_number="A123",
        expiry=date(2025, 3, 31),
        doses=200,
        freeze_sensitive=True,
        present_from=STARTED,
        present_to=FIRED,
    )
    return replace(lot, **overrides)


def make_notice(**overrides: Any) -> AlarmNotice:
    """A WHO heat alarm raised at clinic-1 / fridge-1 with one exposed lot of 200 doses."""
    notice = AlarmNotice(
        notice_id="raised:clinic-1/fridge-1/who-heat/1",
        kind=NoticeKind.RAISED,
        alarm_id=1,
        key="clinic-1/fridge-1/who-heat/1",
        rule_id="who-heat",
        severity="alarm",
        facility="clinic-1",
        unit="fridge-1",
        sensor=None,
        started_at=STARTED,
        fired_at=FIRED,
        occurred_at=FIRED,
        peak_c=11.3,
        escalation_level=0,
        notify_facilities=("clinic-1",),
        exposed_lots=(make_lot(),),
        exposed_doses=200,
        message="Heat alarm: fridge-1 at clinic-1 has been above +8.0 °C for 10 h.",
    )
    return replace(notice, **overrides)


def make_delivery(notice_payload: bytes, **overrides: Any) -> Delivery:
    delivery = Delivery(
        id=1,
        notice_id="raised:clinic-1/fridge-1/who-heat/1",
        recipient="contact:3",
        contact_id=3,
        channel="webhook",
        address="http://127.0.0.1:9/hook",
        payload=notice_payload,
        attempts=0,
    )
    return replace(delivery, **overrides)


@dataclass
class FakeRow:
    delivery: Delivery
    status: str = "pending"
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    due: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    claimed: bool = False


class FakeOutbox:
    """An in-memory outbox: rows keyed on (notice_id, recipient), due times ignored unless
    ``honour_due`` (tests of back-off use the real clock)."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.rows: dict[tuple[str, str], FakeRow] = {}
        self.refuse = refuse
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._next_id = 1

    def enqueue(
        self,
        notice: AlarmNotice,
        payload: bytes,
        *,
        alarm_topic: str | None,
        channels: frozenset[str],
    ) -> set[str]:
        if self.refuse:
            raise ConnectionError("database is away")
        with self.lock:
            key = (notice.notice_id, "contact:1")
            if key not in self.rows:
                delivery = make_delivery(payload, id=self._next_id, notice_id=notice.notice_id)
                self._next_id += 1
                self.rows[key] = FakeRow(delivery)
        return {"webhook"}

    def claim(self, channel: str, limit: int, lease_s: float) -> list[Delivery]:
        now = datetime.now(UTC)
        with self.lock:
            due = [
                r
                for r in self.rows.values()
                if r.status == "pending" and not r.claimed and r.due <= now
            ][:limit]
            for r in due:
                r.claimed = True
            return [replace(r.delivery, attempts=r.attempts) for r in due]

    def delivered(self, delivery: Delivery) -> None:
        with self.changed:
            row = self._row(delivery.id)
            row.status, row.claimed = "delivered", False
            row.attempts += 1
            self.changed.notify_all()

    def failed(self, delivery: Delivery, error: str, retry_at: datetime | None) -> None:
        with self.changed:
            row = self._row(delivery.id)
            row.attempts += 1
            row.errors.append(error)
            row.claimed = False
            if retry_at is None:
                row.status = "failed"
            else:
                row.due = retry_at
            self.changed.notify_all()

    def release(self, ids: Iterable[int]) -> None:
        with self.lock:
            for i in ids:
                self._row(i).claimed = False

    def _row(self, delivery_id: int) -> FakeRow:
        return next(r for r in self.rows.values() if r.delivery.id == delivery_id)

    def wait_settled(self, timeout: float = 10.0) -> list[FakeRow]:
        """Block until no row is pending (or the timeout), then return the rows."""
        with self.changed:
            self.changed.wait_for(
                lambda: all(r.status != "pending" for r in self.rows.values()), timeout
            )
            return list(self.rows.values())


class ScriptedChannel:
    """A channel whose sends fail with the scripted errors first, then succeed."""

    name = "webhook"

    def __init__(self, failures: Iterable[Exception] = ()) -> None:
        self.failures = list(failures)
        self.sent: list[Delivery] = []
        self.started = False
        self.closed = False

    def start(self) -> None:
        self.started = True

    def send(self, delivery: Delivery) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(delivery)

    def close(self) -> None:
        self.closed = True


def failures(n: int) -> list[Exception]:
    return [DeliveryFailed(f"HTTP 500 (attempt {i + 1})") for i in range(n)]
