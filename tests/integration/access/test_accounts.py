"""User accounts on a real database (SQLite and PostgreSQL): created with a hashed
password, signed in by name and password, disabled but never deleted (tokens and password
refused), audited (who created, last used at most once a minute), rehashed when the Argon2
parameters change; and the migration to accounts keeps existing users and tokens working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from access import queries, services
from access.errors import NotAuthenticated, UnknownScopeFacility, UserConflict, UserNotFound
from access.models import ApiToken, User
from access.principal import Principal, Role
from access.token_secrets import hash_token
from access.unit_of_work import AccessUnitOfWork
from coldchain import db
from kit.columns import UTCDateTime
from tests.access_builders import PASSWORD, CountingPasswords, TreePaths, cheap_passwords

NOW = datetime(2025, 6, 1, 8, 30, tzinfo=UTC)
ADMIN = Principal(user_id=999, name="ops", role=Role.ADMIN, token_id=1)


@pytest.fixture
def uow(engine: Engine) -> AccessUnitOfWork:
    return AccessUnitOfWork(db.make_session_factory(engine), facilities=TreePaths())


def make_user(uow: AccessUnitOfWork, name: str = "wang", **kw: object) -> int:
    args: dict[str, object] = {
        "role": Role.STAFF,
        "facility_id": 4,
        "password": PASSWORD,
        "now": NOW,
        "facilities": TreePaths(),
        "by": ADMIN,
        "passwords": cheap_passwords(),
    }
    args.update(kw)
    return services.create_user(uow, name=name, **args).id  # type: ignore[arg-type]


def stored_user(engine: Engine, name: str) -> User:
    with Session(engine) as session:
        return session.scalars(select(User).where(User.name == name)).one()


def test_a_user_signs_in_with_its_password_and_gets_its_scope(
    uow: AccessUnitOfWork, engine: Engine
) -> None:
    make_user(uow)

    who = services.authenticate_password(uow, "wang", PASSWORD, NOW, passwords=cheap_passwords())

    assert (who.name, who.role, who.facility_id, who.scope_path) == ("wang", "staff", 4, "/1/4/")
    assert who.token_id is None
    user = stored_user(engine, "wang")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert (user.created_by, user.last_used_at) == ("ops", NOW)


def test_every_failed_sign_in_says_the_same_and_verifies_one_hash(uow: AccessUnitOfWork) -> None:
    make_user(uow)
    make_user(uow, "tokens-only", password=None)
    make_user(uow, "gone")
    services.disable_user(uow, "gone", now=NOW, by=ADMIN)
    counting = CountingPasswords()

    for name, password in (
        ("nobody", PASSWORD),  # unknown: a dummy hash is verified
        ("wang", "wrong password!"),
        ("tokens-only", PASSWORD),
        ("gone", PASSWORD),  # right password, disabled user
        ("x" * 500, PASSWORD),
    ):
        with pytest.raises(NotAuthenticated) as refused:
            services.authenticate_password(uow, name, password, NOW, passwords=counting)
        assert str(refused.value) == "unknown user or wrong password"
    assert counting.verified == 5


def test_a_hash_under_older_argon2_parameters_is_replaced_at_sign_in(
    uow: AccessUnitOfWork, engine: Engine
) -> None:
    make_user(uow, passwords=cheap_passwords(time_cost=1))
    old = stored_user(engine, "wang").password_hash
    stronger = cheap_passwords(time_cost=2)

    services.authenticate_password(uow, "wang", PASSWORD, NOW, passwords=stronger)

    new = stored_user(engine, "wang").password_hash
    assert new != old and new is not None and "t=2" in new
    assert not stronger.needs_rehash(new)
    services.authenticate_password(uow, "wang", PASSWORD, NOW, passwords=stronger)


def test_a_disabled_user_keeps_its_row_and_its_tokens_are_refused(
    uow: AccessUnitOfWork, engine: Engine
) -> None:
    issued = services.create_token(
        uow, name="li", role=Role.VIEWER, facility_id=None, now=NOW, facilities=TreePaths()
    )
    services.authenticate(uow, issued.secret, TreePaths(), now=NOW)

    disabled = services.disable_user(uow, "li", now=NOW + timedelta(hours=1), by=ADMIN)
    again = services.disable_user(uow, disabled.id, now=NOW + timedelta(hours=2))

    assert (again.disabled_at, again.disabled_by) == (NOW + timedelta(hours=1), "ops")
    with pytest.raises(NotAuthenticated, match="belongs to a disabled user"):
        services.authenticate(uow, issued.secret, TreePaths(), now=NOW + timedelta(hours=1))
    with pytest.raises(UserConflict, match="disabled; it gets no new tokens"):
        services.create_token(
            uow, name="li", role=Role.VIEWER, facility_id=None, now=NOW, facilities=TreePaths()
        )
    assert [u.name for u in queries.list_users(db.make_session_factory(engine))] == ["li"]
    assert queries.list_users(db.make_session_factory(engine), include_disabled=False) == []


def test_disabling_names_a_user_that_exists_and_not_oneself(uow: AccessUnitOfWork) -> None:
    user_id = make_user(uow, role=Role.ADMIN, facility_id=None)
    me = Principal(user_id=user_id, name="wang", role=Role.ADMIN, token_id=None)

    with pytest.raises(UserNotFound, match="no user has name 'nobody'"):
        services.disable_user(uow, "nobody", now=NOW)
    with pytest.raises(UserConflict, match="may not disable itself"):
        services.disable_user(uow, user_id, now=NOW, by=me)


def test_a_name_is_taken_once_and_a_scope_must_exist(uow: AccessUnitOfWork) -> None:
    make_user(uow)

    with pytest.raises(UserConflict, match="exists already"):
        make_user(uow, role=Role.VIEWER, facility_id=None)
    with pytest.raises(UnknownScopeFacility, match="a user's scope must be an existing"):
        make_user(uow, "he", facility_id=99)


def test_last_used_is_written_at_most_once_a_minute(uow: AccessUnitOfWork, engine: Engine) -> None:
    issued = services.create_token(
        uow, name="li", role=Role.VIEWER, facility_id=None, now=NOW, facilities=TreePaths()
    )
    assert issued.record.created_by == "cli"

    def last_used() -> tuple[datetime | None, datetime | None]:
        with Session(engine) as session:
            token = session.get(ApiToken, issued.record.id)
            assert token is not None
            user = session.get(User, token.user_id)
            assert user is not None
            return token.last_used_at, user.last_used_at

    assert last_used() == (None, None)
    for seconds in (0, 10, 59):
        services.authenticate(uow, issued.secret, TreePaths(), now=NOW + timedelta(seconds=seconds))
        assert last_used() == (NOW, NOW)
    services.authenticate(uow, issued.secret, TreePaths(), now=NOW + timedelta(seconds=61))
    assert last_used() == (NOW + timedelta(seconds=61),) * 2


def test_the_migration_to_accounts_keeps_users_and_tokens_working(
    database_url: str, engine: Engine
) -> None:
    command.downgrade(db.alembic_config(database_url), "0021_user_accounts-1")  # just before
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("role", sa.String()),
        sa.column("facility_id", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
    )
    tokens = sa.table(
        "api_tokens",
        sa.column("user_id", sa.Integer()),
        sa.column("token_hash", sa.String()),
        sa.column("created_at", UTCDateTime()),
    )
    with engine.begin() as conn:
        conn.execute(
            sa.insert(users).values(id=1, name="old", role="staff", facility_id=4, created_at=NOW)
        )
        conn.execute(
            sa.insert(tokens).values(user_id=1, token_hash=hash_token("s" * 20), created_at=NOW)
        )

    db.upgrade(database_url)

    uow = AccessUnitOfWork(db.make_session_factory(engine))
    who = services.authenticate(uow, "s" * 20, TreePaths(), now=NOW)
    assert (who.name, who.scope_path) == ("old", "/1/4/")
    (record,) = queries.list_users(db.make_session_factory(engine))
    assert (record.created_by, record.has_password, record.disabled_at) == (None, False, None)
    assert record.last_used_at == NOW
