"""`coldchain user create|disable|list` on a real SQLite database: a password from a prompt
asked twice or from stdin, stored as an Argon2id hash; a scope by facility code; disabled
users keep their row and are refused; and the commands never import the web app."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import inventory.commands as cmd
from access import services
from access.errors import NotAuthenticated
from access.models import User
from access.principal import Role
from coldchain import db
from coldchain.access_wiring import access_unit_of_work
from coldchain.cli import app as cli
from coldchain.settings import Settings
from inventory import services as inventory
from inventory.unit_of_work import UnitOfWork

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


def run(database_url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        cli, ["user", *args], input=stdin, env={"COLDCHAIN_DATABASE_URL": database_url}
    )


def with_county(database_url: str) -> int:
    engine = db.make_engine(database_url)
    try:
        uow = UnitOfWork(db.make_session_factory(engine))
        province = inventory.create_facility(
            uow, cmd.CreateFacility("GD", "Province store", "province", "Asia/Shanghai")
        )
        county = cmd.CreateFacility("GD-K1", "County", "county", "Asia/Shanghai", province.id)
        return inventory.create_facility(uow, county).id
    finally:
        engine.dispose()


def create(name: str, role: str) -> tuple[str, ...]:
    return ("create", "--name", name, "--role", role, "--password-stdin")


def stored(database_url: str, name: str) -> User:
    engine = db.make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.scalars(select(User).where(User.name == name)).one()
    finally:
        engine.dispose()


def sign_in(database_url: str, name: str, password: str) -> str:
    with access_unit_of_work(Settings(database_url=database_url)) as uow:
        return services.authenticate_password(uow, name, password, datetime.now(UTC)).name


def test_user_create_asks_the_password_twice_and_stores_only_its_hash(sqlite_url: str) -> None:
    county = with_county(sqlite_url)

    result = run(
        sqlite_url,
        "create",
        "--name",
        "wang",
        "--role",
        "staff",
        "--facility",
        "GD-K1",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert f"user 1: staff 'wang' at facility GD-K1 ({county}) created" in result.stdout
    assert PASSWORD not in result.output
    user = stored(sqlite_url, "wang")
    assert (user.role, user.facility_id, user.created_by) == ("staff", county, "cli")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert sign_in(sqlite_url, "wang", PASSWORD) == "wang"


def test_two_different_passwords_at_the_prompt_create_nobody(sqlite_url: str) -> None:
    result = run(
        sqlite_url,
        "create",
        "--name",
        "he",
        "--role",
        "viewer",
        stdin=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n",
    )
    # typer asks again after a mismatch; the second pair matches
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output


def test_password_stdin_and_clear_refusals(sqlite_url: str) -> None:
    with_county(sqlite_url)

    ok = run(sqlite_url, *create("ops", "admin"), stdin=PASSWORD + "\n")
    assert ok.exit_code == 0, ok.output
    for args, message, code in (
        (("--name", "x", "--role", "root"), "--role must be admin, supervisor", 2),
        (("--name", "x", "--role", "staff"), "staff must be scoped to a facility", 1),
        (("--name", "x", "--role", "staff", "--facility", "NOPE"), "no facility has code", 1),
        (("--name", "ops", "--role", "viewer"), "a user named 'ops' exists already", 1),
    ):
        result = run(sqlite_url, "create", *args, "--password-stdin", stdin=PASSWORD + "\n")
        assert result.exit_code == code, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
    short = run(sqlite_url, *create("y", "viewer"), stdin="short\n")
    assert short.exit_code == 1 and "a password has 12 to 256 characters" in short.stderr


def test_a_disabled_user_stays_listed_and_its_password_and_tokens_are_refused(
    sqlite_url: str,
) -> None:
    run(sqlite_url, *create("li", "viewer"), stdin=PASSWORD + "\n")
    with access_unit_of_work(Settings(database_url=sqlite_url)) as uow:
        issued = services.create_token(
            uow,
            name="li",
            role=Role.VIEWER,
            facility_id=None,
            now=datetime.now(UTC),
            facilities=uow.facilities,
        )
        services.authenticate(uow, issued.secret, uow.facilities, now=datetime.now(UTC))

    disabled = run(sqlite_url, "disable", "li")
    listed = run(sqlite_url, "list")

    assert disabled.exit_code == 0, disabled.output
    assert "user 1 ('li') disabled at" in disabled.stdout and "by cli" in disabled.stdout
    header, row = listed.stdout.splitlines()
    assert header.split() == [
        "id",
        "name",
        "role",
        "facility",
        "password",
        "created",
        "by",
        "last",
        "used",
        "disabled",
    ]
    assert row.startswith("1   li    viewer  -         yes       ")
    assert "never" not in row  # the token was used
    assert row.endswith("by cli")
    with access_unit_of_work(Settings(database_url=sqlite_url)) as uow:
        for attempt in (
            lambda: services.authenticate(
                uow, issued.secret, uow.facilities, now=datetime.now(UTC)
            ),
            lambda: services.authenticate_password(uow, "li", PASSWORD, datetime.now(UTC)),
        ):
            try:
                attempt()
            except NotAuthenticated:
                continue
            raise AssertionError("a disabled user got in")
    unknown = run(sqlite_url, "disable", "nobody")
    assert unknown.exit_code == 1 and "no user has name 'nobody'" in unknown.stderr


def test_the_user_commands_never_import_the_web_app(sqlite_url: str) -> None:
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from coldchain.cli import app\n"
        "r = CliRunner().invoke(app, ['user', 'create', '--name', 'n', '--role', 'viewer',"
        f" '--password-stdin'], input='{PASSWORD}\\n')\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['user', 'list'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m == 'api' or m.startswith('api.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"COLDCHAIN_DATABASE_URL": sqlite_url, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
