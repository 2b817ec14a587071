"""Domain errors become HTTP answers in one place, with a body that says what was wrong."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from access.errors import Forbidden, NotAuthenticated
from api.errors import default_error_statuses, install_error_handlers
from inventory import errors as inventory_errors
from inventory.domain.gs1 import BadCheckDigit


class Echo(BaseModel):
    count: int


class AppSpecificError(Exception):
    pass


def client_raising(error: Exception, extra: dict[type[Exception], int] | None = None) -> TestClient:
    app = FastAPI()
    install_error_handlers(app, default_error_statuses(extra))

    @app.get("/boom", response_model=Echo)
    def boom() -> Echo:
        raise error

    @app.post("/echo", response_model=Echo)
    def echo(body: Echo) -> Echo:
        return body

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("make_error", "status"),
    [
        (lambda: inventory_errors.NotFound("no lot 9"), 404),
        (lambda: inventory_errors.InsufficientStock("only 10 doses"), 409),
        (lambda: inventory_errors.LotOnHold("lot L1 is quarantined"), 409),
        (lambda: inventory_errors.IdempotencyConflict("key reused"), 409),
        (lambda: inventory_errors.AlreadyReversed("reversed already"), 409),
        (lambda: inventory_errors.InvalidInput("negative doses"), 422),
        (lambda: BadCheckDigit("01", "09506000134353", 2), 422),
        (lambda: Forbidden("viewer is read-only"), 403),
    ],
)
def test_domain_errors_map_to_their_status_with_name_and_message(
    make_error: Callable[[], Exception], status: int
) -> None:
    error = make_error()

    response = client_raising(error).get("/boom")

    assert response.status_code == status
    assert response.json() == {"error": type(error).__name__, "detail": str(error)}


def test_not_authenticated_is_401_with_a_bearer_challenge() -> None:
    response = client_raising(NotAuthenticated("unknown or revoked API token")).get("/boom")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_subclass_of_a_mapped_base_is_mapped_through_its_base() -> None:
    class NewLedgerError(inventory_errors.InvalidState):
        pass

    assert client_raising(NewLedgerError("later")).get("/boom").status_code == 409


def test_the_lead_can_map_further_errors() -> None:
    response = client_raising(AppSpecificError("gone"), {AppSpecificError: 410}).get("/boom")

    assert response.status_code == 410
    assert response.json()["error"] == "AppSpecificError"


def test_an_unmapped_error_is_a_500_that_hides_its_message() -> None:
    response = client_raising(RuntimeError("secret internals")).get("/boom")

    assert response.status_code == 500
    assert "secret internals" not in response.text


def test_request_validation_names_the_wrong_field() -> None:
    response = client_raising(RuntimeError()).post("/echo", json={"count": "many"})

    body = response.json()
    assert response.status_code == 422
    assert body["error"] == "RequestValidationError"
    assert body["detail"].startswith("body.count: ")
    assert body["fields"][0]["field"] == "body.count"


def test_unknown_routes_keep_the_error_body_shape() -> None:
    response = client_raising(RuntimeError()).get("/nowhere")

    assert response.status_code == 404
    assert response.json() == {"error": "HTTPException", "detail": "Not Found"}
