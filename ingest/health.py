"""Readiness checks and the ``/health/live`` and ``/health/ready`` answers of ingest.

A check is a name and a function that returns None when all is well or a sentence saying
what is wrong. ``run_checks`` runs them all (a check that raises has failed, with its
exception as the reason), so a probe always gets every check's answer, never a traceback.
The store checks here are the cheap ones a probe can afford every few seconds: one row of
the embedded table, or InfluxDB's ``/ping``. The process's ``/health/*`` routes share the
``/metrics`` port (``metrics.MetricsServer``).

Invariant: ``/health/live`` touches nothing but the process; ``/health/ready`` answers 200
only when every check passed, otherwise 503 with each failing check and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine, select
from sqlalchemy import exc as sa_exc

from ingest.models import TelemetryReadingRow

PING_TIMEOUT_S = 2.0

# check name -> None (passed) or why it failed; in the order the checks were given.
CheckResults = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    problem: Callable[[], str | None]


def run_checks(checks: Iterable[Check]) -> CheckResults:
    results: CheckResults = {}
    for check in checks:
        try:
            results[check.name] = check.problem()
        except Exception as exc:  # a probe must answer: a raising check is a failed one
            results[check.name] = f"{type(exc).__name__}: {exc}"
    return results


def readiness_body(results: CheckResults) -> dict[str, Any]:
    """The JSON answer of a readiness route (the API's ``ReadinessPublic`` has this shape)."""
    return {
        "status": "ready" if all(p is None for p in results.values()) else "not ready",
        "checks": [
            {"name": name, "ok": problem is None, "detail": problem or "ok"}
            for name, problem in results.items()
        ],
    }


def embedded_store_check(engine: Engine) -> Check:
    """The embedded store is ready when one row of ``telemetry_readings`` can be read."""
    table = TelemetryReadingRow.__tablename__

    def problem() -> str | None:
        try:
            with engine.connect() as connection:
                connection.execute(select(TelemetryReadingRow.sensor_id).limit(1)).all()
        except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
            reason = getattr(exc, "orig", None) or exc
            return f"the embedded store's table {table} cannot be read: {_first_line(reason)}"
        return None

    return Check("telemetry_store", problem)


def influx_check(url: str, timeout_s: float = PING_TIMEOUT_S) -> Check:
    """InfluxDB is ready when ``/ping`` answers 204 (1.x and 2.x alike; no credentials)."""
    base = url.rstrip("/")

    def problem() -> str | None:
        try:
            response = httpx.get(f"{base}/ping", timeout=timeout_s)
        except httpx.TimeoutException:
            return f"InfluxDB at {base} did not answer /ping within {timeout_s:g} s"
        except httpx.TransportError as exc:
            return f"InfluxDB at {base} is unreachable: {exc}"
        if response.status_code != 204:
            return f"InfluxDB at {base} answered /ping with {response.status_code}"
        return None

    return Check("telemetry_store", problem)


# --- the two routes, as a WSGI app in front of the metrics app ---

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_health_routes(metrics_app: WsgiApp, checks: Sequence[Check]) -> WsgiApp:
    """``/health/live`` and ``/health/ready`` answered here, everything else by ``metrics_app``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/health/live":
            return _json(start_response, 200, {"status": "ok"})
        if path == "/health/ready":
            body = readiness_body(run_checks(checks))
            return _json(start_response, 200 if body["status"] == "ready" else 503, body)
        return metrics_app(environ, start_response)

    return app


def _json(start_response: Callable[..., Any], status: int, body: object) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]


def _first_line(reason: object) -> str:
    return str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
