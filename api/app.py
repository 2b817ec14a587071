"""The FastAPI application factory: routers under ``/api/v1``, errors mapped once, and the
staff pages (``api/pages/``) on the same dependencies.

``create_app(deps)`` is the only way in: the composition root builds ``ApiDeps`` (session
factory, facility look-up, clock) and the app keeps it on ``app.state.deps`` for the
dependencies in ``api.deps``. Nothing here reads settings or the environment.
The request-id middleware (``api.request_context``) wraps everything, Starlette's own error
middleware included, so that even a 500 carries ``X-Request-ID`` and an access line.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp

from api.deps import ApiDeps
from api.errors import default_error_statuses, install_error_handlers
from api.pages.app import install_pages
from api.request_context import RequestContextMiddleware
from api.routers import v1_router

__all__ = ["ApiDeps", "create_app"]


class _ColdchainApi(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside ServerErrorMiddleware: add_middleware would put it inside.
        return RequestContextMiddleware(super().build_middleware_stack())


def create_app(deps: ApiDeps) -> FastAPI:
    app = _ColdchainApi(
        title="coldchain",
        version="0.1.0",
        description="Cold-chain telemetry and vaccine lot ledger.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.deps = deps
    statuses = default_error_statuses(deps.error_statuses)
    install_error_handlers(app, statuses)
    app.include_router(v1_router())
    install_pages(app, deps.pages, statuses)  # the staff pages, outside the OpenAPI
    return app
