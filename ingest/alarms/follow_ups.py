"""What follows an alarm change, done after the batch is acknowledged: exposure, notices and
quarantine, taken from the rows already written (``alarm_follow_ups``).

Data flow: the recorder stores a batch's episodes and alarms and, in the SAME transaction, one
``alarm_follow_ups`` row per change (raised, cleared, freeze, ended); it then wakes the
worker and returns, so the pipeline writes and acknowledges the batch at once. The worker
(``FollowUpWorker``, its own thread in ``coldchain ingest``) takes the pending rows oldest
first and, for each, reads the ledger's exposure, writes the notice to the outbox and
quarantines through the ``LedgerPort`` (``FollowUpRunner.run``), then marks it done.

Invariants: a slow or locked ledger delays only this worker, never an MQTT acknowledgement; a
crash between the recorder's commit and the work loses nothing (the rows are pending and the
next start finishes them); every step is idempotent (notice ids name the fact, quarantine
references are stable keys, exposure is saved once), so work done twice is harmless. A row
that keeps failing is given up after ``MAX_ATTEMPTS`` (the settle job still retries exposure
and quarantine, the follow-up job re-notifies).
"""

from __future__ import annotations

import logging
import threading

from ingest.alarms import exposure
from ingest.alarms.notices import build_notice
from ingest.alarms.policy import facilities_at
from ingest.alarms.ports import (
    AlarmNotice,
    ExposedLot,
    LedgerPort,
    NoticeKind,
    Notifier,
    UnitDirectory,
)
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.alarms.views import AlarmView, alarm_view

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
_BATCH = 100


class FollowUpRunner:
    """Does the pending follow-up work, one row at a time (any thread)."""

    def __init__(
        self,
        uow: AlarmsUnitOfWork,
        units: UnitDirectory,
        ledger: LedgerPort,
        notifier: Notifier,
    ) -> None:
        self._uow = uow
        self._units = units
        self._ledger = ledger
        self._notifier = notifier

    def drain(self) -> int:
        """Do every follow-up pending now (oldest first); returns how many were done."""
        done = 0
        while True:
            with self._uow as uow:
                pending = uow.repo.pending_follow_ups(_BATCH)
            if not pending:
                return done
            progressed = False
            for follow_up_id, kind, row_id in pending:
                if self._one(follow_up_id, kind, row_id):
                    done += 1
                    progressed = True
            if not progressed or len(pending) < _BATCH:
                return done

    def _one(self, follow_up_id: int, kind: str, row_id: int) -> bool:
        try:
            self.run(kind, row_id)
        except Exception:
            log.exception("follow-up of %s %d failed; retried later", kind, row_id)
            with self._uow as uow:
                uow.repo.retry_follow_up(follow_up_id)
                attempts = uow.repo.follow_up_attempts(follow_up_id)
                if attempts >= MAX_ATTEMPTS:
                    log.error("follow-up of %s %d given up after %d tries", kind, row_id, attempts)
                    uow.repo.finish_follow_up(follow_up_id, uow.clock())
                uow.commit()
            return False
        with self._uow as uow:
            uow.repo.finish_follow_up(follow_up_id, uow.clock())
            uow.commit()
        return True

    def run(self, kind: str, row_id: int) -> None:
        """The work of one change: ``raised`` → exposure, RAISED notice with the exposed
        lots, quarantine; ``cleared`` → CLEARED notice; ``freeze`` / ``ended`` → the
        episode's exposure and quarantine."""
        if kind == "raised":
            exposure.settle_alarm(self._uow, self._ledger, row_id, on_exposure=self._raised)
        elif kind == "cleared":
            self._cleared(row_id)
        else:
            exposure.settle_episode(self._uow, self._ledger, row_id)

    def _raised(self, alarm: AlarmView, lots: tuple[ExposedLot, ...] | None) -> None:
        notice = build_notice(
            alarm,
            NoticeKind.RAISED,
            occurred_at=alarm.raised_at,
            level=0,
            facilities=(alarm.facility,),
            lots=lots,
        )
        self._tell(notice)

    def _cleared(self, alarm_id: int) -> None:
        with self._uow as uow:
            row = uow.repo.alarm(alarm_id)
            if row is None:
                return
            alarm = alarm_view(row)
        chain = self._chain(alarm.facility) if alarm.escalation_level else []
        notice = build_notice(
            alarm,
            NoticeKind.CLEARED,
            occurred_at=alarm.cleared_at or alarm.raised_at,
            level=alarm.escalation_level,
            facilities=facilities_at(chain, alarm.escalation_level, alarm.facility),
        )
        self._tell(notice)

    def _chain(self, facility: str) -> list[str]:
        try:
            return list(self._units.escalation_chain(facility))
        except Exception:
            log.exception("escalation chain of %s unavailable; telling the facility only", facility)
            return []

    def _tell(self, notice: AlarmNotice) -> None:
        try:
            self._notifier.notify(notice)
        except Exception:
            log.exception("notifier refused notice %s", notice.notice_id)


class FollowUpWorker:
    """A thread that drains the follow-up work when woken, and every ``poll_s`` anyway (work
    left by an earlier run, or retried after a failure)."""

    def __init__(self, runner: FollowUpRunner, *, poll_s: float = 2.0) -> None:
        self._runner = runner
        self._poll_s = poll_s
        self._woken = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._woken.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="alarm-follow-ups", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the work in hand (and what is pending now), then stop."""
        self._stopping.set()
        self._woken.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while True:
            self._woken.wait(self._poll_s)
            self._woken.clear()
            try:
                self._runner.drain()
            except Exception:
                log.exception("alarm follow-ups could not be read; retried in %.0f s", self._poll_s)
            if self._stopping.is_set():
                return
