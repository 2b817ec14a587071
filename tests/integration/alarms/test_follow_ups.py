"""The alarm follow-up work (exposure, notices, quarantine) is taken from rows written with the
alarm, after the batch: a crash between the two loses nothing, a blocked ledger holds up only
the worker, and doing the work twice changes nothing (real SQL: SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import func, select

from ingest.alarms.follow_ups import FollowUpRunner, FollowUpWorker
from ingest.alarms.ports import ExposedLot, NoticeKind, QuarantineRequest
from ingest.models import AlarmFollowUpRow, AlarmRow
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import UNIT, FakeLedger, make_lot, series

LOT = make_lot(1, 250)
# 5 °C for an hour, 12 °C from minute 60 to 660 (WHO heat fires at 660), back to 5 °C.
HEAT = series([5.0] * 6 + [12.0] * 61 + [5.0] * 3)


def pending(world: AlarmWorld) -> int:
    with world.engine.connect() as conn:
        query = select(func.count()).where(AlarmFollowUpRow.done_at.is_(None))
        return int(conn.execute(query).scalar_one())


def runner(world: AlarmWorld, ledger: FakeLedger | None = None) -> FollowUpRunner:
    return FollowUpRunner(world.uow, world.units, ledger or world.ledger, world.notifier)


def test_a_crash_after_the_alarm_is_stored_loses_no_notice_or_quarantine(
    world: AlarmWorld,
) -> None:
    world.ledger.lots[UNIT] = [LOT]
    crashed = world.recorder(wake=lambda: None)  # the process dies before the worker runs
    world.pipeline(crashed, HEAT)
    assert world.notifier.of(NoticeKind.RAISED) == [] and world.ledger.quarantines == []
    assert pending(world) > 0

    done = runner(world).drain()  # the next start

    assert done > 0 and pending(world) == 0
    raised = {n.rule_id: n for n in world.notifier.of(NoticeKind.RAISED)}
    assert sorted(raised) == ["cumulative-heat", "early-heat", "who-heat"]
    assert [lot.doses for lot in raised["who-heat"].exposed_lots or ()] == [250]
    with world.uow as uow:
        heat = uow.session.scalars(select(AlarmRow).where(AlarmRow.type == "who-heat")).one()
        key, quarantined_at = heat.key, heat.quarantined_at
    assert quarantined_at is not None and world.ledger.references()[0] == key


def test_doing_the_follow_ups_twice_adds_no_quarantine_and_no_new_notice(
    world: AlarmWorld,
) -> None:
    world.ledger.lots[UNIT] = [LOT]
    world.pipeline(world.recorder(wake=lambda: None), HEAT)
    runner(world).drain()
    notices = [n.notice_id for n in world.notifier.notices]
    quarantines = list(world.ledger.references())
    with world.engine.begin() as conn:  # as if the worker died before marking them done
        conn.execute(AlarmFollowUpRow.__table__.update().values(done_at=None))
    runner(world).drain()
    assert sorted(set(n.notice_id for n in world.notifier.notices)) == sorted(set(notices))
    assert sorted(set(world.ledger.references())) == sorted(set(quarantines))


class SlowLedger(FakeLedger):
    """A ledger whose exposure waits until it is released (a lock held elsewhere)."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release

    def exposure(self, unit_code: str, start: datetime, end: datetime) -> list[ExposedLot]:
        self.release.wait(30)
        return super().exposure(unit_code, start, end)

    def quarantine_exposed(self, request: QuarantineRequest) -> None:
        self.release.wait(30)
        super().quarantine_exposed(request)


def test_a_blocked_ledger_holds_up_the_worker_and_never_the_batches(world: AlarmWorld) -> None:
    release = threading.Event()
    ledger = SlowLedger(release)
    ledger.lots[UNIT] = [LOT]
    worker = FollowUpWorker(runner(world, ledger), poll_s=0.1)
    worker.start()
    try:
        recorder = world.recorder(wake=worker.wake)
        started = time.monotonic()
        world.pipeline(recorder, HEAT)  # every batch observed and written
        assert time.monotonic() - started < 10  # not waiting on the ledger
        assert world.count(AlarmRow) == 3 and world.notifier.of(NoticeKind.RAISED) == []
        release.set()
        deadline = time.monotonic() + 20
        while pending(world) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pending(world) == 0
        assert len(world.notifier.of(NoticeKind.RAISED)) == 3
        assert ledger.quarantines  # the exposed lot is held once the ledger answers
    finally:
        release.set()
        worker.stop()
