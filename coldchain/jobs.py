"""Scheduled alarm jobs (APScheduler ``BackgroundScheduler``, UTC): thin and idempotent.

Each job calls one service of ``ingest.alarms.services`` with the wall clock in UTC and logs
one line:

- ``sensor_offline``  → ``check_offline_sensors``: raise / clear SENSOR_OFFLINE;
- ``alarm_follow_up`` → ``notify_due_alarms``: re-notify every N min, escalate every M min;
- ``alarm_settle``    → ``settle_exposures``: retry ledger exposure and quarantine.

Idempotent: running a job twice (or in two processes at once) changes nothing more than
running it once — raises are insert-once by key, clears and follow-ups are compare-and-set,
quarantine is idempotent by reference. Started by ``coldchain ingest`` (decision: the
process that already detects and owns the notifier; ``coldchain serve`` does not run them),
stopped with it. ``max_instances=1`` and ``coalesce`` keep a slow run from piling up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from coldchain.db import Engine, make_session_factory
from coldchain.settings import Settings
from ingest.alarms.policy import FollowUpPolicy
from ingest.alarms.ports import LedgerPort, Notifier, UnitDirectory
from ingest.alarms.services import check_offline_sensors, notify_due_alarms, settle_exposures
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from kit.clock import utc_now

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


def build_scheduler(jobs: AlarmJobs, *, interval_s: float = 60.0) -> BackgroundScheduler:
    """A UTC scheduler with the three alarm jobs every ``interval_s`` (not started)."""
    scheduler = BackgroundScheduler(timezone=UTC)
    for job in (jobs.sensor_offline, jobs.alarm_follow_up, jobs.alarm_settle):
        scheduler.add_job(
            job,
            IntervalTrigger(seconds=interval_s, timezone=UTC),
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


def start_alarm_jobs(settings: Settings, jobs: AlarmJobs) -> BackgroundScheduler:
    """Build and start the scheduler (every ``COLDCHAIN_ALARM_JOBS_INTERVAL_S``); the caller
    calls ``.shutdown()`` on it when the process stops."""
    scheduler = build_scheduler(jobs, interval_s=settings.alarm_jobs_interval_s)
    scheduler.start()
    log.info("alarm jobs started, every %.0f s", settings.alarm_jobs_interval_s)
    return scheduler
