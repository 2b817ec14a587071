"""End-to-end fixtures: the real application, wired by the composition root, on a fresh
database (SQLite and PostgreSQL), driven through FastAPI's TestClient with real tokens.

``api_as(token)`` gives a ``Caller`` that speaks to ``/api/v1`` with that token; movement
posts carry a fresh ``Idempotency-Key`` unless the test names one (or asks for none).
``programme`` registers a province -> county -> two clinics tree, two products (one lot
number shared between them) and a storage unit per facility, all through the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from access import services
from access.principal import Role
from api.app import create_app
from api.deps import ApiDeps
from coldchain.settings import Settings
from coldchain.wiring import build_api_deps
from tests.unit.notify.builders import TEST_SECRET_KEY

PREFIX = "/api/v1"
MMR_GTIN = "09506000134352"
BCG_GTIN = "09506000134369"
EXPIRY_A = date(2030, 1, 31)
EXPIRY_B = date(2031, 6, 30)
EXPIRY_BCG = date(2030, 5, 31)


def gs1(gtin: str, lot: str, expiry: date) -> str:
    """The bracketed GS1 element string printed on a pack."""
    return f"(01){gtin}(17){expiry:%y%m%d}(10){lot}"


@dataclass
class Caller:
    """One user's view of the API."""

    client: TestClient
    token: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.token is None else {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Response:
        query = {k: v for k, v in params.items() if v is not None}
        return self.client.get(PREFIX + path, params=query, headers=self.headers)

    def post(self, path: str, body: dict[str, Any], key: str | None = "new") -> Response:
        """POST with ``Idempotency-Key``: a fresh one ("new"), the given one, or none."""
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = uuid.uuid4().hex if key == "new" else key
        return self.client.post(PREFIX + path, json=body, headers=headers)

    def put(self, path: str, body: dict[str, Any]) -> Response:
        return self.client.put(PREFIX + path, json=body, headers=self.headers)

    def ok(self, response: Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
def deps(database_url: str) -> Iterator[ApiDeps]:
    deps = build_api_deps(Settings(database_url=database_url, secret_key=TEST_SECRET_KEY))
    yield deps
    deps.session_factory.kw["bind"].dispose()


@pytest.fixture
def client(deps: ApiDeps) -> Iterator[TestClient]:
    with TestClient(create_app(deps)) as test_client:
        yield test_client


TokenMaker = Callable[..., str]


@pytest.fixture
def make_token(deps: ApiDeps) -> TokenMaker:
    """Issue a token for a new user (the way `coldchain token create` does); the secret."""

    def make(name: str, role: Role, facility_id: int | None = None) -> str:
        issued = services.create_token(
            deps.access_uow(),
            name=name,
            role=role,
            facility_id=facility_id,
            now=deps.clock(),
            facilities=deps.facility_paths,
        )
        return issued.secret

    return make


ApiAs = Callable[..., Caller]


@pytest.fixture
def api_as(client: TestClient, make_token: TokenMaker) -> ApiAs:
    """``api_as("staff", facility_id=4)``: a caller with a fresh token of that role."""
    counter = iter(range(1, 10_000))

    def make(role: str, facility_id: int | None = None) -> Caller:
        name = f"{role}-{next(counter)}"
        return Caller(client, make_token(name, Role(role), facility_id))

    return make


@pytest.fixture
def admin(api_as: ApiAs) -> Caller:
    return api_as("admin")


@dataclass(frozen=True)
class Programme:
    """Ids of what ``programme`` registered."""

    province: int
    county: int
    clinic: int
    other_clinic: int
    province_unit: int
    county_unit: int
    clinic_unit: int
    other_clinic_unit: int
    mmr: int
    bcg: int
    lot_a: int  # MMR L100, expires first
    lot_b: int  # MMR L200
    lot_bcg: int  # BCG L100: the same lot number as lot_a


def _facility(admin: Caller, code: str, level: str, parent: int | None) -> int:
    body = {"code": code, "name": code, "level": level, "timezone": "Asia/Shanghai"}
    facility: int = admin.ok(admin.post("/facilities", {**body, "parent_id": parent}), 201)["id"]
    return facility


def _unit(admin: Caller, code: str, facility: int, kind: str = "fridge") -> int:
    body = {"code": code, "facility_id": facility, "kind": kind}
    unit: int = admin.ok(admin.post("/storage-units", body), 201)["id"]
    return unit


def _product(admin: Caller, code: str, gtin: str, doses_per_vial: int) -> int:
    body = {
        "code": code,
        "name": f"{code} vaccine",
        "manufacturer": "Acme Biologicals",
        "doses_per_vial": doses_per_vial,
        "gtin": gtin,
    }
    product: int = admin.ok(admin.post("/products", body), 201)["id"]
    return product


def _lot(admin: Caller, product: int, number: str, expiry: date) -> int:
    body = {"product_id": product, "lot_number": number, "expiry": expiry.isoformat()}
    lot: int = admin.ok(admin.post("/lots", body), 201)["id"]
    return lot


@pytest.fixture
def programme(admin: Caller) -> Programme:
    province = _facility(admin, "GD", "province", None)
    county = _facility(admin, "GD-K1", "county", province)
    clinic = _facility(admin, "GD-K1-C1", "clinic", county)
    other_clinic = _facility(admin, "GD-K1-C2", "clinic", county)
    mmr = _product(admin, "MMR", MMR_GTIN, 10)
    bcg = _product(admin, "BCG", BCG_GTIN, 20)
    return Programme(
        province=province,
        county=county,
        clinic=clinic,
        other_clinic=other_clinic,
        province_unit=_unit(admin, "GD-CR1", province, "cold_room"),
        county_unit=_unit(admin, "GD-K1-F1", county),
        clinic_unit=_unit(admin, "GD-K1-C1-F1", clinic),
        other_clinic_unit=_unit(admin, "GD-K1-C2-F1", other_clinic),
        mmr=mmr,
        bcg=bcg,
        lot_a=_lot(admin, mmr, "L100", EXPIRY_A),
        lot_b=_lot(admin, mmr, "L200", EXPIRY_B),
        lot_bcg=_lot(admin, bcg, "L100", EXPIRY_BCG),
    )
