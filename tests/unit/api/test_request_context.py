"""Request ids and access lines, through the API application (create_app) on a fake deps."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from api.app import create_app
from api.deps import ApiDeps
from tests.logs import CapturedLogs, captured_logs

work = APIRouter()
route_log = logging.getLogger("api.routers.test")


@work.get("/work")
def do_work() -> dict[str, str]:
    route_log.info("working")
    return {"done": "yes"}


@work.get("/broken")
def broken() -> dict[str, str]:
    raise RuntimeError("a bug")


@pytest.fixture
def logs() -> Iterator[CapturedLogs]:
    with captured_logs() as captured:
        yield captured


@pytest.fixture
def client(logs: CapturedLogs) -> Iterator[TestClient]:
    app = create_app(ApiDeps(session_factory=sessionmaker()))
    app.include_router(work)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def access_lines(logs: CapturedLogs) -> list[dict[str, object]]:
    return [e for e in logs.entries() if e["logger"] == "api.access"]


def test_a_sane_request_id_is_echoed_and_on_every_line_of_the_request(
    client: TestClient, logs: CapturedLogs
) -> None:
    answer = client.get("/work", headers={"X-Request-ID": "lb-7f3a:0001"})
    assert answer.headers["X-Request-ID"] == "lb-7f3a:0001"
    (working,) = [e for e in logs.entries() if e["message"] == "working"]
    assert working["request_id"] == "lb-7f3a:0001"
    (access,) = access_lines(logs)
    assert access["request_id"] == "lb-7f3a:0001"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/work", 200)
    assert isinstance(access["duration_ms"], float)
    assert access["user"] is None  # no token: no user


@pytest.mark.parametrize(
    "sent", ["", "x" * 129, "has space", "-leading-dash", "id\x7f", "évian", "a/b"]
)
def test_an_insane_request_id_is_replaced_by_a_fresh_one(
    client: TestClient, logs: CapturedLogs, sent: str
) -> None:
    answer = client.get("/work", headers={"X-Request-ID": sent.encode("latin-1")})
    issued = answer.headers["X-Request-ID"]
    assert issued != sent and re.fullmatch(r"[0-9a-f]{32}", issued)
    assert access_lines(logs)[0]["request_id"] == issued


def test_each_request_gets_its_own_id(client: TestClient, logs: CapturedLogs) -> None:
    first = client.get("/api/v1/health").headers["X-Request-ID"]
    second = client.get("/api/v1/health").headers["X-Request-ID"]
    assert first != second
    assert [e["request_id"] for e in access_lines(logs)] == [first, second]


def test_the_access_line_leaves_the_query_string_out(
    client: TestClient, logs: CapturedLogs
) -> None:
    client.get("/work?token=abcdefghijklmnopqrstuvwxyz012345&other=1")
    (access,) = access_lines(logs)
    assert access["path"] == "/work"
    assert "abcdefghijklmnop" not in logs.text


def test_a_server_error_still_has_its_id_and_its_access_line(
    client: TestClient, logs: CapturedLogs
) -> None:
    answer = client.get("/broken", headers={"X-Request-ID": "req-500"})
    assert answer.status_code == 500
    assert answer.headers["X-Request-ID"] == "req-500"
    (access,) = access_lines(logs)
    assert (access["status"], access["request_id"]) == (500, "req-500")
