"""The one place where any domain error becomes an HTTP answer.

Every error answer has the body ``{"error": "<ErrorClassName>", "detail": "<message>"}``.
A domain error's status comes from ``ErrorStatuses``: the most specific registered class in
the exception's MRO wins, so a base class (``InventoryError`` -> 422) and a subclass
(``InsufficientStock`` -> 409) both registered do what one expects, and a new subclass of a
mapped base is mapped on the day it is written. Unregistered exceptions stay 500s (a bug,
not a user error) and their message is never shown to the client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from access.errors import (
    Forbidden,
    InvalidAccessInput,
    NotAuthenticated,
    TokenNotFound,
    TooManyAttempts,
    UserConflict,
    UserNotFound,
)
from ingest.alarms import errors as alarm_errors
from ingest.errors import SensorNotFound
from ingest.notify.errors import ContactNotFound, InvalidContact, NoSecretKey
from ingest.queries import TelemetryQueryError, TelemetryUnavailable
from inventory import errors as inventory_errors
from inventory.domain.gs1 import Gs1Error


@dataclass(frozen=True, slots=True)
class ErrorStatus:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)


# The ledger's errors (inventory/errors.py); the lead adds more through ApiDeps.error_statuses.
INVENTORY_ERRORS: dict[type[Exception], ErrorStatus] = {
    inventory_errors.InventoryError: ErrorStatus(422),
    inventory_errors.InvalidInput: ErrorStatus(422),
    inventory_errors.UnbalancedMovement: ErrorStatus(422),
    inventory_errors.NotFound: ErrorStatus(404),
    inventory_errors.InvalidState: ErrorStatus(409),
    inventory_errors.InsufficientStock: ErrorStatus(409),
    inventory_errors.LotOnHold: ErrorStatus(409),
    inventory_errors.FefoViolation: ErrorStatus(409),
    inventory_errors.IdempotencyConflict: ErrorStatus(409),
}

# Telemetry, alarms and alarm contacts (ingest/alarms/errors.py, ingest/notify/errors.py).
TELEMETRY_ERRORS: dict[type[Exception], ErrorStatus] = {
    alarm_errors.AlarmNotFound: ErrorStatus(404),
    alarm_errors.EpisodeNotFound: ErrorStatus(404),
    alarm_errors.UnknownUnit: ErrorStatus(404),
    SensorNotFound: ErrorStatus(404),
    ContactNotFound: ErrorStatus(404),
    alarm_errors.InvalidAcknowledgement: ErrorStatus(422),
    alarm_errors.InvalidQuery: ErrorStatus(422),
    TelemetryQueryError: ErrorStatus(422),
    InvalidContact: ErrorStatus(422),
    NoSecretKey: ErrorStatus(409),
    TelemetryUnavailable: ErrorStatus(503),
}

# Access (access/errors.py) and GS1 scans.
API_ERRORS: dict[type[Exception], ErrorStatus] = {
    NotAuthenticated: ErrorStatus(401, {"WWW-Authenticate": "Bearer"}),
    Forbidden: ErrorStatus(403),
    TooManyAttempts: ErrorStatus(429),
    TokenNotFound: ErrorStatus(404),
    UserNotFound: ErrorStatus(404),
    UserConflict: ErrorStatus(409),
    InvalidAccessInput: ErrorStatus(422),
    Gs1Error: ErrorStatus(422),
}


class ErrorStatuses:
    """Exception class -> HTTP status, resolved through the exception's MRO."""

    def __init__(self, mapping: Mapping[type[Exception], ErrorStatus] | None = None) -> None:
        self._mapping: dict[type[Exception], ErrorStatus] = dict(mapping or {})

    def register(self, error: type[Exception], status: int, **headers: str) -> None:
        self._mapping[error] = ErrorStatus(status, headers)

    def classes(self) -> Iterable[type[Exception]]:
        return tuple(self._mapping)

    def lookup(self, error: BaseException) -> ErrorStatus | None:
        for cls in type(error).__mro__:
            if cls in self._mapping:
                return self._mapping[cls]  # type: ignore[index]
        return None


def default_error_statuses(extra: Mapping[type[Exception], int] | None = None) -> ErrorStatuses:
    """The API's own errors, GS1 and inventory errors, then ``extra`` (which may override)."""
    statuses = ErrorStatuses({**API_ERRORS, **INVENTORY_ERRORS, **TELEMETRY_ERRORS})
    for error, status in (extra or {}).items():
        statuses.register(error, status)
    return statuses


def error_body(error_name: str, detail: str) -> dict[str, object]:
    return {"error": error_name, "detail": detail}


def install_error_handlers(app: FastAPI, statuses: ErrorStatuses) -> None:
    """Map every registered error class, request validation and HTTP errors to JSON."""

    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        mapped = statuses.lookup(exc)
        if mapped is None:  # registered handlers only see mapped classes; defensive
            raise exc
        return JSONResponse(
            error_body(type(exc).__name__, str(exc)),
            status_code=mapped.status,
            headers=dict(mapped.headers),
        )

    for error in statuses.classes():
        app.add_exception_handler(error, domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    detail = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
    body = error_body("RequestValidationError", detail or "invalid request")
    body["fields"] = fields
    return JSONResponse(body, status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return JSONResponse(
        error_body("HTTPException", detail),
        status_code=exc.status_code,
        headers=dict(exc.headers or {}),
    )
