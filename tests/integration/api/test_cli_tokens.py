"""`coldchain token create|revoke` and the bootstrap admin of `coldchain serve`."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from coldchain.cli import app as cli
from tests.integration.api.conftest import bearer

BOOTSTRAP = "bootstrap-secret-0123456789"


def run(database_url: str, *args: str, **env: str) -> Any:
    result = CliRunner().invoke(
        cli, list(args), env={"COLDCHAIN_DATABASE_URL": database_url, **env}
    )
    return result


def serve(database_url: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[Any, FastAPI]:
    served: list[FastAPI] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    result = run(database_url, "serve", **env)
    assert result.exit_code == 0, result.output
    return result, served[0]


def test_token_create_prints_the_secret_once_on_stdout(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(
        database_url, "token", "create", "--name", "wang", "--role", "staff", "--facility-id", "4"
    )

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert "shown once" in result.stderr and secret not in result.stderr
    _, app = serve(database_url, monkeypatch)
    me = TestClient(app).get("/api/v1/me", headers=bearer(secret)).json()
    assert (me["name"], me["role"], me["facility_id"]) == ("wang", "staff", 4)


def test_token_create_issues_a_scoped_supervisor(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("token", "create", "--name", "he", "--role", "supervisor", "--facility-id", "4")
    result = run(database_url, *args)
    assert result.exit_code == 0, result.output
    _, app = serve(database_url, monkeypatch)
    me = TestClient(app).get("/api/v1/me", headers=bearer(result.stdout.strip())).json()
    assert (me["role"], me["facility_id"]) == ("supervisor", 4)
    unscoped = run(database_url, "token", "create", "--name", "x", "--role", "supervisor")
    assert unscoped.exit_code != 0
    assert "supervisor must be scoped to a facility" in unscoped.stderr


def test_token_create_refuses_an_unknown_role(database_url: str) -> None:
    result = run(database_url, "token", "create", "--name", "x", "--role", "root")

    assert result.exit_code == 2
    assert "--role must be admin, supervisor, staff or viewer" in result.stderr


def test_token_create_refuses_a_scoped_admin(database_url: str) -> None:
    result = run(
        database_url, "token", "create", "--name", "x", "--role", "admin", "--facility-id", "4"
    )

    assert result.exit_code == 1
    assert "an admin is not scoped to a facility" in result.stderr


def test_token_revoke_makes_the_token_unusable(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = run(database_url, "token", "create", "--name", "zhao", "--role", "viewer").stdout
    _, app = serve(database_url, monkeypatch)
    client = TestClient(app)
    token_id = client.get("/api/v1/me", headers=bearer(secret.strip())).json()["token_id"]

    result = run(database_url, "token", "revoke", str(token_id))

    assert result.exit_code == 0, result.output
    assert f"token {token_id} of 'zhao' revoked" in result.stdout
    assert client.get("/api/v1/me", headers=bearer(secret.strip())).status_code == 401


def test_token_revoke_of_an_unknown_id_fails(database_url: str) -> None:
    result = run(database_url, "token", "revoke", "9999")

    assert result.exit_code == 1
    assert "no API token has id 9999" in result.stderr


def test_serve_creates_the_bootstrap_admin_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN": BOOTSTRAP}
    first, app = serve(database_url, monkeypatch, **env)
    second, _ = serve(database_url, monkeypatch, **env)

    assert "created" in first.stderr
    assert "created" not in second.stderr
    client = TestClient(app)
    me = client.get("/api/v1/me", headers=bearer(BOOTSTRAP)).json()
    assert (me["name"], me["role"]) == ("bootstrap-admin", "admin")
    tokens = client.get("/api/v1/tokens", headers=bearer(BOOTSTRAP)).json()
    assert len(tokens) == 1


def test_a_revoked_bootstrap_token_stays_revoked(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN": BOOTSTRAP}
    _, app = serve(database_url, monkeypatch, **env)
    token_id = TestClient(app).get("/api/v1/me", headers=bearer(BOOTSTRAP)).json()["token_id"]
    run(database_url, "token", "revoke", str(token_id))

    again, app = serve(database_url, monkeypatch, **env)

    assert "was revoked; it stays revoked" in again.stderr
    assert TestClient(app).get("/api/v1/me", headers=bearer(BOOTSTRAP)).status_code == 401


def test_a_short_bootstrap_token_stops_start_up_naming_the_variable(database_url: str) -> None:
    result = run(database_url, "serve", COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN="short")

    assert result.exit_code == 2
    assert "COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN: the bootstrap admin token must be at least 16" in (
        result.stderr
    )


def test_db_upgrade_also_ensures_the_bootstrap_admin(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(database_url, "db", "upgrade", COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN=BOOTSTRAP)
    _, app = serve(database_url, monkeypatch)

    assert result.exit_code == 0, result.output
    assert TestClient(app).get("/api/v1/me", headers=bearer(BOOTSTRAP)).json()["role"] == "admin"
