"""Routers grouped by resource, all mounted under ``/api/v1``.

To add a resource: write ``api/routers/<resource>.py`` with a module-level ``router`` and
append it to ``ROUTERS``. Routes stay a few lines: parse -> authorise -> call one service or
query -> build the ``XPublic`` answer; errors are raised, never turned into responses here.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import (
    alarms,
    allocations,
    contacts,
    episodes,
    exports,
    facilities,
    health,
    holds,
    lots,
    me,
    movements,
    products,
    reports,
    scan,
    shipments,
    stock,
    storage_units,
    telemetry,
    tokens,
    trace,
    transit,
    users,
)

ROUTERS: tuple[APIRouter, ...] = (health.router, me.router, tokens.router, users.router)
ROUTERS += (scan.router,)
# The ledger (inventory): registry, movements, shipments, allocations, reads, reports.
ROUTERS += (facilities.router, storage_units.router, products.router, lots.router)
ROUTERS += (lots.observations_router,)
ROUTERS += (movements.router, holds.router, shipments.router, transit.router)
ROUTERS += (allocations.router,)
ROUTERS += (stock.router, trace.router, reports.router, exports.router)
# Telemetry and alarms (ingest): status board, readings, alarms, episodes, contacts.
ROUTERS += (telemetry.router, alarms.router, episodes.router, contacts.router)


def v1_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    for resource in ROUTERS:
        router.include_router(resource)
    return router
