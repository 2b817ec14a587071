"""Batches close on size (messages or readings) or on the age of their first message."""

from __future__ import annotations

import pytest

from ingest.batcher import Batcher
from ingest.decode import Rejection
from tests.unit.ingest.builders import decoder, message


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def add(batcher: Batcher[object], n: int = 1, readings_each: int = 1) -> None:
    dec = decoder()
    for i in range(n):
        msg = message(seconds=i)
        readings, _ = dec.decode(msg.topic, msg.payload, msg.received_at_ns)
        batcher.add(msg, msg.topic, msg.payload, msg.received_at_ns, readings * readings_each, [])


def test_a_batch_is_due_when_it_holds_max_messages() -> None:
    batcher: Batcher[object] = Batcher(3, 1.0, clock=Clock())
    add(batcher, 2)
    assert not batcher.due()
    add(batcher, 1)
    assert batcher.due()
    batch = batcher.take()
    assert len(batch) == 3 and len(batch.readings) == 3 and batch.sources == [0, 1, 2]
    assert batcher.pending == 0 and not batcher.due()


def test_a_batch_is_due_when_buffered_lists_fill_it_with_readings() -> None:
    batcher: Batcher[object] = Batcher(100, 1.0, max_readings=10, clock=Clock())
    add(batcher, 2, readings_each=5)
    assert batcher.due()
    assert batcher.take().sources == [0] * 5 + [1] * 5


def test_a_batch_is_due_one_wait_after_its_first_message_not_its_last() -> None:
    clock = Clock()
    batcher: Batcher[object] = Batcher(500, 1.0, clock=clock)
    assert batcher.time_left() == float("inf")
    add(batcher)
    clock.now += 0.6
    add(batcher)
    assert batcher.time_left() == pytest.approx(0.4)
    assert not batcher.due()
    clock.now += 0.4
    assert batcher.due()


def test_an_empty_batch_is_never_due() -> None:
    clock = Clock()
    batcher: Batcher[object] = Batcher(1, 0.5, clock=clock)
    clock.now += 10
    assert not batcher.due()


def test_a_rejection_becomes_a_dead_letter_with_the_message_or_the_item() -> None:
    batcher: Batcher[object] = Batcher(10, 1.0, clock=Clock())
    msg = message(payload=b"garbage")
    batcher.add(
        msg,
        msg.topic,
        msg.payload,
        7,
        [],
        [Rejection("not_json", "nope"), Rejection("bad_field", "item 2", b'{"t":"x"}')],
    )
    letters = batcher.take().letters
    assert [(x.payload, x.reason, x.received_at_ns) for x in letters] == [
        (b"garbage", "not_json", 7),
        (b'{"t":"x"}', "bad_field", 7),
    ]
