"""Bodies shared by every resource: the error answer and the health answers, and the error
statuses each route documents in the OpenAPI.

Invariant: every status a route can answer with is in its OpenAPI ``responses`` with the
body ``api/errors.py`` sends for it (``tests/e2e/test_api_fuzz.py`` holds the app to that).
A router documents what all its routes can answer (``error_responses(401, 403, 422)``);
a route adds what only it can (a body: ``BAD_BODY``; a row it names: ``404``; ...).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorPublic(BaseModel):
    """Every error answer: the error's class name and a message saying what was wrong."""

    error: str
    detail: str


class FieldErrorPublic(BaseModel):
    """One field a request failed validation on (``body.doses``, ``query.limit``, ...)."""

    field: str
    message: str
    type: str


class InvalidInputPublic(ErrorPublic):
    """A 422: a domain error (``error``, ``detail``), or the request's validation, which
    also lists every field that failed in ``fields``."""

    fields: list[FieldErrorPublic] = Field(
        default_factory=list,
        description="request validation only (error RequestValidationError): each field",
    )


class HealthPublic(BaseModel):
    status: str


class CheckPublic(BaseModel):
    """One readiness check: its name, whether it passed, and why not."""

    name: str = Field(examples=["database"])
    ok: bool
    detail: str = Field(examples=["ok"], description="'ok', or what is wrong")


class ReadinessPublic(BaseModel):
    """Ready (200) when every check passed; otherwise 503 with the same body."""

    status: Literal["ready", "not ready"]
    checks: list[CheckPublic]


Responses = dict[int | str, dict[str, Any]]

_ERRORS: dict[int, tuple[type[BaseModel], str]] = {
    400: (ErrorPublic, "The body could not be read (not UTF-8 JSON)"),
    401: (ErrorPublic, "No token, or an unknown or revoked one"),
    403: (ErrorPublic, "Role or facility scope does not allow this"),
    404: (ErrorPublic, "Something the request names does not exist"),
    409: (ErrorPublic, "Refused by the state of the ledger or of the caller's earlier requests"),
    422: (InvalidInputPublic, "Invalid input; the detail names the field"),
    503: (ErrorPublic, "The telemetry store could not answer (down, or none configured)"),
}


def error_responses(*statuses: int, **descriptions: str) -> Responses:
    """The OpenAPI ``responses`` of these error statuses, each with its body; a keyword
    ``s404="no lot has that id"`` says more precisely what one means on this route."""
    answers: Responses = {}
    for status in statuses:
        model, description = _ERRORS[status]
        answers[status] = {
            "model": model,
            "description": descriptions.get(f"s{status}", description),
        }
    return answers


# Every route with a token and a parameter: these three at least.
ERROR_RESPONSES: Responses = error_responses(401, 403, 422)
# A route that takes a JSON body: an unreadable body is a 400 (FastAPI's, before validation).
BAD_BODY: Responses = error_responses(400)
# A route that takes a body and writes to the ledger: 400, and a 409 when its state refuses.
WRITE: Responses = error_responses(400, 409)
