"""The ingest process: builds the stages, serves /metrics and /health/*, runs until SIGTERM.

Runs as its own OS process (``coldchain ingest``), never beside a publisher in one Python
process (the GIL starves paho's network thread and QoS 1 messages pile up at the broker).

Invariant: on SIGTERM it stops taking messages, commits and acknowledges the batch in
hand (if the stores answer), disconnects cleanly and leaves the session and its queue on
the broker. A SIGKILL loses nothing either: unacknowledged messages are redelivered.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from sqlalchemy import Engine

from ingest.batcher import Batcher
from ingest.config import IngestConfig
from ingest.consumer import MqttConsumer
from ingest.dead_letters import SqlDeadLetterStore
from ingest.decode import Decoder
from ingest.errors import IngestConfigurationError
from ingest.health import Check
from ingest.metrics import IngestMetrics, MetricsServer
from ingest.pipeline import Backoff, Detector, Pipeline
from ingest.registry import RegistrySnapshot, SensorDirectory, load_snapshot
from ingest.sinks.base import Sink
from ingest.transport import Message

log = logging.getLogger(__name__)


def build_pipeline(
    config: IngestConfig,
    sink: Sink,
    engine: Engine,
    *,
    metrics: IngestMetrics,
    detector: Detector | None = None,
    stop: threading.Event | None = None,
    registry: Callable[[], RegistrySnapshot] | None = None,
) -> tuple[Pipeline, MqttConsumer]:
    """The stages; ``registry`` loads the sensor registry (default: its tables; the
    composition root adds the loggers on shipments)."""
    load = registry or (lambda: load_snapshot(engine))
    directory = SensorDirectory(load, refresh_s=config.registry_refresh_s)
    if not directory.refresh():
        raise IngestConfigurationError(
            f"cannot read the sensor registry from {engine.url.render_as_string()}"
            " (is the database reachable and migrated? run `coldchain db upgrade`)"
        )
    consumer = MqttConsumer(config.mqtt, metrics)
    pipeline = Pipeline(
        consumer,
        Decoder(config.decode, directory),
        sink,
        SqlDeadLetterStore(engine),
        metrics,
        batcher=Batcher[Message](config.messages_per_batch(), config.batch_seconds),
        detector=detector,
        backoff=Backoff(config.retry_initial_s, config.retry_max_s),
        stop=stop,
    )
    return pipeline, consumer


def run_ingest(
    config: IngestConfig,
    sink: Sink,
    engine: Engine,
    *,
    detector: Detector | None = None,
    stop: threading.Event | None = None,
    checks: Sequence[Check] = (),
    registry: Callable[[], RegistrySnapshot] | None = None,
) -> None:
    """Consume until ``stop`` is set (SIGTERM and SIGINT set it when run in the main thread).

    ``/health/ready`` checks the broker connection, then ``checks`` (the composition root
    gives the store and the database)."""
    stop = stop or threading.Event()
    metrics = IngestMetrics()
    pipeline, consumer = build_pipeline(
        config, sink, engine, metrics=metrics, detector=detector, stop=stop, registry=registry
    )
    if threading.current_thread() is threading.main_thread():
        _stop_on_signals(stop)
    server = (
        MetricsServer(
            metrics,
            config.metrics_host,
            config.metrics_port,
            checks=(broker_check(consumer), *checks),
        )
        if config.metrics_port
        else None
    )
    log.info(
        "ingest: %s:%s %s as %s, %d messages or %.1f s per batch",
        config.mqtt.host,
        config.mqtt.port,
        ", ".join(config.mqtt.subscriptions()),
        config.mqtt.client_id,
        config.messages_per_batch(),
        config.batch_seconds,
    )
    consumer.start()
    try:
        pipeline.run()
    finally:
        consumer.close()
        sink.close()
        if server is not None:
            server.close()
        log.info("ingest stopped")


def broker_check(consumer: MqttConsumer) -> Check:
    """Ready only while connected (and subscribed on that connection) to the broker."""
    where = f"{consumer.config.host}:{consumer.config.port}"

    def problem() -> str | None:
        if consumer.is_connected():
            return None
        return f"not connected to the MQTT broker at {where} (reconnecting)"

    return Check("broker", problem)


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the batch in hand, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
