"""Shared fixtures: a fresh migrated database per test (SQLite and PostgreSQL), and real
Mosquitto and InfluxDB servers per test on free ports.

PostgreSQL is the machine's server (``COLDCHAIN_TEST_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets its own database,
cloned from a migrated template, and drops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from coldchain import db
from tests.servers import InfluxDB, Mosquitto, start_influxdb, start_mosquitto

POSTGRES_URL = os.environ.get(
    "COLDCHAIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    db.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    admin = db.make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"coldchain_tpl_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - environment problem, said plainly
        raise RuntimeError(
            f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc}); .ci/run starts it"
        ) from exc
    db.upgrade(_with_database(POSTGRES_URL, name))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "coldchain.db"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    template: str = request.getfixturevalue("_postgres_template")
    admin = db.make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"coldchain_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _with_database(POSTGRES_URL, name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated database; every test using it runs on SQLite and on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = db.make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    server = start_mosquitto(tmp_path / "mosquitto")
    yield server
    server.kill()


@pytest.fixture
def influxdb(tmp_path: Path) -> Iterator[InfluxDB]:
    server = start_influxdb(tmp_path / "influxdb")
    yield server
    server.kill()
