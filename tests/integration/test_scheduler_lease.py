"""The scheduler's lease: one holder at a time, taken over once it expires, on SQLite and
PostgreSQL; and the jobs of two schedulers run in one process only."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from coldchain.db import make_session_factory
from coldchain.jobs import LeaseGuard
from kit.lease import Lease

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
TTL = timedelta(seconds=180)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def lease(engine: Engine, holder: str, clock: Clock) -> Lease:
    return Lease(make_session_factory(engine), "scheduler", holder, TTL, clock)


def test_one_holder_until_its_lease_expires_then_the_next_takes_it(engine: Engine) -> None:
    clock = Clock()
    a, b = lease(engine, "host-a:1", clock), lease(engine, "host-b:2", clock)
    assert a.hold() and not b.hold()
    assert a.current_holder() == "host-a:1"
    clock.now += TTL - timedelta(seconds=1)
    assert a.hold()  # renewed for one more time-to-live from now
    clock.now += TTL - timedelta(seconds=1)
    assert not b.hold(), "a renewed lease is still a's"
    clock.now += timedelta(seconds=2)  # a stopped renewing: its lease expired
    assert a.current_holder() is None
    assert b.hold() and not a.hold()
    assert b.current_holder() == "host-b:2"


def test_a_released_lease_is_taken_at_once_and_only_the_holder_can_release(
    engine: Engine,
) -> None:
    clock = Clock()
    a, b = lease(engine, "host-a:1", clock), lease(engine, "host-b:2", clock)
    assert a.hold()
    b.release()  # not b's: changes nothing
    assert not b.hold()
    a.release()
    assert b.hold()


def test_concurrent_first_takers_get_one_lease(engine: Engine) -> None:
    clock = Clock()
    takers = [lease(engine, f"host:{i}", clock) for i in range(8)]
    results: list[bool] = []
    start = threading.Barrier(len(takers))

    def take(one: Lease) -> None:
        start.wait()
        results.append(one.hold())

    threads = [threading.Thread(target=take, args=(one,)) for one in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_two_schedulers_run_each_job_once_and_the_second_takes_over(engine: Engine) -> None:
    clock = Clock()
    runs: list[str] = []
    guards = [LeaseGuard(lease(engine, f"host:{i}", clock)) for i in range(2)]

    def job_of(i: int) -> None:
        runs.append(f"scheduler {i}")

    jobs = [guard.guarded(functools.partial(job_of, i)) for i, guard in enumerate(guards)]
    for _ in range(3):
        for job in jobs:
            job()
    assert runs == ["scheduler 0"] * 3
    guards[0].release()  # scheduler 0 stops cleanly: scheduler 1 runs the next job at once
    jobs[1]()
    assert runs == ["scheduler 0"] * 3 + ["scheduler 1"]
