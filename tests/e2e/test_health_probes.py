"""The API's probes on the wired application: liveness without a token, readiness that
names the database when it is not at the migrations' head or not reachable, and the
telemetry store when a real InfluxDB is stopped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient

from coldchain import db
from coldchain.settings import Settings
from coldchain.wiring import build_app
from tests.conftest import POSTGRES_URL
from tests.servers import InfluxDB


@contextmanager
def client_for(**settings: Any) -> Iterator[TestClient]:
    with TestClient(build_app(Settings(**settings))) as client:
        yield client


def failing(body: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["detail"] for check in body["checks"] if not check["ok"]}


def test_liveness_and_readiness_answer_without_a_token(database_url: str) -> None:
    with client_for(database_url=database_url) as client:
        for path in ("/api/v1/health", "/api/v1/health/live"):
            assert client.get(path).json() == {"status": "ok"}
        ready = client.get("/api/v1/health/ready")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ready",
            "checks": [
                {"name": "database", "ok": True, "detail": "ok"},
                {"name": "telemetry_store", "ok": True, "detail": "ok"},
            ],
        }
        assert ready.headers["cache-control"] == "no-store"


def test_a_database_one_migration_behind_the_head_is_not_ready_and_says_so(
    database_url: str,
) -> None:
    head = ", ".join(sorted(db.head_revisions()))
    command.downgrade(db.alembic_config(database_url), "-1")
    with client_for(database_url=database_url) as client:
        answer = client.get("/api/v1/health/ready")
        assert answer.status_code == 503
        assert answer.json()["status"] == "not ready"
        problems = failing(answer.json())
        assert list(problems) == ["database"]
        assert f"not at the migrations' head {head}" in problems["database"]
        assert "coldchain db upgrade" in problems["database"]
        assert client.get("/api/v1/health/live").status_code == 200  # alive all the same

        db.upgrade(database_url)
        assert client.get("/api/v1/health/ready").status_code == 200


def test_a_database_never_migrated_is_not_ready(tmp_path: Path) -> None:
    with client_for(database_url=f"sqlite:///{tmp_path}/empty.db") as client:
        problems = failing(client.get("/api/v1/health/ready").json())
        assert "never migrated" in problems["database"]
        assert "telemetry_readings" in problems["telemetry_store"]


@pytest.mark.postgres
def test_an_unreachable_database_is_not_ready_and_names_it() -> None:
    missing = POSTGRES_URL.rsplit("/", 1)[0] + "/coldchain_no_such_database"
    with client_for(database_url=missing) as client:
        answer = client.get("/api/v1/health/ready")
        assert answer.status_code == 503
        problems = failing(answer.json())
        assert problems["database"].startswith("the database is unreachable")
        assert "coldchain_no_such_database" in problems["database"]


def test_a_stopped_influxdb_makes_the_api_not_ready_until_it_is_back(
    sqlite_url: str, influxdb: InfluxDB
) -> None:
    with client_for(
        database_url=sqlite_url, telemetry_store="influxdb-v1", influx_url=influxdb.url
    ) as client:
        assert client.get("/api/v1/health/ready").status_code == 200
        influxdb.stop()
        answer = client.get("/api/v1/health/ready")
        assert answer.status_code == 503
        problems = failing(answer.json())
        assert list(problems) == ["telemetry_store"]
        assert f"InfluxDB at {influxdb.url} is unreachable" in problems["telemetry_store"]
        influxdb.start()
        assert client.get("/api/v1/health/ready").status_code == 200


def test_the_probes_are_in_the_openapi_with_their_answers(sqlite_url: str) -> None:
    with client_for(database_url=sqlite_url) as client:
        paths = client.get("/api/v1/openapi.json").json()["paths"]
        ready = paths["/api/v1/health/ready"]["get"]
        for code in ("200", "503"):
            schema = ready["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ReadinessPublic"}
        assert "security" not in ready
        live = paths["/api/v1/health/live"]["get"]["responses"]["200"]
        assert live["content"]["application/json"]["schema"]["$ref"].endswith("HealthPublic")


def test_a_long_write_on_sqlite_does_not_hold_the_probe_up(sqlite_url: str) -> None:
    writer = db.make_engine(sqlite_url)
    with client_for(database_url=sqlite_url) as client, writer.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
        started = time.monotonic()  # the writer now holds SQLite's write lock
        answer = client.get("/api/v1/health/ready")
        assert answer.status_code == 200, answer.json()
        assert time.monotonic() - started < 1.0
    writer.dispose()
