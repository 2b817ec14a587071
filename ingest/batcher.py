"""Batches: the unit of writing and of acknowledging.

A batch holds messages, the readings decoded from them (each remembering its message) and
the dead letters found so far. It is due when it holds ``max_messages`` messages or
``max_readings`` readings, or when its first message waited ``max_wait_s`` (≤ 1 s).

Invariant: every message taken from the transport is in exactly one batch, and is
acknowledged only with that batch; a reading or dead letter never outlives its message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ingest.dead_letters import DeadLetter
from ingest.decode import Rejection
from ingest.readings import Reading

M = TypeVar("M")


@dataclass(slots=True)
class Batch(Generic[M]):
    messages: list[M] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)  # message index of each reading
    letters: list[DeadLetter] = field(default_factory=list)
    opened_at: float = 0.0

    def __len__(self) -> int:
        return len(self.messages)


class Batcher(Generic[M]):
    def __init__(
        self,
        max_messages: int,
        max_wait_s: float,
        *,
        max_readings: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_messages < 1 or max_wait_s <= 0:
            raise ValueError("a batch holds at least one message and waits a positive time")
        self.max_messages = max_messages
        self.max_readings = max_readings or max_messages
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._batch: Batch[M] = Batch()

    def add(
        self,
        message: M,
        topic: str,
        payload: bytes,
        received_at_ns: int,
        readings: Sequence[Reading],
        rejections: Sequence[Rejection],
    ) -> None:
        batch = self._batch
        if not batch.messages:
            batch.opened_at = self._clock()
        index = len(batch.messages)
        batch.messages.append(message)
        if readings:
            batch.readings.extend(readings)
            batch.sources.extend([index] * len(readings))
        for rejection in rejections:
            batch.letters.append(
                DeadLetter(
                    topic,
                    payload if rejection.item is None else rejection.item,
                    rejection.reason,
                    rejection.detail,
                    received_at_ns,
                )
            )

    @property
    def pending(self) -> int:
        return len(self._batch.messages)

    def full(self) -> bool:
        batch = self._batch
        return len(batch.messages) >= self.max_messages or len(batch.readings) >= self.max_readings

    def time_left(self) -> float:
        """Seconds until the open batch is due by time (``inf`` when it is empty)."""
        if not self._batch.messages:
            return float("inf")
        return max(0.0, self._batch.opened_at + self.max_wait_s - self._clock())

    def due(self) -> bool:
        return bool(self._batch.messages) and (self.full() or self.time_left() <= 0.0)

    def take(self) -> Batch[M]:
        batch, self._batch = self._batch, Batch()
        return batch
