"""``coldchain ingest``, assembled: pipeline + excursion recorder + notifier + alarm jobs.

The one place that builds the whole telemetry side from settings: the sink and reader of
the configured store, the alarm recorder on the pipeline's detection hook (with the ledger
and unit directory from ``coldchain.alarms_to_ledger``), the alarm follow-up worker
(exposure, notices and quarantine after the batch is acknowledged), the outbox notifier,
and the APScheduler jobs (sensor offline, re-notification and escalation, settling
exposures); the loggers on shipments join the sensor registry and a shipment's alarms
reach its receiver (``coldchain.transit_to_ingest``). Everything started
here is stopped here, in reverse order, when ingest stops. ``/health/ready`` next to
``/metrics`` checks the broker, the database (at the migrations' head) and the store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from coldchain import db
from coldchain.alarms_to_ledger import InventoryLedger, InventoryUnitDirectory
from coldchain.health import readiness_checks
from coldchain.jobs import RoutineJobs, build_alarm_jobs, scheduler_guard, start_alarm_jobs
from coldchain.sensor_intervals import reporting_interval_of
from coldchain.settings import Settings
from coldchain.transit_to_ingest import TransitNotifier, transit_registry
from coldchain.wiring import (
    build_sink,
    build_telemetry_reader,
    ingest_config,
    notify_config,
    time_window,
)
from ingest.alarms.day_figures import record_day_figures
from ingest.alarms.follow_ups import FollowUpRunner, FollowUpWorker
from ingest.alarms.ports import UnitDirectory
from ingest.alarms.queries import AlarmQueries
from ingest.alarms.recorder import AlarmRecorder
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.notify.dispatcher import build_notifier
from ingest.process import run_ingest
from ingest.queries import TelemetryReader
from ingest.registry import load_snapshot
from ingest.sinks.base import Sink, SinkUnavailable
from ingest.sinks.influx_v1 import InfluxV1Sink
from inventory import queries as inventory_queries
from inventory.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def _prepare_store(sink: Sink) -> None:
    """Create the InfluxDB v1 database before the first batch: the recorder reads a unit's
    recent readings back on first sight, which would fail on a database that the sink's
    first write has not created yet. A store that is down now is left to the write path,
    which retries and creates the database when it returns."""
    if isinstance(sink, InfluxV1Sink):
        try:
            sink.ensure_database()
        except SinkUnavailable as exc:
            log.warning("telemetry store not reachable at start (%s); retrying on write", exc)


def day_figures_recorder(
    session_factory: db.sessionmaker[db.Session],
    telemetry: TelemetryReader,
    units: UnitDirectory,
    uow: AlarmsUnitOfWork,
) -> Callable[[datetime], int]:
    """The ``day_figures`` job's work: every storage unit's missing complete days stored."""
    queries = AlarmQueries(session_factory, telemetry=telemetry, units=units)
    ledger = UnitOfWork(session_factory)

    def record(now: datetime) -> int:
        codes = inventory_queries.unit_codes_under(ledger, None)
        return record_day_figures(queries, uow, codes, now=now)

    return record


def run_ingest_service(settings: Settings, stop: threading.Event | None = None) -> None:
    """Run ingest with detection, alarms and notifications until SIGTERM (or ``stop``)."""
    config = ingest_config(settings)
    engine = db.make_engine(settings.database_url)
    session_factory = db.make_session_factory(engine)
    sink = build_sink(settings, engine)
    _prepare_store(sink)
    snapshot = load_snapshot(engine)  # read once: intervals change with re-registration only
    units = InventoryUnitDirectory(
        UnitOfWork(session_factory), reporting_interval_s=reporting_interval_of(lambda: snapshot)
    )
    ledger = InventoryLedger(UnitOfWork(session_factory, window=time_window(settings)))
    outbox = build_notifier(engine, notify_config(settings))
    outbox.start()
    # A shipment's alarms go to the receiver too (rule 27).
    notifier = TransitNotifier(outbox, UnitOfWork(session_factory))
    alarms_uow = AlarmsUnitOfWork(session_factory)
    # Exposure, notices and quarantine after the batch is acknowledged, on their own thread.
    follow_ups = FollowUpWorker(FollowUpRunner(alarms_uow, units, ledger, notifier))
    follow_ups.start()
    recorder = AlarmRecorder(
        alarms_uow,
        units,
        ledger,
        notifier,
        history=build_telemetry_reader(settings, engine),
        wake=follow_ups.wake,
    )
    jobs = build_alarm_jobs(settings, engine, units=units, ledger=ledger, notifier=notifier)
    guard = scheduler_guard(settings, engine)
    routine = RoutineJobs(
        ledger=UnitOfWork(session_factory, window=time_window(settings)),
        alarms=alarms_uow,
        notifier=notifier,
        close_at=settings.daily_close_at,
        readings=engine if settings.telemetry_store == "embedded" else None,
        record_day_figures=day_figures_recorder(
            session_factory, build_telemetry_reader(settings, engine), units, alarms_uow
        ),
    )
    scheduler = start_alarm_jobs(settings, jobs, guard, routine)
    try:
        run_ingest(
            config,
            sink,
            engine,
            detector=recorder,
            stop=stop,
            checks=readiness_checks(settings),
            registry=transit_registry(engine, UnitOfWork(session_factory)),
        )
    finally:
        scheduler.shutdown(wait=True)
        guard.release()  # another process takes the jobs over at once
        follow_ups.stop()  # what is pending now is done first (or left for the next start)
        outbox.stop()
        engine.dispose()
