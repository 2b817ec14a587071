"""``coldchain user create | disable | list``: user accounts from the command line.

Users are created through ``access`` (never the web app), with a password read from a
prompt (asked twice) or, with ``--password-stdin``, from the first line of stdin; the
password is hashed with Argon2id and never echoed. Users are disabled, never deleted.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import typer

from access.queries import UserRecord

user_app = typer.Typer(
    help="User accounts (passwords stored as Argon2id hashes; disabled, never deleted).",
    no_args_is_help=True,
)

ROLES = ("admin", "supervisor", "staff", "viewer")


@user_app.command("create")
def user_create(
    name: str = typer.Option(..., "--name", help="The user's name (1 to 100 characters)."),
    role: str = typer.Option(..., "--role", help="admin, supervisor, staff or viewer."),
    facility: str | None = typer.Option(
        None,
        "--facility",
        help="Scope: the facility with this code and its subtree (supervisor, staff, viewer).",
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Create a user with a password (asked twice, unless --password-stdin)."""
    from access import services
    from access.errors import AccessError
    from access.principal import Role
    from coldchain import db
    from coldchain.access_wiring import access_and_facilities
    from coldchain.cli import _secret_key, _settings

    if role not in ROLES:
        typer.echo(f"--role must be admin, supervisor, staff or viewer, got {role!r}", err=True)
        raise typer.Exit(2)
    settings = _settings()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db.upgrade(settings.database_url, secret_key=_secret_key(settings))
    try:
        with access_and_facilities(settings) as (uow, facilities):
            facility_id = None
            if facility is not None:
                facility_id = facilities.id_of_code(facility)
                if facility_id is None:
                    typer.echo(f"no facility has code {facility!r}", err=True)
                    raise typer.Exit(1)
            record = services.create_user(
                uow,
                name=name,
                role=Role(role),
                facility_id=facility_id,
                password=password,
                now=datetime.now(UTC),
                facilities=facilities,
            )
    except AccessError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    scope = "" if facility is None else f" at facility {facility} ({record.facility_id})"
    typer.echo(f"user {record.id}: {record.role} {record.name!r}{scope} created")


@user_app.command("disable")
def user_disable(name: str = typer.Argument(..., help="The user's name.")) -> None:
    """Disable a user for good: its tokens and password are refused from now on."""
    from access import services
    from access.errors import AccessError
    from coldchain import db
    from coldchain.access_wiring import access_unit_of_work
    from coldchain.cli import _secret_key, _settings

    settings = _settings()
    db.upgrade(settings.database_url, secret_key=_secret_key(settings))
    try:
        with access_unit_of_work(settings) as uow:
            record = services.disable_user(uow, name, now=datetime.now(UTC))
    except AccessError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    assert record.disabled_at is not None
    typer.echo(
        f"user {record.id} ({record.name!r}) disabled at"
        f" {record.disabled_at.isoformat(timespec='seconds')} by {record.disabled_by}"
    )


@user_app.command("list")
def user_list() -> None:
    """Every user: role, scope, whether it has a password, created, last used, disabled."""
    from access.queries import list_users
    from coldchain import db
    from coldchain.cli import _secret_key, _settings

    settings = _settings()
    db.upgrade(settings.database_url, secret_key=_secret_key(settings))
    engine = db.make_engine(settings.database_url)
    try:
        users = list_users(db.make_session_factory(engine))
    finally:
        engine.dispose()
    typer.echo(render_users(users), nl=False)


HEADER = ("id", "name", "role", "facility", "password", "created", "by", "last used", "disabled")


def render_users(users: list[UserRecord]) -> str:
    """The users as a text table, one line each (times in UTC, to the minute)."""
    rows = [HEADER] + [
        (
            str(u.id),
            u.name,
            u.role.value,
            "-" if u.facility_id is None else str(u.facility_id),
            "yes" if u.has_password else "no",
            _minute(u.created_at),
            u.created_by or "-",
            _minute(u.last_used_at) if u.last_used_at else "never",
            f"{_minute(u.disabled_at)} by {u.disabled_by}" if u.disabled_at else "-",
        )
        for u in users
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def _minute(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
