"""A restarted ingest resumes each unit's detector from its saved state (``detector_states``)
plus the stored readings after it: the readings it reads do not grow with history, and the
episodes and alarms are those of a run that never stopped, crash or no crash."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import delete, select

from ingest.alarms.ports import UnitInfo
from ingest.alarms.recorder import AlarmRecorder
from ingest.detect import (
    AlarmCleared,
    AlarmRaised,
    Detector,
    ExcursionEnded,
    UnitConfig,
    to_utc,
)
from ingest.models import AlarmRow, DetectorStateRow, ExcursionEpisodeRow
from ingest.queries import EmbeddedTelemetryReader
from ingest.readings import Reading
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import FACILITY, reading

UNITS = ("fridge-1", "fridge-2")
BATCH = 2 * 6  # an hour of both units' readings


def temperature(minute: int) -> float:
    """Five days at 5 °C with a 700-minute heat excursion on day one and another that is
    still going on when the ingest restarts (minute 7000)."""
    return 12.0 if 600 <= minute < 1300 or 6600 <= minute < 7300 else 5.0


def history(start: int, end: int) -> list[Reading]:
    return [
        reading(m, temperature(m), unit=unit, sensor=f"s-{unit}")
        for m in range(start, end, 10)
        for unit in UNITS
    ]


RESTART = 7000
ALL = history(0, 7500)
BEFORE = [r for r in ALL if r.device_time_ns < ALL[0].device_time_ns + RESTART * 60 * 10**9]
AFTER = ALL[len(BEFORE) :]


@dataclass
class CountingSource:
    """The embedded reader, counting the readings it hands out."""

    reader: EmbeddedTelemetryReader
    readings: int = 0
    queries: list[tuple[str, ...]] = field(default_factory=list)

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]:
        return self.raw_readings_of([unit], start=start, end=end)

    def raw_readings_of(
        self, units: Sequence[str], *, start: datetime, end: datetime
    ) -> list[Reading]:
        found = self.reader.raw_readings_of(units, start=start, end=end)
        self.readings += len(found)
        self.queries.append(tuple(units))
        return found


def recorder(world: AlarmWorld, source: object, **kw: object) -> AlarmRecorder:
    return AlarmRecorder(
        world.uow,
        world.units,
        world.ledger,
        world.notifier,
        source,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def rows(world: AlarmWorld) -> tuple[list[object], list[object]]:
    with world.uow as uow:
        episodes = sorted(
            (e.key, e.end_at, e.reading_count)
            for e in uow.session.scalars(select(ExcursionEpisodeRow))
        )
        alarms = sorted(
            (a.key, a.state, a.raised_at, a.cleared_at)
            for a in uow.session.scalars(select(AlarmRow))
        )
    return list(episodes), list(alarms)


def never_stopped() -> tuple[list[object], list[object]]:
    """What one detector that saw every reading in order records."""
    events = Detector(lambda _f, _u: UnitConfig.for_profile("2-8")).observe(ALL)
    cleared = {e.key: to_utc(e.cleared_at_ns) for e in events if isinstance(e, AlarmCleared)}
    episodes = sorted(
        (e.key, to_utc(e.episode.end_ns or 0), e.episode.reading_count)
        for e in events
        if isinstance(e, ExcursionEnded)
    )
    alarms = sorted(
        (
            e.key,
            "cleared" if e.key in cleared else "raised",
            to_utc(e.fired_at_ns),
            cleared.get(e.key),
        )
        for e in events
        if isinstance(e, AlarmRaised)
    )
    return list(episodes), list(alarms)


def setup(world: AlarmWorld) -> None:
    world.units.units = {u: UnitInfo(FACILITY, "2-8", "UTC") for u in UNITS}


def test_a_restart_after_five_days_reads_only_the_readings_after_the_saved_state(
    world: AlarmWorld,
) -> None:
    setup(world)
    world.pipeline(recorder(world, world.reader, state_every_s=0), BEFORE, batch=BATCH)
    source = CountingSource(world.reader)

    world.pipeline(recorder(world, source), AFTER, batch=BATCH)

    # the state saved with the last batch is up to date: only its newest instant is read again
    assert source.readings == len(UNITS)
    assert len(source.queries) == 1  # both units in one query
    assert rows(world) == never_stopped()


def test_without_saved_states_the_restart_replays_the_look_back(world: AlarmWorld) -> None:
    """The cost the states save: a 72 h rule window (+ a gap) of every unit."""
    setup(world)
    world.pipeline(recorder(world, world.reader, state_every_s=0), BEFORE, batch=BATCH)
    with world.engine.begin() as conn:
        conn.execute(delete(DetectorStateRow))
    source = CountingSource(world.reader)

    world.pipeline(recorder(world, source), AFTER, batch=BATCH)

    assert source.readings > 2 * 72 * 6  # both units, 72 h of 10-minute readings
    assert rows(world) == never_stopped()


@pytest.mark.parametrize("crashed", [0, 2], ids=["quiet batch", "batch that fires WHO heat"])
def test_a_crash_between_batches_loses_nothing(world: AlarmWorld, crashed: int) -> None:
    """States saved only now and then, and with each batch's alarm rows: the first run is
    killed after a batch whose detection committed but whose readings were never stored
    (batch 2 after the restart point fires WHO heat: its state was saved with the alarm);
    the next run gets that batch again from the broker, then the rest."""
    setup(world)
    first = recorder(world, world.reader, state_every_s=3600.0)
    world.pipeline(first, BEFORE + AFTER[: crashed * BATCH], batch=BATCH)
    first.observe(AFTER[crashed * BATCH : (crashed + 1) * BATCH])  # killed before the write
    source = CountingSource(world.reader)

    world.pipeline(recorder(world, source), AFTER[crashed * BATCH :], batch=BATCH)

    assert rows(world) == never_stopped()
    assert source.readings < 2 * 72 * 6  # from the last state saved, not the look-back


def test_periodic_state_saves_are_spread_over_batches(world: AlarmWorld) -> None:
    """Thousands of units never make one batch write every state: at most 100 a batch."""
    units = [f"fridge-{i:03d}" for i in range(250)]
    world.units.units = {u: UnitInfo(FACILITY, "2-8", "UTC") for u in units}
    clock = [0.0]
    live = recorder(world, world.reader, monotonic=lambda: clock[0])
    saved = []
    for minute in range(0, 40, 10):  # in range: no alarm rows, only the periodic saves
        live.observe([reading(minute, 5.0, unit=u, sensor=f"s-{u}") for u in units])
        with world.engine.connect() as conn:
            saved.append(len(conn.execute(select(DetectorStateRow.unit_code)).all()))
    assert saved == [100, 200, 250, 250]
