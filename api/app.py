"""The FastAPI application factory: routers under ``/api/v1``, errors mapped once."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel


class HealthPublic(BaseModel):
    status: str


def create_app() -> FastAPI:
    app = FastAPI(
        title="coldchain",
        version="0.1.0",
        description="Cold-chain telemetry and vaccine lot ledger.",
        docs_url="/api/docs",
        openapi_url="/api/v1/openapi.json",
    )

    @app.get("/api/v1/health", response_model=HealthPublic, tags=["health"])
    def health() -> HealthPublic:
        return HealthPublic(status="ok")

    return app
