"""`coldchain token create|revoke`, the bootstrap admin of `coldchain serve`, and `serve`
refusing a database where the demo's published token is live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import inventory.commands as cmd
from access.services import active_token, ensure_bootstrap_admin
from coldchain import db
from coldchain.access_wiring import access_unit_of_work
from coldchain.cli import app as cli
from coldchain.demo import DEMO_ADMIN_TOKEN, DEMO_PASSWORD, DEMO_USERS, prepare_demo
from coldchain.settings import Settings, load_settings
from inventory import services as inventory
from inventory.unit_of_work import UnitOfWork
from tests.integration.api.conftest import bearer

BOOTSTRAP = "bootstrap-secret-0123456789"


def a_facility(database_url: str) -> int:
    """A province store in the ledger; its id."""
    engine = db.make_engine(database_url)
    try:
        uow = UnitOfWork(db.make_session_factory(engine))
        command = cmd.CreateFacility("PROV", "Province store", "province", "Asia/Shanghai")
        return inventory.create_facility(uow, command).id
    finally:
        engine.dispose()


def me(app: FastAPI, secret: str) -> Any:
    return TestClient(app).get("/api/v1/me", headers=bearer(secret))


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
    province = a_facility(database_url)
    result = run(
        database_url,
        *("token", "create", "--name", "wang", "--role", "staff", "--facility-id", str(province)),
    )

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert "shown once" in result.stderr and secret not in result.stderr
    _, app = serve(database_url, monkeypatch)
    body = me(app, secret).json()
    assert (body["name"], body["role"], body["facility_id"]) == ("wang", "staff", province)


def test_token_create_issues_a_scoped_supervisor(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    county = a_facility(database_url)
    args = ("token", "create", "--name", "he", "--role", "supervisor", "--facility-id", str(county))
    result = run(database_url, *args)
    assert result.exit_code == 0, result.output
    _, app = serve(database_url, monkeypatch)
    me = TestClient(app).get("/api/v1/me", headers=bearer(result.stdout.strip())).json()
    assert (me["role"], me["facility_id"]) == ("supervisor", county)
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


def test_token_create_for_a_facility_that_does_not_exist_fails_naming_it(
    database_url: str,
) -> None:
    result = run(
        database_url, "token", "create", "--name", "x", "--role", "staff", "--facility-id", "4"
    )

    assert result.exit_code == 1
    assert "no facility has id 4; a token's scope must be an existing facility" in result.stderr
    assert result.stdout == ""


def test_a_staff_token_from_the_cli_expires_after_the_configured_days(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    province = a_facility(database_url)
    before = datetime.now(UTC)
    result = run(
        database_url,
        *("token", "create", "--name", "wang", "--role", "staff", "--facility-id", str(province)),
        COLDCHAIN_STAFF_TOKEN_DAYS="7",
    )
    after = datetime.now(UTC)

    assert result.exit_code == 0, result.output
    assert "expires at " in result.stderr
    _, app = serve(database_url, monkeypatch)
    expires_at = datetime.fromisoformat(me(app, result.stdout.strip()).json()["expires_at"])
    assert before + timedelta(days=7) <= expires_at <= after + timedelta(days=7)


def test_token_create_takes_a_lifetime_and_otherwise_admins_never_expire(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = run(
        database_url, "token", "create", "--name", "li", "--role", "admin", "--expires-in-days", "2"
    )
    forever = run(database_url, "token", "create", "--name", "root", "--role", "admin")

    assert short.exit_code == 0 and forever.exit_code == 0, short.output + forever.output
    assert "never expires" in forever.stderr
    _, app = serve(database_url, monkeypatch)
    expires_at = datetime.fromisoformat(me(app, short.stdout.strip()).json()["expires_at"])
    assert timedelta(days=2) - timedelta(minutes=1) < expires_at - datetime.now(UTC)
    assert expires_at - datetime.now(UTC) <= timedelta(days=2)
    assert me(app, forever.stdout.strip()).json()["expires_at"] is None


@pytest.mark.parametrize("days", ["0", "3651"])
def test_token_create_refuses_a_lifetime_out_of_range(database_url: str, days: str) -> None:
    result = run(
        database_url, "token", "create", "--name", "x", "--role", "admin", "--expires-in-days", days
    )

    assert result.exit_code == 2
    assert "--expires-in-days" in result.stderr


def test_token_revoke_of_an_id_beyond_32_bits_is_refused_with_the_bound(database_url: str) -> None:
    result = run(database_url, "token", "revoke", "9223372036854775808")

    assert result.exit_code == 2, result.output
    assert "Invalid value for 'token_id'" in result.stderr and "2147483647" in result.stderr
    assert isinstance(result.exception, SystemExit)  # a usage error, not a crash


def _demo_token_in(database_url: str) -> None:
    """What `coldchain demo` wrote into the database it ran on."""
    with access_unit_of_work(Settings(database_url=database_url)) as uow:
        ensure_bootstrap_admin(uow, DEMO_ADMIN_TOKEN, now=datetime.now(UTC))


def test_serve_refuses_to_start_while_the_demo_token_is_active(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _demo_token_in(database_url)
    served: list[FastAPI] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))

    refused = run(database_url, "serve")

    assert refused.exit_code == 2
    assert served == []
    assert "holds the demo's published admin token (token 1," in refused.stderr
    assert "coldchain token revoke 1" in refused.stderr
    assert DEMO_ADMIN_TOKEN not in refused.output
    assert run(database_url, "token", "revoke", "1").exit_code == 0
    _, app = serve(database_url, monkeypatch)  # once revoked, serve starts
    assert me(app, DEMO_ADMIN_TOKEN).status_code == 401


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"]])
def test_the_demo_token_is_refused_as_the_bootstrap_token(
    database_url: str, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: None)

    refused = run(database_url, *command, COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN=DEMO_ADMIN_TOKEN)

    assert refused.exit_code == 2
    assert "COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN is the demo's published token" in refused.stderr
    assert DEMO_ADMIN_TOKEN not in refused.output
    with access_unit_of_work(Settings(database_url=database_url)) as uow:
        assert active_token(uow, DEMO_ADMIN_TOKEN, now=datetime.now(UTC)) is None


def test_the_demo_seeds_its_own_database_so_a_plain_serve_refuses_its_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the defaults: var/coldchain.db and var/demo.db in here
    for name in ("COLDCHAIN_DATABASE_URL", "COLDCHAIN_DEMO_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN", raising=False)

    demo = prepare_demo(load_settings())
    served: list[FastAPI] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    plain = CliRunner().invoke(cli, ["serve"])
    on_the_demo_database = CliRunner().invoke(
        cli, ["serve"], env={"COLDCHAIN_DATABASE_URL": demo.database_url}
    )

    assert demo.database_url == "sqlite:///var/demo.db"
    assert (tmp_path / "var" / "demo.db").exists()
    assert plain.exit_code == 0, plain.output
    assert me(served[0], DEMO_ADMIN_TOKEN).status_code == 401
    assert on_the_demo_database.exit_code == 2
    assert "coldchain token revoke 1" in on_the_demo_database.stderr
    for name, _, _ in DEMO_USERS:  # the staff pages' demo users, with the published password
        assert f"user {name!r} signs in to the staff pages" in on_the_demo_database.stderr
        assert f"coldchain user disable {name}" in on_the_demo_database.stderr
    assert DEMO_PASSWORD not in on_the_demo_database.output
    assert prepare_demo(load_settings()).database_url == demo.database_url  # idempotent


def test_the_demo_seeds_its_page_users_once_each_scoped_to_their_facility(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from access.services import authenticate_password
    from coldchain.demo import DEMO_PASSWORD, DEMO_USERS

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLDCHAIN_DEMO_DATABASE_URL", raising=False)
    monkeypatch.delenv("COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN", raising=False)
    demo = prepare_demo(load_settings())
    again = prepare_demo(load_settings())  # a second start creates nobody twice
    assert again.database_url == demo.database_url
    with access_unit_of_work(demo) as uow:
        for name, role, _code in DEMO_USERS:
            who = authenticate_password(uow, name, DEMO_PASSWORD, datetime.now(UTC))
            assert (who.name, who.role.value, who.token_id) == (name, role, None)
            assert who.facility_id is not None
