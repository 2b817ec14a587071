"""A batch that brings many units the recorder has not seen (after every restart) rebuilds
their detectors together: one unit-directory lookup, one state query, (without saved
states) one open-episode query, and one stored-readings query for all of them, with the
same keys as a unit-by-unit replay."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import delete, event, select

from ingest.alarms.ports import UnitInfo
from ingest.alarms.recorder import AlarmRecorder
from ingest.detect import Detector, ExcursionEnded, UnitConfig
from ingest.models import DetectorStateRow, ExcursionEpisodeRow
from ingest.queries import EmbeddedTelemetryReader
from ingest.readings import Reading
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import FACILITY, FakeUnits, reading

UNITS = [f"fridge-{i:02d}" for i in range(12)]
# 5 °C for an hour, 12 °C from minute 60 to 660 (WHO heat fires at 660), back to 5 °C.
TEMPS = [5.0] * 6 + [12.0] * 61 + [5.0] * 3


def stream(steps: range) -> list[Reading]:
    """Every unit's reading of each 10-minute step, step by step (as a broker drains it)."""
    return [
        reading(step * 10, TEMPS[step], unit=unit, sensor=f"s-{unit}")
        for step in steps
        for unit in UNITS
    ]


@dataclass
class CountingUnits(FakeUnits):
    one_calls: int = 0
    many_calls: list[list[str]] = field(default_factory=list)

    def unit(self, unit_code: str) -> UnitInfo | None:
        self.one_calls += 1
        return super().unit(unit_code)

    def units_of(self, unit_codes: Collection[str]) -> dict[str, UnitInfo | None]:
        self.many_calls.append(sorted(unit_codes))
        return super().units_of(unit_codes)


@dataclass
class CountingSource:
    reader: EmbeddedTelemetryReader
    one_calls: int = 0
    many_calls: list[list[str]] = field(default_factory=list)

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]:
        self.one_calls += 1
        return self.reader.raw_readings(unit, start=start, end=end)

    def raw_readings_of(
        self, units: Sequence[str], *, start: datetime, end: datetime
    ) -> list[Reading]:
        self.many_calls.append(sorted(units))
        return self.reader.raw_readings_of(units, start=start, end=end)


@pytest.fixture
def many_units(world: AlarmWorld) -> AlarmWorld:
    world.units = CountingUnits(units={u: UnitInfo(FACILITY, "2-8", "UTC") for u in UNITS})
    return world


@pytest.fixture
def statements(many_units: AlarmWorld) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(many_units.engine, "before_cursor_execute", note)
    yield seen
    event.remove(many_units.engine, "before_cursor_execute", note)


def test_a_batch_of_many_new_units_makes_one_query_of_each_kind(
    many_units: AlarmWorld, statements: list[str]
) -> None:
    world = many_units
    world.pipeline(world.recorder(), stream(range(30)), batch=len(UNITS) * 5)  # 4 h hot
    with world.engine.begin() as conn:  # no saved states (a store from before they existed)
        conn.execute(delete(DetectorStateRow))
    units = world.units
    assert isinstance(units, CountingUnits)
    source = CountingSource(world.reader)
    restarted = AlarmRecorder(world.uow, units, world.ledger, world.notifier, source)
    units.one_calls, units.many_calls = 0, []
    statements.clear()

    restarted.observe(stream(range(30, 31)))  # every unit, first sight after the restart

    assert units.many_calls == [sorted(UNITS)] and units.one_calls == 0
    assert source.many_calls == [sorted(UNITS)] and source.one_calls == 0
    open_episode_queries = [s for s in statements if "GROUP BY excursion_episodes.unit_code" in s]
    open_alarm_queries = [s for s in statements if "GROUP BY alarms.unit_code" in s]
    assert len(open_episode_queries) == 1 and len(open_alarm_queries) == 1


def test_many_units_resumed_from_their_states_make_one_query_of_each_kind(
    many_units: AlarmWorld, statements: list[str]
) -> None:
    world = many_units
    world.pipeline(world.recorder(), stream(range(30)), batch=len(UNITS) * 5)  # 4 h hot
    source = CountingSource(world.reader)
    restarted = AlarmRecorder(world.uow, world.units, world.ledger, world.notifier, source)
    statements.clear()

    restarted.observe(stream(range(30, 31)))

    assert source.many_calls == [sorted(UNITS)] and source.one_calls == 0
    assert len([s for s in statements if "FROM detector_states" in s]) == 1
    assert not [s for s in statements if "GROUP BY excursion_episodes.unit_code" in s]


def test_units_rebuilt_together_keep_the_keys_of_an_uninterrupted_run(
    many_units: AlarmWorld,
) -> None:
    world = many_units
    world.pipeline(world.recorder(), stream(range(30)), batch=len(UNITS) * 5)  # 4 h hot
    world.pipeline(world.recorder(), stream(range(30, len(TEMPS))), batch=len(UNITS) * 5)

    reference = Detector(lambda f, u: UnitConfig.for_profile("2-8")).observe(
        stream(range(len(TEMPS)))
    )
    expected = sorted(e.episode.key for e in reference if isinstance(e, ExcursionEnded))
    with world.uow as uow:
        rows = uow.session.execute(select(ExcursionEpisodeRow.key, ExcursionEpisodeRow.end_at))
        stored = sorted((key, end_at is not None) for key, end_at in rows)
    assert len(expected) == len(UNITS)
    assert stored == [(key, True) for key in expected]
