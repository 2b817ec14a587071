"""The ingest pipeline: transport → decode → [detect] → sink → dead letters → ack.

One thread runs it. It takes messages from the transport, decodes each at once (a bad one
becomes a dead letter of the batch, never an exception), and commits a batch as soon as
nothing more is waiting, when it is full, or (a bound under a steady trickle) when its first
message waited the batch time. This is natural batching: a lightly loaded ingest writes each
message at once, a busy one writes whatever arrived while the last batch was written, up to
the size limit:

1. the detector observes the batch's readings (a hook; a failure is counted, never fatal);
2. the sink writes the readings, retried with capped exponential back-off for as long as it
   raises ``SinkUnavailable`` (nothing is acknowledged meanwhile: the broker holds the rest);
3. the readings the sink refused join the batch's dead letters, which are written in one SQL
   transaction (retried the same way);
4. only then are the batch's messages acknowledged.

Invariant: a message is acknowledged only after each of its readings is stored or
dead-lettered. On stop, the batch in hand is committed if the stores answer; if they do not,
nothing is acknowledged and the broker redelivers it to the next run. Writes are keyed on
(sensor, device time), so a redelivered message is stored once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ingest.batcher import Batch, Batcher
from ingest.dead_letters import DeadLetter, DeadLetterStore
from ingest.decode import SINK_REJECTED, Decoder
from ingest.errors import StoreUnavailable
from ingest.metrics import IngestMetrics
from ingest.readings import Reading
from ingest.sinks.base import Sink, SinkMisconfigured, SinkUnavailable, WriteResult
from ingest.transport import Message, Transport

log = logging.getLogger(__name__)

IDLE_TICK_S = 0.5  # how often an idle pipeline looks at the stop flag and the registry


class Detector(Protocol):
    """Excursion detection hook: sees every decoded batch before it is written."""

    def observe(self, readings: Sequence[Reading]) -> None: ...


class NoDetector:
    def observe(self, readings: Sequence[Reading]) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Backoff:
    initial_s: float = 0.2
    max_s: float = 5.0

    def delays(self) -> Callable[[], float]:
        state = {"next": self.initial_s}

        def next_delay() -> float:
            delay = state["next"]
            state["next"] = min(delay * 2, self.max_s)
            return delay

        return next_delay


class Stopped(Exception):
    """Stop was asked while a write was being retried: the batch stays unacknowledged."""


class Pipeline:
    def __init__(
        self,
        transport: Transport,
        decoder: Decoder,
        sink: Sink,
        dead_letters: DeadLetterStore,
        metrics: IngestMetrics,
        *,
        batcher: Batcher[Message],
        detector: Detector | None = None,
        backoff: Backoff = Backoff(),
        stop: threading.Event | None = None,
    ) -> None:
        self.transport = transport
        self.decoder = decoder
        self.sink = sink
        self.dead_letters = dead_letters
        self.metrics = metrics
        self.batcher = batcher
        self.detector = detector or NoDetector()
        self.backoff = backoff
        self.stop = stop or threading.Event()

    # --- the loop ---

    def run(self) -> None:
        """Consume until ``stop`` is set, then commit what is in hand and return."""
        try:
            while not self.stop.is_set():
                self.step()
        except Stopped as exc:
            log.warning("stopped while %s was unavailable: that batch stays with the broker", exc)
            self.transport.stop_receiving()
            return
        self.finish()

    def step(self) -> None:
        """Take at most one message (waiting only while the batch is empty); commit when
        nothing more is waiting or the batch is due."""
        pending = self.batcher.pending
        message = self.transport.get(0.0 if pending else IDLE_TICK_S)
        if message is not None:
            self.accept(message)
        if self.batcher.due() or (message is None and pending):
            self.commit(self.batcher.take())
            self.decoder.directory.maybe_refresh()  # between batches, also under full load
        elif message is None and self.batcher.pending == 0:
            self.decoder.directory.maybe_refresh()

    def accept(self, message: Message) -> None:
        readings, rejections = self.decoder.decode(
            message.topic, message.payload, message.received_at_ns
        )
        self.batcher.add(
            message,
            message.topic,
            message.payload,
            message.received_at_ns,
            readings,
            rejections,
        )

    def finish(self) -> None:
        """Stop taking messages, commit those already taken, if the stores let us."""
        self.transport.stop_receiving()
        log.info("stopping: committing the %d messages taken", self.batcher.pending)
        while (message := self.transport.get(0)) is not None:
            self.accept(message)
            if self.batcher.full() and not self._commit_on_stop():
                return
        if self.batcher.pending and not self._commit_on_stop():
            return
        self._flush_sightings()

    def _flush_sightings(self) -> None:
        """Record the unregistered sightings held back by the once-a-minute rewrite, so that
        a clean stop loses none of them (one try: the stores are being left)."""
        observed = self.decoder.take_observations(everything=True)
        if not observed.unregistered:
            return
        try:
            self.dead_letters.record([], observed.unregistered)
        except StoreUnavailable as exc:
            log.warning("unregistered sightings not recorded at shutdown: %s", exc)
            return
        self.metrics.unregistered_stored.inc(
            sum(s.readings for s in observed.unregistered.values())
        )

    def _commit_on_stop(self) -> bool:
        # Stop is set, so each store gets one try: if it is down we leave without acking.
        try:
            self.commit(self.batcher.take())
        except Stopped as exc:
            log.warning("%s unavailable at shutdown: the batch stays with the broker", exc)
            return False
        return True

    # --- committing one batch ---

    def commit(self, batch: Batch[Message]) -> None:
        """Store, dead-letter, then acknowledge one batch. Raises ``Stopped`` (nothing
        acknowledged) when stop is asked while a store is failing."""
        started = time.perf_counter()
        self._observe(batch.readings)
        letters = list(batch.letters)
        if batch.readings:
            result = self._write(batch.readings)
            letters.extend(self._sink_rejections(batch, result))
            self.metrics.written.inc(result.written)
        observed = self.decoder.take_observations()
        self._retry(
            "dead_letters",
            lambda: self.dead_letters.record(letters, observed.unregistered),
        )
        self.transport.ack(batch.messages)
        self._count(batch, letters, observed.unit_mismatches, observed.unbound_stored)
        self.metrics.write_latency.observe(time.perf_counter() - started)
        unregistered = sum(s.readings for s in observed.unregistered.values())
        self.metrics.unregistered_stored.inc(unregistered)

    def _observe(self, readings: Sequence[Reading]) -> None:
        if not readings:
            return
        try:
            self.detector.observe(readings)
        except Exception:
            self.metrics.detector_errors.inc()
            log.exception("detector failed on a batch of %d readings", len(readings))

    def _write(self, readings: Sequence[Reading]) -> WriteResult:
        result: list[WriteResult] = []
        self._retry("sink", lambda: result.append(self.sink.write(readings)))
        return result[0]

    def _retry(self, stage: str, attempt: Callable[[], object]) -> None:
        next_delay = self.backoff.delays()
        while True:
            try:
                attempt()
                return
            except SinkMisconfigured:
                raise  # retrying cannot help: stop loudly, acknowledge nothing
            except SinkUnavailable as exc:
                log.warning("%s unavailable (%s); retrying, nothing acknowledged", stage, exc)
            except Exception:
                log.exception("%s failed; retrying, nothing acknowledged", stage)
            self.metrics.retries.labels(stage).inc()
            if self.stop.wait(next_delay()):
                raise Stopped(stage)

    def _sink_rejections(self, batch: Batch[Message], result: WriteResult) -> list[DeadLetter]:
        letters = []
        for rejected in result.rejected:
            if not 0 <= rejected.index < len(batch.readings):
                log.error(
                    "sink rejected index %d of a %d-reading batch",
                    rejected.index,
                    len(batch.readings),
                )
                continue
            message = batch.messages[batch.sources[rejected.index]]
            reading = batch.readings[rejected.index]
            letters.append(
                DeadLetter(
                    message.topic,
                    message.payload,
                    SINK_REJECTED,
                    f"{reading.sensor_id} at {reading.device_time_ns} ns: {rejected.reason}",
                    message.received_at_ns,
                    part=f"{reading.sensor_id}@{reading.device_time_ns}",
                )
            )
        return letters

    def _count(
        self, batch: Batch[Message], letters: Sequence[DeadLetter], mismatches: int, unbound: int
    ) -> None:
        self.metrics.batch_size.observe(len(batch.readings))
        for letter in letters:
            self.metrics.dead_lettered.labels(letter.reason).inc()
        if mismatches:
            self.metrics.unit_mismatches.inc(mismatches)
        if unbound:
            self.metrics.unbound_stored.inc(unbound)
