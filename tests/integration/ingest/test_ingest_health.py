"""`coldchain ingest`'s probes next to its /metrics: live while the process runs, ready only
while the broker is connected, the store answers and the database is at the head."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from alembic import command

from coldchain import db
from tests.integration.ingest.conftest import MakeIngest
from tests.servers import InfluxDB, Mosquitto, free_port


def probe(port: int, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for_status(port: int, status: int, timeout: float = 30.0) -> dict[str, str]:
    """Poll /health/ready until it answers ``status``; the failing checks and why."""
    deadline = time.monotonic() + timeout
    code, body = probe(port, "/health/ready")
    while code != status and time.monotonic() < deadline:
        time.sleep(0.2)
        code, body = probe(port, "/health/ready")
    assert code == status, body
    return {check["name"]: check["detail"] for check in body["checks"] if not check["ok"]}


def test_ingest_is_ready_only_while_its_broker_is_up(
    make_ingest: MakeIngest, mosquitto: Mosquitto, influxdb: InfluxDB
) -> None:
    port = free_port()
    ingest = make_ingest(
        COLDCHAIN_INGEST_METRICS_PORT=str(port), COLDCHAIN_LOG_FORMAT="json"
    ).start()
    assert probe(port, "/health/live") == (200, {"status": "ok"})
    assert wait_for_status(port, 200) == {}
    _, body = probe(port, "/health/ready")
    assert [c["name"] for c in body["checks"]] == ["broker", "database", "telemetry_store"]

    mosquitto.stop()
    problems = wait_for_status(port, 503)
    assert list(problems) == ["broker"]
    assert f"not connected to the MQTT broker at 127.0.0.1:{mosquitto.port}" in problems["broker"]
    assert probe(port, "/health/live")[0] == 200  # alive: restarting it would not help

    mosquitto.start()
    assert wait_for_status(port, 200) == {}

    influxdb.stop()
    problems = wait_for_status(port, 503)
    assert list(problems) == ["telemetry_store"]
    assert f"InfluxDB at {influxdb.url} is unreachable" in problems["telemetry_store"]
    influxdb.start()
    assert wait_for_status(port, 200) == {}
    assert (
        "coldchain_ingest_mqtt_connects_total"
        in urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    )
    assert ingest.terminate() == 0
    logged = [json.loads(line) for line in ingest.log().splitlines()]  # JSON lines only
    assert any("MQTT connection lost" in entry["message"] for entry in logged)


def test_ingest_on_a_database_behind_the_migrations_is_not_ready(
    make_ingest: MakeIngest, sqlite_url: str
) -> None:
    port = free_port()
    make_ingest(COLDCHAIN_INGEST_METRICS_PORT=str(port)).start()
    assert wait_for_status(port, 200) == {}
    command.downgrade(db.alembic_config(sqlite_url), "-1")
    problems = wait_for_status(port, 503)
    assert list(problems) == ["database"]
    assert "not at the migrations' head" in problems["database"]
