"""Bodies shared by every resource: the error answer and the health answer."""

from __future__ import annotations

from pydantic import BaseModel


class ErrorPublic(BaseModel):
    """Every error answer: the error's class name and a message saying what was wrong."""

    error: str
    detail: str


class HealthPublic(BaseModel):
    status: str


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorPublic, "description": "No token, or an unknown or revoked one"},
    403: {"model": ErrorPublic, "description": "Role or facility scope does not allow this"},
    422: {"model": ErrorPublic, "description": "Invalid input; the detail names the field"},
}
