"""The notifier and its dispatcher: ``notify`` writes the outbox and wakes a lane per channel.

```
notify(notice) ──one SQL tx──► notification_outbox ──wake──► lane "webhook" ─► pool ─► POST
                                                      ├────► lane "mqtt"    ─► pool ─► PUBLISH
                                                      └────► lane "email"   ─► pool ─► SMTP
```

Invariants:
- ``notify`` never raises and never waits on a receiver: it commits the outbox rows (so a
  crash after it returns loses nothing) and sets the lanes' wake-up events. If the database
  refuses, the notice is kept in memory and written again every ``poll_s``.
- Channels are independent: each has its own lane thread and pool of
  ``workers_per_channel`` senders, and every send is bounded by the channel's timeout, so a
  dead endpoint holds at most one sender of its own channel for one timeout.
- A failed attempt is retried after a capped exponential back-off up to ``max_attempts``;
  a lane also looks for due rows every ``poll_s`` (retries, leases expired after a crash,
  rows another process wrote), and on ``start`` it resumes every pending row.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from ingest.alarms.ports import AlarmNotice
from ingest.notify.channels.base import Channel
from ingest.notify.config import NotifyConfig
from ingest.notify.errors import DeliveryRejected
from ingest.notify.outbox import Delivery, Outbox, SqlOutbox
from ingest.notify.payload import notice_to_json

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class Lane:
    """Delivers the due rows of one channel with a small pool; wakes on ``wake()``."""

    def __init__(
        self, channel: Channel, outbox: Outbox, config: NotifyConfig, clock: Clock
    ) -> None:
        self._channel = channel
        self._outbox = outbox
        self._config = config
        self._now = clock
        self._workers = max(1, config.workers_per_channel)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._inflight: set[int] = set()
        self._retries: list[float] = []  # monotonic times of scheduled retries (a heap)
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self._channel.name

    def start(self) -> None:
        self._stopping.clear()
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix=f"notify-{self.name}")
        self._thread = threading.Thread(target=self._run, name=f"notify-{self.name}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stop claiming, let the sends in flight finish (each bounded by its timeout)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            left, self._inflight = set(self._inflight), set()
        self._release(left)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self._claim_and_send()
            except Exception:  # the database may be away: log, wait, try again
                log.exception("notify lane %s could not claim deliveries", self.name)
            self._wake.wait(self._timeout())

    def _claim_and_send(self) -> None:
        with self._lock:
            free = self._workers - len(self._inflight)
        if free <= 0:
            return
        claimed = self._outbox.claim(self.name, free, self._config.lease_s)
        assert self._pool is not None
        for delivery in claimed:
            with self._lock:
                self._inflight.add(delivery.id)
            self._pool.submit(self._deliver, delivery)

    def _timeout(self) -> float:
        now = time.monotonic()
        with self._lock:
            while self._retries and self._retries[0] <= now:
                heapq.heappop(self._retries)
            next_retry = self._retries[0] - now if self._retries else self._config.poll_s
        return max(0.0, min(self._config.poll_s, next_retry))

    def _deliver(self, delivery: Delivery) -> None:
        try:
            self._attempt(delivery)
        except Exception:  # recording the outcome failed: the lease expires, it is resumed
            log.exception("notify %s: outcome of delivery %d not recorded", self.name, delivery.id)
        finally:
            with self._lock:
                self._inflight.discard(delivery.id)
            self._wake.set()

    def _attempt(self, delivery: Delivery) -> None:
        try:
            self._channel.send(delivery)
        except DeliveryRejected as exc:
            log.warning("notify %s: delivery %d rejected: %s", self.name, delivery.id, exc)
            self._outbox.failed(delivery, _describe(exc), None)
        except Exception as exc:
            self._failed(delivery, exc)
        else:
            self._outbox.delivered(delivery)

    def _failed(self, delivery: Delivery, exc: Exception) -> None:
        attempts = delivery.attempts + 1
        retry = self._config.retry
        if attempts >= retry.max_attempts:
            log.error(
                "notify %s: delivery %d to %s failed %d times, giving up: %s",
                self.name,
                delivery.id,
                delivery.address,
                attempts,
                exc,
            )
            self._outbox.failed(delivery, _describe(exc), None)
            return
        delay = retry.delay_s(attempts)
        self._outbox.failed(delivery, _describe(exc), self._now() + timedelta(seconds=delay))
        with self._lock:
            heapq.heappush(self._retries, time.monotonic() + delay)

    def _release(self, ids: set[int]) -> None:
        try:
            self._outbox.release(ids)
        except Exception:
            log.exception("notify %s: leases not released (they expire)", self.name)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return text if text else type(exc).__name__


class OutboxNotifier:
    """The ``Notifier`` of the alarms package: a durable outbox plus one lane per channel.

    ``notify`` works before ``start`` (rows wait in the outbox); ``start`` opens the
    channels and resumes pending rows; ``stop`` finishes the sends in flight and closes.
    """

    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, Channel],
        config: NotifyConfig,
        clock: Clock | None = None,
    ) -> None:
        self._outbox = outbox
        self._config = config
        self._channels = dict(channels)
        now = clock or (lambda: datetime.now(UTC))
        self._lanes = {name: Lane(ch, outbox, config, now) for name, ch in channels.items()}
        self._alarm_topic = config.mqtt.alarm_topic if config.mqtt is not None else None
        self._spilled: list[AlarmNotice] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._keeper: threading.Thread | None = None

    def notify(self, notice: AlarmNotice) -> None:
        """Write the notice's deliveries to the outbox and wake their channels."""
        try:
            self._enqueue(notice)
        except Exception:
            log.exception("notice %s kept in memory: the outbox refused it", notice.notice_id)
            with self._lock:
                self._spilled.append(notice)

    def _enqueue(self, notice: AlarmNotice) -> None:
        woken = self._outbox.enqueue(
            notice,
            notice_to_json(notice),
            alarm_topic=self._alarm_topic,
            channels=frozenset(self._lanes),
        )
        for name in woken:
            self._lanes[name].wake()

    def start(self) -> None:
        if self._keeper is not None:
            return
        for channel in self._channels.values():
            channel.start()
        for lane in self._lanes.values():
            lane.start()
        self._stopping.clear()
        self._keeper = threading.Thread(target=self._keep, name="notify-keeper", daemon=True)
        self._keeper.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._keeper is None:
            return
        self._keeper.join()
        self._keeper = None
        for lane in self._lanes.values():
            lane.stop()
        for channel in self._channels.values():
            channel.close()

    def spilled(self) -> int:
        """How many accepted notices are waiting in memory for the database to come back."""
        with self._lock:
            return len(self._spilled)

    def flush_spilled(self) -> None:
        """Write the notices kept in memory, oldest first; stop at the first refusal."""
        while True:
            with self._lock:
                if not self._spilled:
                    return
                notice = self._spilled[0]
            try:
                self._enqueue(notice)
            except Exception as exc:
                log.warning("outbox still refuses notices (%d waiting): %s", self.spilled(), exc)
                return
            with self._lock:
                self._spilled.pop(0)

    def _keep(self) -> None:
        while not self._stopping.wait(self._config.poll_s):
            self.flush_spilled()


def build_channels(config: NotifyConfig) -> dict[str, Channel]:
    """The configured channels (no I/O until ``start``)."""
    channels: dict[str, Channel] = {}
    if config.webhook is not None:
        from ingest.notify.channels.webhook import WebhookChannel

        channels["webhook"] = WebhookChannel(config.webhook)
    if config.mqtt is not None:
        from ingest.notify.channels.mqtt import MqttChannel

        channels["mqtt"] = MqttChannel(config.mqtt)
    if config.smtp is not None:
        from ingest.notify.channels.email import EmailChannel

        channels["email"] = EmailChannel(config.smtp, config.ack_url)
    return channels


def build_notifier(engine: Engine, config: NotifyConfig) -> OutboxNotifier:
    """The notifier the composition root hands to the alarms package; call ``start()``."""
    return OutboxNotifier(SqlOutbox(engine), build_channels(config), config)
