"""The sign-in throttle on a real database (SQLite and PostgreSQL): failures recorded by
one process are counted by another on its own engine, the wait is the minutes until the
oldest failure in the window leaves it, and failures out of the window are deleted."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from access import services
from access.errors import TooManyAttempts
from access.models import SignInFailure
from access.unit_of_work import AccessUnitOfWork
from coldchain import db

NOW = datetime(2025, 6, 1, 8, 30, tzinfo=UTC)
KEYS = ("name:wang", "addr:192.0.2.7")


def test_failures_of_one_process_refuse_the_next_attempt_in_another(
    engine: Engine, database_url: str
) -> None:
    first = AccessUnitOfWork(db.make_session_factory(engine))
    other_engine = db.make_engine(database_url)  # a second API process
    try:
        second = AccessUnitOfWork(db.make_session_factory(other_engine))
        for minute in range(services.MAX_SIGN_IN_FAILURES):
            services.check_sign_in_allowed(second, KEYS, NOW + timedelta(minutes=minute))
            services.record_sign_in_failure(first, KEYS, NOW + timedelta(minutes=minute))
        with pytest.raises(TooManyAttempts) as refused:
            services.check_sign_in_allowed(second, ["addr:192.0.2.7"], NOW + timedelta(minutes=5))
        assert refused.value.wait_minutes == 10  # the first failure leaves at 08:45
        services.check_sign_in_allowed(second, ["name:li", "addr:192.0.2.8"], NOW)
        services.check_sign_in_allowed(second, KEYS, NOW + timedelta(minutes=15))
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(SignInFailure)) == 10
        services.record_sign_in_failure(second, ["name:li"], NOW + timedelta(minutes=20))
        with engine.connect() as conn:  # every failure up to 08:35 is out of the window
            kept = conn.execute(select(SignInFailure.key_hash)).scalars().all()
        assert kept == [hashlib.sha256(b"name:li").hexdigest()]  # a digest, not the name
    finally:
        other_engine.dispose()
