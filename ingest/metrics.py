"""Prometheus metrics of the ingest process, served as text on ``/metrics``.

Every count a reading can end in is here: received, written, dead-lettered (by reason),
plus retries, batch sizes, write latency and the backlog (messages received but not yet
acknowledged). Each process has its own registry, so two pipelines in one test never mix.
Counters are bumped per batch on the hot path, never per reading. The same port answers
``/health/live`` and ``/health/ready`` (``ingest.health``).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector

from ingest.decode import REASONS
from ingest.health import Check, with_health_routes

_BATCH_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000)
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        p = "coldchain_ingest_"
        self.acked = Counter(p + "messages_acked", "MQTT messages acknowledged", registry=r)
        self.stale_acks = Counter(
            p + "acks_skipped_stale",
            "Acks not sent because the connection they belong to is gone (redelivered)",
            registry=r,
        )
        self.written = Counter(p + "readings_written", "Readings stored by the sink", registry=r)
        self.dead_lettered = Counter(
            p + "dead_lettered", "Messages or items dead-lettered", ["reason"], registry=r
        )
        for reason in REASONS:
            self.dead_lettered.labels(reason)
        self.retries = Counter(
            p + "write_retries", "Writes retried after a failure", ["stage"], registry=r
        )
        self.batch_size = Histogram(
            p + "batch_readings", "Readings per batch", buckets=_BATCH_BUCKETS, registry=r
        )
        self.write_latency = Histogram(
            p + "write_seconds",
            "Time to store one batch, retries included",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.unit_mismatches = Counter(
            p + "topic_unit_mismatches",
            "Readings whose topic names another unit than the sensor's binding",
            registry=r,
        )
        self.unbound_stored = Counter(
            p + "unbound_readings_stored",
            "Readings of registered but unbound sensors stored under the topic's unit",
            registry=r,
        )
        self.unregistered_stored = Counter(
            p + "unregistered_readings_stored",
            "Readings of unregistered sensors stored under the topic's unit (policy flag)",
            registry=r,
        )
        self.detector_errors = Counter(
            p + "detector_errors", "Batches the detector failed on", registry=r
        )
        self.connects = Counter(p + "mqtt_connects", "Successful MQTT connections", registry=r)
        self.sessions_lost = Counter(
            p + "mqtt_sessions_lost",
            "Reconnections where the broker had no session for us (queued messages gone)",
            registry=r,
        )

    def watch_transport(self, received: Callable[[], int], unacked: Callable[[], int]) -> None:
        """Received and backlog are read from the transport's plain counters at scrape time:
        no lock per message on paho's network thread."""
        self.registry.register(_TransportCollector(received, unacked))


class _TransportCollector(Collector):
    def __init__(self, received: Callable[[], int], unacked: Callable[[], int]) -> None:
        self._received = received
        self._unacked = unacked

    def collect(self) -> Iterable[Metric]:
        yield CounterMetricFamily(
            "coldchain_ingest_messages_received", "MQTT messages received", self._received()
        )
        yield GaugeMetricFamily(
            "coldchain_ingest_backlog_messages",
            "Messages received but not yet acknowledged",
            self._unacked(),
        )


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No line per scrape or probe on stderr."""


class MetricsServer:
    """/metrics, /health/live and /health/ready over HTTP on a daemon thread."""

    def __init__(
        self, metrics: IngestMetrics, host: str, port: int, checks: Sequence[Check] = ()
    ) -> None:
        class Server(ThreadingWSGIServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

        app = with_health_routes(make_wsgi_app(metrics.registry), checks)
        self._server = make_server(host, port, app, Server, handler_class=_QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ingest-metrics", daemon=True
        )
        self._thread.start()
        self.port: int = self._server.server_port

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
