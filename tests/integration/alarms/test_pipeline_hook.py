"""The recorder plugged into the real ingest pipeline as its detection hook: decoded
readings raise a stored alarm and a notice; a redelivered stream changes nothing."""

from __future__ import annotations

import threading

from ingest.alarms.ports import NoticeKind, UnitInfo
from ingest.batcher import Batcher
from ingest.dead_letters import SqlDeadLetterStore
from ingest.metrics import IngestMetrics
from ingest.pipeline import Backoff, Pipeline
from ingest.transport import Message
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.ingest.builders import FakeTransport, decoder, message

TEMPS = [5.0, 5.0, 5.0] + [12.0] * 8  # every 5 min: hot from minute 15, early-heat at 45


def run(world: AlarmWorld, transport: FakeTransport) -> None:
    pipeline = Pipeline(
        transport,
        decoder(None, ("S1", "F1", "U1")),
        world.sink,
        SqlDeadLetterStore(world.engine),
        IngestMetrics(),
        batcher=Batcher[Message](4, 1.0),
        detector=world.recorder(),
        backoff=Backoff(0.1, 0.4),
        stop=threading.Event(),
    )
    while transport.queue:
        pipeline.step()
    pipeline.stop.set()
    pipeline.finish()


def stream() -> list[Message]:
    return [message("S1", t, seconds=i * 300, mid=i + 1) for i, t in enumerate(TEMPS)]


def test_the_pipeline_detects_through_the_recorder_and_a_redelivery_changes_nothing(
    world: AlarmWorld,
) -> None:
    world.units.units["U1"] = UnitInfo("F1", "2-8", "UTC")
    first = FakeTransport(stream())
    run(world, first)
    assert len(first.acked) == len(TEMPS)

    [alarm] = world.queries.alarms()
    assert (alarm.type, alarm.facility, alarm.unit, alarm.state) == (
        "early-heat",
        "F1",
        "U1",
        "raised",
    )
    assert [n.key for n in world.notifier.of(NoticeKind.RAISED)] == [alarm.key]

    run(world, FakeTransport(stream()))  # a new process, everything redelivered
    assert [a.key for a in world.queries.alarms()] == [alarm.key]
    assert len(world.notifier.notices) == 1
    [episode] = world.queries.episodes()
    assert episode.open and episode.reading_count is None
