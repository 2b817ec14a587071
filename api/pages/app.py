"""Mounting the pages on the API's app: routes (outside the OpenAPI document), static files
and the HTML error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.errors import ErrorStatuses
from api.pages.config import PagesConfig
from api.pages.errors import install_page_errors
from api.pages.routes import pages_router
from api.pages.sessions import SessionCodec
from api.pages.web import PagesState

STATIC = Path(__file__).parent / "static"


def install_pages(app: FastAPI, config: PagesConfig, statuses: ErrorStatuses) -> None:
    """Call after the API's error handlers are installed (the pages wrap them)."""
    app.state.pages = PagesState(
        config, SessionCodec(config.session_key, config.session_hours * 3600)
    )
    app.include_router(pages_router(), include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def status_of(exc: Exception) -> int | None:
        mapped = statuses.lookup(exc)
        return None if mapped is None else mapped.status

    install_page_errors(app, status_of)
