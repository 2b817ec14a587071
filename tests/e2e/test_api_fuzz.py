"""The API against its own OpenAPI document, fuzzed: no request a client can send gets a 500,
and every answer (status, content type, headers, body) is one the document promises.

Schemathesis reads the document ``create_app`` serves and, for every operation, generates
requests that fit it (and requests that do not: negative mode), sends them in process to the
real application wired by the composition root on a fresh SQLite database, and checks each
answer. A small programme is seeded first through the API (province -> county -> two
clinics, a unit each, two products, three lots, stock, a dispatched shipment, a contact),
so its ids are the low ones (1..4); half of the generated ids and codes are pulled onto the
seeded ones so that requests reach real rows and not only 404s. Every example is sent as an
admin or as staff scoped to the county (real tokens, ``access.services.create_token``).

Bounded for CI: a fixed number of examples per operation, derandomized (the same requests
on every run), no example database, no shrinking time spent beyond Hypothesis' default.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import sessionmaker

from access import services
from access.principal import Role
from api.app import create_app
from api.deps import ApiDeps
from coldchain.settings import Settings
from coldchain.wiring import build_api_deps
from tests.e2e.conftest import (
    BCG_GTIN,
    EXPIRY_A,
    EXPIRY_B,
    EXPIRY_BCG,
    MMR_GTIN,
    Caller,
    gs1,
)

pytestmark = pytest.mark.fuzz

# Examples per operation: ~60 operations x this stays within about two minutes on 2 cores.
EXAMPLES_PER_OPERATION = 20

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

FACILITY_CODES = ("GD", "GD-K1", "GD-K1-C1", "GD-K1-C2")
UNIT_CODES = ("GD-CR1", "GD-K1-F1", "GD-K1-C1-F1", "GD-K1-C2-F1")
SCANS = (
    gs1(MMR_GTIN, "L100", EXPIRY_A),
    gs1(MMR_GTIN, "L200", EXPIRY_B),
    gs1(BCG_GTIN, "L100", EXPIRY_BCG),
)
# Generated string values pulled onto what the programme registered, by parameter name.
SEEDED_STRINGS: dict[str, tuple[str, ...]] = {
    "facility_code": FACILITY_CODES,
    "facility": FACILITY_CODES,
    "unit_code": UNIT_CODES,
    "unit": UNIT_CODES,
    "sensor_id": ("S-1",),
    "gtin": (MMR_GTIN, BCG_GTIN),
    "scan": SCANS,
    "code": SCANS,
    "lot_number": ("L100", "L200"),
}
PRINCIPALS = {"admin", "staff"}
PRINCIPAL_HEADER = "X-Fuzz-Principal"  # set while generating, swapped for the token when sent
SEEDED_IDS = 4  # every seeded kind has ids 1..4 (or fewer)


def _document() -> dict[str, Any]:
    """The OpenAPI document the app serves; building it touches no database."""
    return create_app(ApiDeps(session_factory=sessionmaker())).openapi()


schema = schemathesis.openapi.from_dict(_document())


def seeded(value: Any, name: str | None = None) -> Any:
    """``value`` with its ids (``*_id`` or ``id`` ints) folded into 1..4 and its codes,
    scans and GTINs replaced by seeded ones; anything else as generated."""
    if isinstance(value, dict):
        return {key: seeded(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [seeded(item, name) for item in value]
    if name is None:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if name == "id" or name.endswith("_id"):
            return 1 + abs(value) % SEEDED_IDS
        return value
    choices = SEEDED_STRINGS.get(name)
    if isinstance(value, str) and choices:
        return choices[len(value) % len(choices)]
    return value


def _as_generated_or_seeded(value: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from([value, seeded(value)])


@schema.hook
def flatmap_path_parameters(_context: Any, path_parameters: dict[str, Any]) -> Any:
    return _as_generated_or_seeded(path_parameters)


@schema.hook
def flatmap_query(_context: Any, query: dict[str, Any]) -> Any:
    return _as_generated_or_seeded(query)


@schema.hook
def flatmap_body(_context: Any, body: Any) -> Any:
    return _as_generated_or_seeded(body)


@schema.hook
def flatmap_case(_context: Any, case: schemathesis.Case) -> Any:
    """Who sends it: admin or county staff, drawn like the rest of the example."""
    return st.sampled_from(sorted(PRINCIPALS)).map(lambda who: _sent_by(case, who))


def _sent_by(case: schemathesis.Case, who: str) -> schemathesis.Case:
    case.headers = {**(case.headers or {}), PRINCIPAL_HEADER: who}
    return case


@dataclass
class FuzzWorld:
    """The seeded app and one live token per principal, with the id of each token."""

    app: FastAPI
    issue: Callable[[str], tuple[int, str]]
    tokens: dict[str, tuple[int, str]] = field(default_factory=dict)

    def token(self, who: str) -> str:
        if who not in self.tokens:
            self.tokens[who] = self.issue(who)
        return self.tokens[who][1]

    def reissue_if_revoked(self, response: Any) -> None:
        """The fuzzer may revoke its own tokens (``DELETE /tokens/{id}`` on a low id): the
        rest of the run would be 401s, so that principal gets a new one."""
        if response.request.method != "DELETE" or response.status_code != 200:
            return
        revoked = response.json().get("id")
        for who, (token_id, _) in list(self.tokens.items()):
            if token_id == revoked:
                del self.tokens[who]


def _seed(admin: Caller) -> None:
    """The programme, through the API; ids are 1..4 in a fresh database."""

    def ok(response: Any) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json()
        return body

    parent: int | None = None
    for code, level in zip(FACILITY_CODES[:3], ("province", "county", "clinic"), strict=True):
        body = {"code": code, "name": code, "level": level, "timezone": "Asia/Shanghai"}
        parent = ok(admin.post("/facilities", {**body, "parent_id": parent}))["id"]
    other = {"code": FACILITY_CODES[3], "name": "C2", "level": "clinic", "timezone": "UTC"}
    ok(admin.post("/facilities", {**other, "parent_id": 2}))
    for facility, code in enumerate(UNIT_CODES, start=1):
        ok(admin.post("/storage-units", {"code": code, "facility_id": facility, "kind": "fridge"}))
    for code, gtin, doses in (("MMR", MMR_GTIN, 10), ("BCG", BCG_GTIN, 20)):
        product = {"code": code, "name": code, "manufacturer": "Acme", "doses_per_vial": doses}
        ok(admin.post("/products", {**product, "gtin": gtin}))
    for scan in SCANS:
        ok(admin.post("/lots", {"scan": scan}))
    for unit, lot in ((1, 1), (1, 3), (2, 1), (2, 2), (3, 2), (4, 3)):
        receipt = {"storage_unit_id": unit, "lot_id": lot, "doses": 500}
        ok(admin.post("/movements/receipts", receipt))
    shipment = {"origin_facility_id": 2, "destination_facility_id": 3}
    ok(admin.post("/shipments", {**shipment, "expected_lead_time_hours": 24}, key=None))
    dispatch = {"storage_unit_id": 2, "items": [{"lot_id": 1, "doses": 50}]}
    ok(admin.post("/shipments/1/dispatch", dispatch))
    ok(admin.post("/shipments", {**shipment, "expected_lead_time_hours": 24}, key=None))
    contact = {"channel": "webhook", "address": "https://alarms.example.org/hook", "name": "ops"}
    ok(admin.post("/facilities/GD-K1/contacts", contact, key=None))


@pytest.fixture(scope="module")
def fuzz_world(
    _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzWorld]:
    path = tmp_path_factory.mktemp("fuzz") / "coldchain.db"
    shutil.copy(_sqlite_template, path)
    deps = build_api_deps(Settings(database_url=f"sqlite:///{path}"))
    scopes = {"admin": (Role.ADMIN, None), "staff": (Role.STAFF, 2)}  # staff: the county

    def issue(who: str) -> tuple[int, str]:
        role, facility_id = scopes[who]
        issued = services.create_token(
            deps.access_uow(),
            name=f"fuzz-{who}",
            role=role,
            facility_id=facility_id,
            now=deps.clock(),
            facilities=deps.facility_paths,
        )
        return issued.record.id, issued.secret

    world = FuzzWorld(create_app(deps), issue)
    with TestClient(world.app) as client:
        _seed(Caller(client, world.token("admin")))
    yield world
    deps.session_factory.kw["bind"].dispose()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error_or_an_answer_the_openapi_does_not_promise(
    case: schemathesis.Case, fuzz_world: FuzzWorld
) -> None:
    headers = dict(case.headers or {})
    who = headers.pop(PRINCIPAL_HEADER, "admin")
    case.headers = {**headers, "Authorization": f"Bearer {fuzz_world.token(who)}"}
    response = case.call(app=fuzz_world.app)
    fuzz_world.reissue_if_revoked(response)
    case.validate_response(response, checks=CHECKS)
