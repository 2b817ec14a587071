"""The database itself refuses users whose role and scope do not go together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.models import User

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
