"""The database itself refuses users whose role and scope do not go together, and the
migration to token expiry leaves existing tokens without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from access import services
from access.models import User, UTCDateTime
from access.ports import NoFacilityPaths
from access.token_secrets import hash_token
from access.unit_of_work import AccessUnitOfWork
from coldchain import db

NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("role", "facility_id"),
    [("admin", 4), ("staff", None), ("supervisor", None), ("superuser", None)],
)
def test_role_and_scope_are_checked_by_the_schema(
    engine: Engine, role: str, facility_id: int | None
) -> None:
    with Session(engine) as session:
        session.add(User(name="x", role=role, facility_id=facility_id, created_at=NOW))
        with pytest.raises(IntegrityError):
            session.commit()


def test_times_come_back_as_aware_utc(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(User(name="x", role="viewer", facility_id=None, created_at=NOW))
        session.commit()
    with Session(engine) as session:
        user = session.scalars(select(User)).one()
        assert user.created_at == NOW
        assert user.created_at.utcoffset() is not None


def test_a_token_issued_before_expiry_existed_keeps_working_without_one(
    database_url: str, engine: Engine
) -> None:
    command.downgrade(db.alembic_config(database_url), "0008_shipment_idempotency")
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("role", sa.String()),
        sa.column("created_at", UTCDateTime()),
    )
    tokens = sa.table(
        "api_tokens",
        sa.column("user_id", sa.Integer()),
        sa.column("token_hash", sa.String()),
        sa.column("created_at", UTCDateTime()),
    )
    with engine.begin() as conn:
        conn.execute(sa.insert(users).values(id=1, name="old", role="viewer", created_at=NOW))
        conn.execute(
            sa.insert(tokens).values(user_id=1, token_hash=hash_token("old-secret"), created_at=NOW)
        )

    db.upgrade(database_url)

    uow = AccessUnitOfWork(db.make_session_factory(engine))
    far_later = NOW + timedelta(days=36_500)
    principal = services.authenticate(uow, "old-secret", NoFacilityPaths(), now=far_later)
    assert (principal.name, principal.expires_at) == ("old", None)
