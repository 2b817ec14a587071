"""Benchmark: line-protocol encoding per reading, and write throughput of the telemetry stores.

Times ``line_protocol.encode`` (the per-reading hot path), then writes batches through the
v1 sink into a private influxd 1.6.7 (started like the tests do, in a temporary directory)
and through the embedded sink into a SQLite file. Prints figures; nothing is asserted.
Run: ``.venv/bin/python bench/stores.py [readings]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from coldchain import db
from ingest.line_protocol import encode
from ingest.readings import Reading
from ingest.sinks.base import Sink
from ingest.sinks.embedded import EmbeddedSink
from ingest.sinks.influx_v1 import InfluxV1Sink

NS = 1_000_000_000


def make_readings(n: int, sensors: int = 500) -> list[Reading]:
    t0 = 1_700_000_000 * NS
    return [
        Reading(
            facility=f"F{i % 20:02d}",
            unit=f"fridge-{i % sensors}",
            sensor_id=f"s-{i % sensors:05d}",
            device_time_ns=t0 + (i // sensors) * 60 * NS,
            temperature_c=4.0 + (i % 37) / 10,
            received_at_ns=t0 + (i // sensors) * 60 * NS + 300_000_000,
            seq=i // sensors,
            battery_pct=88.5,
            door_open=False,
            power_on=True,
        )
        for i in range(n)
    ]


def time_encoding(readings: list[Reading]) -> None:
    start = time.perf_counter()
    for reading in readings:
        encode(reading)
    elapsed = time.perf_counter() - start
    print(f"encode: {elapsed / len(readings) * 1e6:.2f} µs per reading ({len(readings)} readings)")


def time_sink(name: str, sink: Sink, readings: list[Reading], batch: int) -> None:
    start = time.perf_counter()
    for i in range(0, len(readings), batch):
        result = sink.write(readings[i : i + batch])
        assert not result.rejected
    elapsed = time.perf_counter() - start
    print(f"{name}, batches of {batch}: {len(readings) / elapsed:,.0f} readings/s")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    readings = make_readings(n)
    time_encoding(readings)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.servers import start_influxdb

    with tempfile.TemporaryDirectory() as tmp:
        influxdb = start_influxdb(Path(tmp) / "influxdb")
        try:
            for batch in (500, 5000):
                sink = InfluxV1Sink(influxdb.url, f"bench{batch}")
                time_sink("influxdb v1 /write", sink, readings, batch)
                sink.close()
        finally:
            influxdb.kill()
        url = f"sqlite:///{tmp}/bench.db"
        db.upgrade(url)
        engine = db.make_engine(url)
        time_sink("embedded SQLite", EmbeddedSink(engine), readings[:50_000], 500)
        engine.dispose()


if __name__ == "__main__":
    main()
