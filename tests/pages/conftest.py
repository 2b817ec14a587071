"""Fixtures of the staff pages' tests: the real application (as the composition root wires
it) on a fresh SQLite database, its clock fixed just after the telemetry feed of
``tests/e2e/telemetry_feed.py``, and a ``Browser``-like ``PageClient`` that signs in through
the sign-in form, keeps the session cookie and sends each form's CSRF token.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from access import services
from access.principal import Role
from api.app import create_app
from api.deps import ApiDeps
from coldchain.settings import Settings
from coldchain.wiring import build_api_deps
from tests.access_builders import PASSWORD, cheap_passwords
from tests.e2e.conftest import (  # noqa: F401 - fixtures
    Caller,
    Programme,
    admin,
    api_as,
    make_token,
    programme,
)
from tests.e2e.telemetry_feed import CLINIC_UNIT_2, Feed, feed_programme
from tests.unit.alarms.fakes import T0
from tests.unit.notify.builders import TEST_SECRET_KEY

NOW = T0 + timedelta(hours=12)  # just after the feed's last readings
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The pages read through the same queries the API tests run on both databases."""
    return sqlite_url


@pytest.fixture
def deps(database_url: str) -> Iterator[ApiDeps]:
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET_KEY)
    built = build_api_deps(settings, clock=lambda: NOW)
    yield dataclasses.replace(built, passwords=cheap_passwords())
    built.session_factory.kw["bind"].dispose()


@pytest.fixture
def client(deps: ApiDeps) -> Iterator[TestClient]:
    with TestClient(create_app(deps)) as test_client:
        yield test_client


@pytest.fixture
def fed(programme: Programme, admin: Caller, engine: Engine) -> Feed:  # noqa: F811
    unit = {"code": CLINIC_UNIT_2, "facility_id": programme.clinic, "kind": "fridge"}
    admin.ok(admin.post("/storage-units", unit), 201)
    return feed_programme(engine)


class PageClient:
    """One person's browser without JavaScript: cookies kept, forms posted with their token."""

    def __init__(self, app: Any) -> None:
        self.http = TestClient(app, follow_redirects=False)
        self.last: Response | None = None

    def get(self, path: str, **params: Any) -> Response:
        self.last = self.http.get(path, params={k: v for k, v in params.items() if v is not None})
        return self.last

    def csrf(self, path: str | None = None) -> str:
        page = self.get(path) if path is not None or self.last is None else self.last
        found = CSRF.search(page.text)
        assert found, f"no form with a CSRF token on {page.url}"
        return found.group(1)

    def post(self, path: str, fields: dict[str, str], *, csrf: str | None = "page") -> Response:
        data = dict(fields)
        if csrf == "page":
            data["csrf"] = self.csrf()
        elif csrf is not None:
            data["csrf"] = csrf
        self.last = self.http.post(path, data=data)
        return self.last

    def sign_in(self, name: str, password: str = PASSWORD) -> Response:
        self.get("/sign-in")
        answer = self.post("/sign-in", {"name": name, "password": password})
        assert answer.status_code == 303, answer.text
        return answer


def make_user(deps: ApiDeps, name: str, role: str, facility_id: int | None = None) -> None:
    """A user with the password ``PASSWORD`` (hashed with cheap Argon2 parameters)."""
    services.create_user(
        deps.access_uow(),
        name=name,
        role=Role(role),
        facility_id=facility_id,
        password=PASSWORD,
        now=deps.clock(),
        facilities=deps.facility_paths,
        passwords=deps.passwords,
    )


@pytest.fixture
def person(client: TestClient, deps: ApiDeps) -> Any:
    """``person("staff", facility_id)``: a new user of that role, signed in to the pages."""
    counter = iter(range(1, 1000))

    def make(role: str, facility_id: int | None = None) -> PageClient:
        name = f"{role}-page-{next(counter)}"
        make_user(deps, name, role, facility_id)
        browser = PageClient(client.app)
        browser.sign_in(name)
        return browser

    return make
