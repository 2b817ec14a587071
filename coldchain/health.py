"""The readiness checks of ``coldchain serve`` and ``coldchain ingest``, built from settings.

- ``database``: the SQL database answers and its ``alembic_version`` is the head of
  ``coldchain/migrations`` (a process running against an older or newer schema is not
  ready: its queries would fail or be wrong).
- ``telemetry_store``: the configured store answers (embedded: its table can be read;
  InfluxDB v1/v2: ``/ping``).

The API gets them as ``ApiDeps.readiness`` (api/ never imports coldchain); ingest adds its
broker check to them (``ingest.process.run_ingest``). The heads are read from the migration
scripts once, when the checks are built. The checks have their own engine
(``db.make_probe_engine``): short timeouts, and no SQLite write lock, so a probe never
waits behind a long write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from coldchain import db
from coldchain.db import Engine
from coldchain.settings import Settings
from ingest.health import Check, CheckResults, embedded_store_check, influx_check, run_checks


def database_check(engine: Engine) -> Check:
    heads = db.head_revisions()
    head = ", ".join(sorted(heads))

    def problem() -> str | None:
        try:
            with engine.connect() as connection:
                current = db.current_revisions(connection)
        except db.DatabaseUnreachable as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            return f"the database is unreachable: {reason[0] if reason else type(exc).__name__}"
        if current == heads:
            return None
        at = ", ".join(sorted(current)) or "no revision (never migrated)"
        return (
            f"the database is at {at}, not at the migrations' head {head}:"
            " run `coldchain db upgrade` with this release"
        )

    return Check("database", problem)


def telemetry_store_check(settings: Settings, engine: Engine) -> Check:
    if settings.telemetry_store == "embedded":
        return embedded_store_check(engine)
    return influx_check(settings.influx_url)


def readiness_checks(settings: Settings) -> tuple[Check, ...]:
    """The database, then the telemetry store, on an engine of their own."""
    engine = db.make_probe_engine(settings.database_url)
    return (database_check(engine), telemetry_store_check(settings, engine))


def readiness_probe(checks: Sequence[Check]) -> Callable[[], CheckResults]:
    """What ``ApiDeps.readiness`` takes: run every check, name -> None or why not."""
    return lambda: run_checks(checks)
