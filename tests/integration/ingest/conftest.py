"""Fixtures for the ingest tests: the ingest process builder and the publishing fleet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.ingest.harness import IngestProcess, Publisher, ingest_env
from tests.servers import InfluxDB, Mosquitto

MakeIngest = Callable[..., IngestProcess]


@pytest.fixture
def make_ingest(
    mosquitto: Mosquitto, influxdb: InfluxDB, sqlite_url: str, tmp_path: Path
) -> Iterator[MakeIngest]:
    """Start `coldchain ingest` processes (extra COLDCHAIN_* settings as keywords)."""
    started: list[IngestProcess] = []

    def make(name: str = "ingest", **extra: str) -> IngestProcess:
        env = ingest_env(mosquitto, influxdb, sqlite_url, **extra)
        process = IngestProcess(env, tmp_path / f"{name}.log")
        started.append(process)
        return process

    yield make
    for process in started:
        process.ensure_stopped()


@pytest.fixture
def fleet(mosquitto: Mosquitto) -> Iterator[Publisher]:
    publisher = Publisher(mosquitto)
    yield publisher
    publisher.close()
