"""Bodies shared by every resource: the error answer and the health answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ErrorPublic(BaseModel):
    """Every error answer: the error's class name and a message saying what was wrong."""

    error: str
    detail: str


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


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorPublic, "description": "No token, or an unknown or revoked one"},
    403: {"model": ErrorPublic, "description": "Role or facility scope does not allow this"},
    422: {"model": ErrorPublic, "description": "Invalid input; the detail names the field"},
}
