"""Fixtures for the alarms tests: a unit of work on the test database (SQLite and
PostgreSQL), fake ports, and a recorder builder that behaves like the pipeline (observe,
then store the readings in the embedded telemetry store)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select

from coldchain.db import make_session_factory
from ingest.alarms.queries import AlarmQueries
from ingest.alarms.recorder import AlarmRecorder
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.models import AlarmRow, ExcursionEpisodeRow
from ingest.queries import EmbeddedTelemetryReader
from ingest.readings import Reading
from ingest.sinks.embedded import EmbeddedSink
from tests.unit.alarms.fakes import T0, FakeLedger, FakeNotifier, FakeUnits


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class AlarmWorld:
    engine: Engine
    clock: Clock = field(default_factory=Clock)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    units: FakeUnits = field(default_factory=FakeUnits)
    notifier: FakeNotifier = field(default_factory=FakeNotifier)

    def __post_init__(self) -> None:
        self.uow = AlarmsUnitOfWork(make_session_factory(self.engine), clock=self.clock)
        self.sink = EmbeddedSink(self.engine)
        self.reader = EmbeddedTelemetryReader(self.engine)
        self.queries = AlarmQueries(
            make_session_factory(self.engine),
            telemetry=self.reader,
            units=self.units,
            clock=self.clock,
        )

    def recorder(self, **kw: object) -> AlarmRecorder:
        """A fresh recorder (a restarted process) reading history from the embedded store."""
        return AlarmRecorder(
            self.uow,
            self.units,
            self.ledger,
            self.notifier,
            self.reader,
            **kw,  # type: ignore[arg-type]
        )

    def pipeline(
        self, recorder: AlarmRecorder, readings: Sequence[Reading], batch: int = 25
    ) -> None:
        """Like the pipeline: each batch is observed, then written to the store."""
        for i in range(0, len(readings), batch):
            chunk = list(readings[i : i + batch])
            recorder.observe(chunk)
            assert self.sink.write(chunk).rejected == ()

    def count(self, row: type[AlarmRow] | type[ExcursionEpisodeRow]) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(row)).scalar_one())


@pytest.fixture
def world(engine: Engine) -> AlarmWorld:
    return AlarmWorld(engine)
