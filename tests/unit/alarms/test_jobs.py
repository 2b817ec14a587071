"""The scheduler holds the three alarm jobs, in UTC, and each job calls its service once."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from coldchain import jobs
from ingest.alarms.policy import FollowUpPolicy
from tests.unit.alarms.fakes import T0, FakeLedger, FakeNotifier, FakeUnits


def make_jobs() -> jobs.AlarmJobs:
    return jobs.AlarmJobs(
        uow=object(),  # type: ignore[arg-type]
        units=FakeUnits(),
        ledger=FakeLedger(),
        notifier=FakeNotifier(),
        policy=FollowUpPolicy(),
        offline_factor=2.5,
        clock=lambda: T0,
    )


def test_the_scheduler_runs_the_three_jobs_every_interval_in_utc() -> None:
    scheduler = jobs.build_scheduler(make_jobs(), interval_s=45)
    found = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(found) == ["alarm_follow_up", "alarm_settle", "sensor_offline"]
    for job in found.values():
        assert job.trigger.interval.total_seconds() == 45
        assert job.trigger.timezone == UTC
        assert job.max_instances == 1 and job.coalesce
    assert scheduler.timezone == UTC


def test_each_job_calls_its_service_with_the_utc_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Any, dict[str, Any]]] = []

    def record(name: str, result: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, args[-1] if name != "settle" else None, kwargs))
            return result

        return call

    from ingest.alarms.services import FollowUpReport, OfflineReport

    monkeypatch.setattr(jobs, "check_offline_sensors", record("offline", OfflineReport(0, 0, 0)))
    monkeypatch.setattr(jobs, "notify_due_alarms", record("follow_up", FollowUpReport(0, 0)))
    monkeypatch.setattr(jobs, "settle_exposures", record("settle", 0))
    made = make_jobs()
    made.sensor_offline()
    made.alarm_follow_up()
    made.alarm_settle()
    assert calls == [
        ("offline", T0, {"factor": 2.5}),
        ("follow_up", T0, {}),
        ("settle", None, {}),
    ]


def test_the_jobs_take_n_m_and_the_offline_factor_from_the_settings() -> None:
    from coldchain.db import make_engine
    from coldchain.settings import load_settings

    settings = load_settings(
        database_url="sqlite:///:memory:",
        alarm_renotify_minutes=10,
        alarm_escalate_minutes=45,
        alarm_offline_factor=4,
    )
    engine = make_engine(settings.database_url)
    built = jobs.build_alarm_jobs(
        settings, engine, units=FakeUnits(), ledger=FakeLedger(), notifier=FakeNotifier()
    )
    assert built.policy == FollowUpPolicy(renotify_minutes=10, escalate_minutes=45)
    assert built.offline_factor == 4
    engine.dispose()
