"""The pages' routes, one module per screen, all outside the OpenAPI document.

A route is a few lines: read the query or the checked form, call the same service or query
the API calls (with the API's scope helpers), render a template; a write redirects (303).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.pages.routes import (
    account,
    alarms,
    board,
    count,
    doses,
    reports,
    shipments,
    stock,
    trace,
    units,
)

ROUTERS: tuple[APIRouter, ...] = (account.router, board.router, alarms.router, units.router)
ROUTERS += (stock.router, trace.router, doses.router, count.router, shipments.router)
ROUTERS += (reports.router,)


def pages_router() -> APIRouter:
    router = APIRouter()
    for screen in ROUTERS:
        router.include_router(screen)
    return router
