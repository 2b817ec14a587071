"""Scheduled alarm jobs (APScheduler ``BackgroundScheduler``, UTC): thin and idempotent.

Each job calls one service of ``ingest.alarms.services`` with the wall clock in UTC and logs
one line:

- ``sensor_offline``  → ``check_offline_sensors``: raise / clear SENSOR_OFFLINE;
- ``alarm_follow_up`` → ``notify_due_alarms``: re-notify every N min, escalate every M min;
- ``alarm_settle``    → ``settle_exposures``: retry ledger exposure and quarantine;
- ``expiry`` (every 5 min) → ``inventory.services.hold_expired_stock`` and
  ``expiry_warnings``, the warnings synced as ``LOT_EXPIRING`` facility alarms;
- ``daily_close`` (every 15 min) → ``inventory.services.close_days`` at each facility's
  local cut-off (``COLDCHAIN_DAILY_CLOSE_AT``, 18:00), a day that does not reconcile raised
  as a ``STOCK_RECONCILIATION`` alarm at the facility (it stays until acknowledged: a past
  day's figures do not change by themselves);
- ``overdue_shipments`` (every 5 min) → ``inventory.queries.overdue_shipments``, synced as
  ``SHIPMENT_OVERDUE`` alarms at the sender and the receiver's parent (cleared at receipt);
- ``retention`` (03:30 UTC) → ``inventory.queries.retention_horizons`` and
  ``ingest.retention.roll_up_and_purge``: the embedded store's raw readings outside every
  lot's horizon (rule 18) rolled up into hours and deleted; the ledger and the alarms are
  kept (no purge); with InfluxDB, its retention policy keeps the readings;
- ``ledger_check`` (02:30 UTC) → ``inventory.queries.verify_ledger``, its findings synced as
  one ``LEDGER_CHECK`` alarm per root facility.

Exactly one scheduler runs them: every process that starts the scheduler asks for the same
database lease (``kit.lease``, name ``scheduler``) before each run; the holder runs the job
and renews the lease, the others skip the run. When the holder stops (or dies), another
process takes the lease over within ``COLDCHAIN_JOBS_LEASE_S`` (default 180 s).

Idempotent: running a job twice (or in two processes at once) changes nothing more than
running it once — raises are insert-once by key, clears and follow-ups are compare-and-set,
quarantine is idempotent by reference. Started by ``coldchain ingest`` (decision: the
process that already detects and owns the notifier; ``coldchain serve`` does not run them),
stopped with it. ``max_instances=1`` and ``coalesce`` keep a slow run from piling up.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from coldchain.db import Engine, make_session_factory
from coldchain.ledger_to_alarms import (
    expiry_alarm,
    ledger_check_alarms,
    overdue_alarms,
    reconciliation_alarm,
)
from coldchain.settings import Settings
from ingest.alarms.facility_alarms import (
    LEDGER_CHECK,
    LOT_EXPIRING,
    SHIPMENT_OVERDUE,
    STOCK_RECONCILIATION,
    sync_facility_alarms,
)
from ingest.alarms.policy import FollowUpPolicy
from ingest.alarms.ports import LedgerPort, Notifier, UnitDirectory
from ingest.alarms.services import check_offline_sensors, notify_due_alarms, settle_exposures
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.retention import roll_up_and_purge
from inventory.queries import (
    overdue_shipments,
    retention_horizons,
    root_facilities,
    verify_ledger,
)
from inventory.services import close_days, expiry_warnings, hold_expired_stock
from inventory.unit_of_work import UnitOfWork
from kit.clock import utc_now
from kit.lease import Lease

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlarmJobs:
    uow: AlarmsUnitOfWork
    units: UnitDirectory
    ledger: LedgerPort
    notifier: Notifier
    policy: FollowUpPolicy
    offline_factor: float = 3.0
    clock: Callable[[], datetime] = utc_now

    def sensor_offline(self) -> None:
        report = check_offline_sensors(
            self.uow, self.notifier, self.clock(), factor=self.offline_factor
        )
        log.info(
            "sensor_offline: %d offline, %d raised, %d cleared",
            report.offline,
            report.raised,
            report.cleared,
        )

    def alarm_follow_up(self) -> None:
        report = notify_due_alarms(self.uow, self.units, self.notifier, self.policy, self.clock())
        log.info(
            "alarm_follow_up: %d re-notified, %d escalated", report.renotified, report.escalated
        )

    def alarm_settle(self) -> None:
        tried = settle_exposures(self.uow, self.ledger)
        log.info("alarm_settle: %d alarms/episodes retried with the ledger", tried)


@dataclass(frozen=True)
class RoutineJobs:
    """The programme's routine on the ledger: expiry and the nightly ledger check."""

    ledger: UnitOfWork
    alarms: AlarmsUnitOfWork
    notifier: Notifier
    clock: Callable[[], datetime] = utc_now
    close_at: time = time(18, 0)  # each facility's local cut-off
    readings: Engine | None = None  # the embedded store's database (None: InfluxDB)
    # Stores the units' days (today so far too) for the status board (ingest.alarms.day_figures);
    # None: the job is not planned.
    record_day_figures: Callable[[datetime], int] | None = None

    def expiry(self) -> None:
        now = self.clock()
        held = hold_expired_stock(self.ledger, now)
        warnings = [expiry_alarm(w, now) for w in expiry_warnings(self.ledger, now)]
        report = sync_facility_alarms(self.alarms, self.notifier, LOT_EXPIRING, warnings, now)
        log.info(
            "expiry: %d expired holdings held, %d warnings raised, %d cleared, %d open",
            len(held),
            report.raised,
            report.cleared,
            report.open,
        )

    def daily_close(self) -> None:
        now = self.clock()
        closed = close_days(self.ledger, now, self.close_at)
        alarms = [reconciliation_alarm(c, now) for c in closed if c.flagged]
        report = sync_facility_alarms(
            self.alarms, self.notifier, STOCK_RECONCILIATION, alarms, now, clear_absent=False
        )
        log.info(
            "daily_close: %d facility days closed, %d do not reconcile (%d alarms raised)",
            len(closed),
            len(alarms),
            report.raised,
        )

    def overdue_shipments(self) -> None:
        now = self.clock()
        late = overdue_shipments(self.ledger, now)
        alarms = [a for shipment in late for a in overdue_alarms(shipment, now)]
        report = sync_facility_alarms(self.alarms, self.notifier, SHIPMENT_OVERDUE, alarms, now)
        log.info(
            "overdue_shipments: %d overdue, %d alarms raised, %d cleared",
            len(late),
            report.raised,
            report.cleared,
        )

    def retention(self) -> None:
        if self.readings is None:
            log.info("retention: readings are kept by InfluxDB's retention policy")
            return
        horizons = retention_horizons(self.ledger, self.clock())
        report = roll_up_and_purge(self.readings, horizons.of)
        log.info(
            "retention: %d raw readings of %d units rolled up into %d hours and deleted",
            report.readings,
            report.units,
            report.hours,
        )

    def day_figures(self) -> None:
        if self.record_day_figures is None:
            return
        written = self.record_day_figures(self.clock())
        log.info("day_figures: %d unit days stored", written)

    def ledger_check(self) -> None:
        now = self.clock()
        findings = verify_ledger(self.ledger)
        roots = [f.code for f in root_facilities(self.ledger)]
        alarms = ledger_check_alarms(findings, roots, now)
        report = sync_facility_alarms(self.alarms, self.notifier, LEDGER_CHECK, alarms, now)
        log.info(
            "ledger_check: %d findings, %d alarms raised, %d cleared",
            len(findings),
            report.raised,
            report.cleared,
        )


ROUTINE_TRIGGERS: dict[str, BaseTrigger] = {
    "expiry": IntervalTrigger(minutes=5, timezone=UTC),
    "daily_close": IntervalTrigger(minutes=15, timezone=UTC),
    "overdue_shipments": IntervalTrigger(minutes=5, timezone=UTC),
    "ledger_check": CronTrigger(hour=2, minute=30, timezone=UTC),
    "retention": CronTrigger(hour=3, minute=30, timezone=UTC),
}


SCHEDULER_LEASE = "scheduler"


def process_holder() -> str:
    """A name for this process that no other process has: host, pid and a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseGuard:
    """Runs a job only while this process holds the scheduler's lease; logs a change of hands."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self._held = False

    def guarded(self, job: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if self.holds():
                job()

        run.__name__ = getattr(job, "__name__", "job")
        return run

    def holds(self) -> bool:
        held = self.lease.hold()
        if held != self._held:
            log.info(
                "scheduler lease %s by %s",
                "taken" if held else "lost",
                self.lease.holder,
            )
            self._held = held
        return held

    def release(self) -> None:
        if self._held:
            self.lease.release()
            self._held = False


def build_scheduler(
    jobs: AlarmJobs,
    *,
    interval_s: float = 60.0,
    guard: LeaseGuard | None = None,
    routine: RoutineJobs | None = None,
) -> BackgroundScheduler:
    """A UTC scheduler with the three alarm jobs every ``interval_s`` and the ``routine``
    jobs on their triggers (not started); with a ``guard``, a job runs only while this
    process holds the scheduler's lease."""
    scheduler = BackgroundScheduler(timezone=UTC)
    every = IntervalTrigger(seconds=interval_s, timezone=UTC)
    planned: list[tuple[Callable[[], None], BaseTrigger]] = [
        (jobs.sensor_offline, every),
        (jobs.alarm_follow_up, every),
        (jobs.alarm_settle, every),
    ]
    if routine is not None:
        planned += [(routine.expiry, ROUTINE_TRIGGERS["expiry"])]
        planned += [(routine.daily_close, ROUTINE_TRIGGERS["daily_close"])]
        planned += [(routine.overdue_shipments, ROUTINE_TRIGGERS["overdue_shipments"])]
        planned += [(routine.ledger_check, ROUTINE_TRIGGERS["ledger_check"])]
        planned += [(routine.retention, ROUTINE_TRIGGERS["retention"])]
        if routine.record_day_figures is not None:  # first run a minute after start
            soon = datetime.now(UTC) - timedelta(minutes=9)
            figures = IntervalTrigger(minutes=10, start_date=soon, timezone=UTC)
            planned += [(routine.day_figures, figures)]
    for job, trigger in planned:
        scheduler.add_job(
            job if guard is None else guard.guarded(job),
            trigger,
            id=job.__name__,
            name=job.__name__,
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
    return scheduler


def build_alarm_jobs(
    settings: Settings,
    engine: Engine,
    *,
    units: UnitDirectory,
    ledger: LedgerPort,
    notifier: Notifier,
) -> AlarmJobs:
    """The jobs with the settings' N, M and offline factor, on the database behind ``engine``."""
    return AlarmJobs(
        uow=AlarmsUnitOfWork(make_session_factory(engine)),
        units=units,
        ledger=ledger,
        notifier=notifier,
        policy=FollowUpPolicy(
            renotify_minutes=settings.alarm_renotify_minutes,
            escalate_minutes=settings.alarm_escalate_minutes,
        ),
        offline_factor=settings.alarm_offline_factor,
    )


def scheduler_guard(settings: Settings, engine: Engine) -> LeaseGuard:
    """The guard of this process on the scheduler's lease, for ``COLDCHAIN_JOBS_LEASE_S``."""
    lease = Lease(
        make_session_factory(engine),
        SCHEDULER_LEASE,
        process_holder(),
        timedelta(seconds=settings.jobs_lease_s),
    )
    return LeaseGuard(lease)


def start_alarm_jobs(
    settings: Settings, jobs: AlarmJobs, guard: LeaseGuard, routine: RoutineJobs | None = None
) -> BackgroundScheduler:
    """Build and start the scheduler (every ``COLDCHAIN_ALARM_JOBS_INTERVAL_S``), its jobs run
    while ``guard`` holds the lease; the caller calls ``.shutdown()`` on it and then
    ``guard.release()`` when the process stops."""
    scheduler = build_scheduler(
        jobs, interval_s=settings.alarm_jobs_interval_s, guard=guard, routine=routine
    )
    scheduler.start()
    log.info(
        "alarm jobs started, every %.0f s, while %s holds the scheduler lease",
        settings.alarm_jobs_interval_s,
        guard.lease.holder,
    )
    return scheduler
