"""Liveness and readiness: answered without a token so that load balancers and probes can call
them.

``/health`` and ``/health/live`` say only that the process serves HTTP (restart it when they
do not answer). ``/health/ready`` runs the readiness checks the composition root gave
(``ApiDeps.readiness``: the database at the migrations' head, the telemetry store
reachable) and answers 503 naming each failing check and why (send no traffic meanwhile).
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import Deps
from api.schemas.common import CheckPublic, HealthPublic, ReadinessPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic, summary="Liveness (same as /health/live)")
def health() -> HealthPublic:
    return HealthPublic(status="ok")


@router.get("/health/live", response_model=HealthPublic, summary="Liveness: the process is up")
def live() -> HealthPublic:
    return HealthPublic(status="ok")


@router.get(
    "/health/ready",
    response_model=ReadinessPublic,
    summary="Readiness: the database is migrated and reachable, the telemetry store answers",
    responses={
        status.HTTP_200_OK: {"description": "Every check passed"},
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "model": ReadinessPublic,
            "description": "A check failed: its detail says why",
        },
    },
)
def ready(deps: Deps, response: Response) -> ReadinessPublic:
    results = deps.readiness()
    checks = [
        CheckPublic(name=name, ok=problem is None, detail=problem or "ok")
        for name, problem in results.items()
    ]
    passed = all(check.ok for check in checks)
    response.headers["Cache-Control"] = "no-store"
    if not passed:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return ReadinessPublic(status="ready" if passed else "not ready", checks=checks)
