"""The pipeline acknowledges a message only after its readings are stored or dead-lettered."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from ingest.batcher import Batcher
from ingest.decode import SINK_REJECTED, DecodeConfig
from ingest.metrics import IngestMetrics
from ingest.pipeline import Backoff, Pipeline
from ingest.readings import Reading
from ingest.registry import RegistrySnapshot, SensorDirectory
from ingest.sinks.base import SinkMisconfigured, WriteResult
from ingest.transport import Message
from tests.unit.ingest.builders import (
    FakeDeadLetters,
    FakeSink,
    FakeTransport,
    decoder,
    message,
)


def pipeline(
    transport: FakeTransport,
    sink: FakeSink,
    letters: FakeDeadLetters | None = None,
    *,
    batch: int = 10,
    config: DecodeConfig | None = None,
    detector: object = None,
    sleeps: list[float] | None = None,
) -> Pipeline:
    stop = threading.Event()
    if sleeps is not None:
        real_wait = stop.wait

        def wait(timeout: float | None = None) -> bool:
            sleeps.append(timeout or 0.0)
            return real_wait(0)

        stop.wait = wait  # type: ignore[method-assign]
    return Pipeline(
        transport,
        decoder(config),
        sink,
        letters or FakeDeadLetters(),
        IngestMetrics(),
        batcher=Batcher[Message](batch, 1.0),
        detector=detector,  # type: ignore[arg-type]
        backoff=Backoff(0.1, 0.4),
        stop=stop,
    )


def run_until_empty(p: Pipeline, transport: FakeTransport) -> None:
    while transport.queue:
        p.step()


def test_a_full_batch_is_written_then_acked() -> None:
    transport = FakeTransport([message(seconds=i, mid=i) for i in range(10)])
    sink = FakeSink(transport=transport)
    run_until_empty(pipeline(transport, sink), transport)
    assert len(sink.stored) == 10
    assert [m.mid for m in transport.acked] == list(range(10))
    assert sink.acked_before_write == [0]


def test_nothing_is_acked_while_the_sink_is_unavailable_and_all_after_it_returns() -> None:
    transport = FakeTransport([message(seconds=i, mid=i) for i in range(10)])
    sink = FakeSink(down_for=4, transport=transport)
    sleeps: list[float] = []
    p = pipeline(transport, sink, sleeps=sleeps)
    run_until_empty(p, transport)
    assert sink.calls == 5
    assert sink.acked_before_write == [0, 0, 0, 0, 0]
    assert sleeps == [0.1, 0.2, 0.4, 0.4]  # capped exponential back-off
    assert len(transport.acked) == 10 and len(sink.stored) == 10
    assert p.metrics.retries.labels("sink")._value.get() == 4


def test_a_partial_rejection_dead_letters_exactly_the_refused_readings() -> None:
    msgs = [message(seconds=i, mid=i, t=5.0) for i in range(10)]
    msgs[3] = message(seconds=3, mid=3, t=9.5)
    msgs[7] = message(seconds=7, mid=7, t=9.5)
    transport = FakeTransport(msgs)
    sink, letters = FakeSink(refuse_t=9.5), FakeDeadLetters()
    run_until_empty(pipeline(transport, sink, letters), transport)
    assert len(sink.stored) == 8
    assert [(x.reason, x.payload) for x in letters.letters] == [  # type: ignore[attr-defined]
        (SINK_REJECTED, msgs[3].payload),
        (SINK_REJECTED, msgs[7].payload),
    ]
    assert "field type conflict" in letters.letters[0].detail  # type: ignore[attr-defined]
    assert len(transport.acked) == 10


def test_a_malformed_message_is_acked_only_after_its_dead_letter_is_committed() -> None:
    msgs = [message(mid=1), message(mid=2, payload=b"{oops"), message(seconds=5, mid=3)]
    transport = FakeTransport(msgs)
    letters = FakeDeadLetters(down_for=2)
    p = pipeline(transport, FakeSink(), letters, batch=3, sleeps=[])
    p.step()
    p.step()
    p.step()
    assert transport.acked == msgs
    assert [x.reason for x in letters.letters] == ["not_json"]  # type: ignore[attr-defined]
    assert p.metrics.retries.labels("dead_letters")._value.get() == 2
    assert p.metrics.dead_lettered.labels("not_json")._value.get() == 1


def test_a_batch_of_only_bad_messages_never_calls_the_sink() -> None:
    transport = FakeTransport([message(mid=i, payload=b"x") for i in range(3)])
    sink, letters = FakeSink(), FakeDeadLetters()
    run_until_empty(pipeline(transport, sink, letters, batch=3), transport)
    assert sink.calls == 0 and len(letters.letters) == 3 and len(transport.acked) == 3


def test_stop_during_an_outage_leaves_the_batch_unacked_for_redelivery() -> None:
    transport = FakeTransport([message(seconds=i, mid=i) for i in range(4)])
    sink = FakeSink(down_for=1_000)
    p = pipeline(transport, sink, batch=2)
    threading.Timer(0.3, p.stop.set).start()
    p.run()
    assert transport.acked == []
    assert sink.stored == {}


def test_stop_commits_and_acks_the_messages_already_taken() -> None:
    transport = FakeTransport([message(seconds=i, mid=i) for i in range(5)])
    sink = FakeSink()
    p = pipeline(transport, sink, batch=100)
    p.step()
    p.step()
    assert transport.acked == []  # the batch is neither full nor a second old
    p.stop.set()
    p.run()
    assert len(sink.stored) == 5 and len(transport.acked) == 5


def test_a_misconfigured_sink_stops_the_pipeline_without_acking() -> None:
    class Refusing(FakeSink):
        def write(self, readings: Sequence[Reading]) -> WriteResult:
            raise SinkMisconfigured("401: bad token")

    transport = FakeTransport([message(mid=1)])
    p = pipeline(transport, Refusing(), batch=1)
    with pytest.raises(SinkMisconfigured):
        p.step()
    assert transport.acked == []


def test_the_detector_sees_each_batch_before_it_is_written_and_cannot_stop_it() -> None:
    seen: list[int] = []

    class Detector:
        def observe(self, readings: Sequence[Reading]) -> None:
            seen.append(len(readings))
            raise RuntimeError("detector bug")

    transport = FakeTransport([message(seconds=i, mid=i) for i in range(4)])
    sink = FakeSink()
    p = pipeline(transport, sink, batch=2, detector=Detector())
    run_until_empty(p, transport)
    assert seen == [2, 2] and len(sink.stored) == 4 and len(transport.acked) == 4
    assert p.metrics.detector_errors._value.get() == 2


def test_unregistered_sensors_are_recorded_with_the_batch_under_the_flag_policy() -> None:
    transport = FakeTransport([message("S7", seconds=i, mid=i) for i in range(3)])
    letters = FakeDeadLetters()
    p = pipeline(transport, FakeSink(), letters, batch=3, config=DecodeConfig())
    run_until_empty(p, transport)
    assert list(letters.unregistered) == ["S7"]


def test_a_clean_stop_records_the_sightings_held_back_by_the_minute_rewrite() -> None:
    transport = FakeTransport([message("S7", seconds=i, mid=i) for i in range(6)])
    letters = FakeDeadLetters()
    p = pipeline(transport, FakeSink(), letters, batch=3, config=DecodeConfig())
    run_until_empty(p, transport)  # batch 1 records S7; batch 2's sighting waits a minute
    assert p.metrics.unregistered_stored._value.get() == 3
    p.stop.set()
    p.run()
    assert p.metrics.unregistered_stored._value.get() == 6
    assert letters.unregistered["S7"].readings == 3  # type: ignore[attr-defined]


def test_a_lone_message_is_written_at_once_without_waiting_for_the_batch_time() -> None:
    transport = FakeTransport([message(seconds=0, mid=1)])
    sink = FakeSink()
    p = pipeline(transport, sink, batch=500)
    p.batcher = Batcher[Message](500, 1.0, clock=lambda: 0.0)  # the batch time never passes
    p.step()  # takes the message
    p.step()  # nothing more is waiting: write and ack now
    assert len(sink.stored) == 1 and len(transport.acked) == 1


def test_a_busy_pipeline_writes_what_is_waiting_as_one_batch_up_to_the_size_limit() -> None:
    transport = FakeTransport([message(seconds=i, mid=i) for i in range(25)])
    sizes: list[int] = []

    class Sizes:
        def observe(self, readings: Sequence[Reading]) -> None:
            sizes.append(len(readings))

    p = pipeline(transport, FakeSink(), batch=10, detector=Sizes())
    p.batcher = Batcher[Message](10, 1.0, clock=lambda: 0.0)
    for _ in range(30):
        p.step()
    assert sizes == [10, 10, 5] and len(transport.acked) == 25


def test_redelivered_messages_are_stored_once() -> None:
    msgs = [message(seconds=i, mid=i) for i in range(5)]
    transport = FakeTransport(msgs + msgs)  # the broker sent them again after a crash
    sink = FakeSink()
    run_until_empty(pipeline(transport, sink, batch=5), transport)
    assert len(sink.stored) == 5 and len(transport.acked) == 10


def test_the_registry_is_refreshed_between_batches_under_continuous_load() -> None:
    loads: list[float] = []
    clock = [0.0]

    def load() -> RegistrySnapshot:
        loads.append(clock[0])
        return RegistrySnapshot(sensors={})

    transport = FakeTransport([message(seconds=i, mid=i) for i in range(40)])
    p = pipeline(transport, FakeSink(), batch=5)
    p.decoder.directory = SensorDirectory(
        load, refresh_s=60, miss_refresh_s=float("inf"), clock=lambda: clock[0]
    )
    p.decoder.directory.refresh()
    while transport.queue:
        clock[0] += 10  # ten seconds a message: the queue is never empty at a step
        p.step()
    assert len(loads) >= 5
