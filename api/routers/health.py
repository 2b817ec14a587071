"""Liveness: answers without a token so that load balancers and probes can call it."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas.common import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic)
def health() -> HealthPublic:
    return HealthPublic(status="ok")
