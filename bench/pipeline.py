"""Benchmark: the ingest pipeline's own cost per message, without MQTT.

Runs the real ``coldchain ingest`` service (decode, validation, the alarm recorder with its
first-sight rebuild, line protocol, the InfluxDB v1 write into a private influxd 1.6.7,
dead letters in SQLite) with its MQTT consumer replaced by an in-memory transport that
hands over the same readings as ``bench/ingest.py`` and counts acknowledgements. Prints
messages per second and the process CPU per message, the part of one ingest process's
budget that paho's network thread does not take. ``--profile`` adds a cProfile listing of
the pipeline thread. Run: ``.venv/bin/python -m bench.pipeline [readings] [--profile]``.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import ingest.process
from bench.ingest import readings
from ingest.config import MqttConfig
from ingest.metrics import IngestMetrics
from ingest.transport import Message
from tests.servers import start_influxdb

ROOT = Path(__file__).resolve().parents[1]


class MemoryTransport:
    """The pipeline's ``Transport`` over a list of messages; stops the run once all are acked."""

    def __init__(self, messages: list[Message], done: threading.Event) -> None:
        self._queue: queue.SimpleQueue[Message] = queue.SimpleQueue()
        for m in messages:
            self._queue.put(m)
        self._total = len(messages)
        self._done = done
        self.acked = 0
        self.started: tuple[float, float] | None = None  # (wall, process CPU) at first get
        self.finished: tuple[float, float] | None = None

    def start(self) -> None:
        return None

    def wait_connected(self, timeout: float) -> bool:
        return True

    def stop_receiving(self) -> None:
        return None

    def close(self) -> None:
        return None

    def get(self, timeout: float) -> Message | None:
        if self.started is None:
            self.started = (time.perf_counter(), time.process_time())
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None

    def ack(self, messages: Sequence[Message]) -> int:
        self.acked += len(messages)
        if self.acked >= self._total and self.finished is None:
            self.finished = (time.perf_counter(), time.process_time())
            self._done.set()
        return len(messages)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 60_000
    profile = "--profile" in sys.argv
    now = time.time_ns()
    messages = [
        Message(topic, payload, i % 65_535 + 1, 1, 1, now)
        for i, (topic, payload) in enumerate(readings(n, 3_000))
    ]
    done = threading.Event()
    transport = MemoryTransport(messages, done)

    def consumer(_config: MqttConfig, _metrics: IngestMetrics) -> MemoryTransport:
        return transport

    ingest.process.MqttConsumer = consumer  # type: ignore[assignment,misc]
    with tempfile.TemporaryDirectory(prefix="coldchain-bench-") as tmp:
        influx = start_influxdb(Path(tmp) / "influxdb")
        try:
            os.environ.update(
                COLDCHAIN_DATABASE_URL=f"sqlite:///{tmp}/coldchain.db",
                COLDCHAIN_MQTT_URL="mqtt://127.0.0.1:1",  # never dialled
                COLDCHAIN_TELEMETRY_STORE="influxdb-v1",
                COLDCHAIN_INFLUX_URL=influx.url,
                COLDCHAIN_INFLUX_DATABASE="coldchain",
                COLDCHAIN_INGEST_METRICS_PORT="0",
            )
            subprocess.run(
                [sys.executable, "-m", "coldchain.cli", "db", "upgrade"],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
            from coldchain.ingest_service import run_ingest_service
            from coldchain.settings import Settings

            profiler = cProfile.Profile() if profile else None
            if profiler is not None:
                profiler.enable()
            run_ingest_service(Settings(), stop=done)
            if profiler is not None:
                profiler.disable()
        finally:
            influx.kill()
    assert transport.started is not None and transport.finished is not None
    wall = transport.finished[0] - transport.started[0]
    cpu = transport.finished[1] - transport.started[1]
    print(f"pipeline without MQTT: {n / wall:,.0f} messages/s, {cpu / n * 1e6:.1f} µs CPU each")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    summary = {
        "readings": n,
        "pipeline_per_s": round(n / wall),
        "cpu_us_per_message": round(cpu / n * 1e6, 1),
        "wall_us_per_message": round(wall / n * 1e6, 1),
        "profiled": profile,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
