"""An API on a real database (SQLite and PostgreSQL), a fake facility tree, a fixed clock,
and a stand-in for the ledger's future routes that exercises the scope checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine

from access import services
from access.principal import Role
from access.scopes import ensure_can_read, ensure_can_write_at
from api.app import create_app
from api.deps import ApiDeps, CurrentPrincipal, Deps, facility_path
from coldchain import db

NOW = datetime(2025, 6, 1, 8, 30, tzinfo=UTC)

# province 1 > county 4 > clinic 17; county 5 is 4's sibling
FACILITY_PATHS = {1: "/1/", 4: "/1/4/", 17: "/1/4/17/", 5: "/1/5/"}


class FakeFacilityPaths:
    def __init__(self, paths: dict[int, str]) -> None:
        self.paths = paths

    def path_of(self, facility_id: int) -> str | None:
        return self.paths.get(facility_id)


class ProbePublic(BaseModel):
    facility_id: int
    by: str


probe = APIRouter(prefix="/api/v1/probe/facilities/{facility_id}")


@probe.post("/movements", response_model=ProbePublic)
def record_movement(facility_id: int, deps: Deps, principal: CurrentPrincipal) -> ProbePublic:
    ensure_can_write_at(principal, facility_path(deps, facility_id))
    return ProbePublic(facility_id=facility_id, by=principal.name)


@probe.get("/stock", response_model=ProbePublic)
def read_stock(facility_id: int, deps: Deps, principal: CurrentPrincipal) -> ProbePublic:
    ensure_can_read(principal, facility_path(deps, facility_id))
    return ProbePublic(facility_id=facility_id, by=principal.name)


@pytest.fixture
def deps(engine: Engine) -> ApiDeps:
    return ApiDeps(
        session_factory=db.make_session_factory(engine),
        facility_paths=FakeFacilityPaths(dict(FACILITY_PATHS)),  # a test may change its copy
        clock=lambda: NOW,
    )


@pytest.fixture
def app(deps: ApiDeps) -> FastAPI:
    app = create_app(deps)
    app.include_router(probe)
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


TokenMaker = Callable[..., str]


@pytest.fixture
def make_token(deps: ApiDeps) -> TokenMaker:
    """Issue a token through the service; returns the secret."""

    def make(name: str, role: Role, facility_id: int | None = None) -> str:
        issued = services.create_token(
            deps.access_uow(),
            name=name,
            role=role,
            facility_id=facility_id,
            now=NOW,
            facilities=deps.facility_paths,
        )
        return issued.secret

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
