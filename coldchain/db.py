"""Engines, sessions and migrations for the one SQL database (SQLite or PostgreSQL).

SQLite is opened so that it behaves like a server database for our invariants: foreign
keys on, WAL journal, a busy timeout, and every transaction started with ``BEGIN IMMEDIATE``
so that two writers serialise instead of both reading the same balance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

# ``Engine``, ``Session`` and ``sessionmaker`` are re-exported (``as``): the rest of
# ``coldchain`` names SQLAlchemy's types and errors through this module, the only one of the
# composition root besides ``metadata.py`` and the migrations that imports it
# (``tests/unit/test_architecture.py``), so the wiring holds no SQL.
from sqlalchemy import Connection, create_engine, event, make_url
from sqlalchemy import Engine as Engine
from sqlalchemy import exc as _exc
from sqlalchemy.orm import Session as Session
from sqlalchemy.orm import sessionmaker as sessionmaker

DatabaseError = _exc.DBAPIError  # any error the database driver raised
DatabaseUnreachable: tuple[type[Exception], ...] = (_exc.DBAPIError, _exc.TimeoutError)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with coldchain's connection rules applied.

    SQL errors never show their parameters (``hide_parameters``): a parameter may be a
    token digest, a webhook secret or a password, and error messages end up in logs."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _make_sqlite_transactional(engine)
        return engine
    # Sessions in UTC: the driver then hands back times already in UTC (no conversion per
    # value: a lot trace reads ~28 000), whatever the server's own TimeZone setting.
    connect_args = {"options": UTC_SESSION, **kwargs.pop("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


UTC_SESSION = "-c TimeZone=UTC"
PROBE_TIMEOUT_S = 2


def make_probe_engine(url: str) -> Engine:
    """An engine for readiness checks only: reads, short timeouts, its own small pool.

    Unlike ``make_engine`` it does not take SQLite's write lock at BEGIN (WAL lets a reader
    in beside a writer), so a long write never holds a probe up; on PostgreSQL connecting
    and each statement give up after ``PROBE_TIMEOUT_S``."""
    if url.startswith("sqlite"):
        return create_engine(
            url, connect_args={"timeout": PROBE_TIMEOUT_S}, pool_size=1, hide_parameters=True
        )
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=1,
        max_overflow=1,
        hide_parameters=True,
        connect_args={
            "connect_timeout": PROBE_TIMEOUT_S,
            "options": f"{UTC_SESSION} -c statement_timeout={PROBE_TIMEOUT_S * 1000}",
        },
    )


def _make_sqlite_transactional(engine: Engine) -> None:
    # pysqlite's own BEGIN handling defers locks to the first write; we want the write
    # lock at BEGIN so that read-check-write sequences cannot interleave.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def display_url(url: str) -> str:
    """``url`` as messages show it: its password (if any) masked."""
    return make_url(url).render_as_string(hide_password=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str, secret_key: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # For migrations that seal or open stored secrets (0009); never written to a file.
    config.attributes["secret_key"] = secret_key
    return config


def upgrade(url: str, revision: str = "head", *, secret_key: str | None = None) -> None:
    """Bring the database at ``url`` to ``revision`` (creating a SQLite file if needed).
    ``secret_key`` (COLDCHAIN_SECRET_KEY) seals webhook secrets stored in plain text."""
    command.upgrade(alembic_config(url, secret_key), revision)


def head_revisions() -> frozenset[str]:
    """The head revision(s) of ``coldchain/migrations``: what a migrated database is at."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revision(s) in the database's ``alembic_version`` (empty: never migrated)."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())
