"""SQL errors end up in logs (a 500's traceback): neither the statement's parameters nor
the row PostgreSQL quotes back may show a secret there, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from ingest.models import AlarmContactRow
from tests.logs import captured_logs

SECRET = "webhook-secret-4b1f9e0c77a2"


def refused_insert(engine: Engine) -> IntegrityError:
    row = {
        "facility_code": "CLINIC-1",
        "channel": "pager",  # not a known channel: the database refuses the row
        "address": "https://clinic.example.org/hook",
        "name": "duty",
        "secret": SECRET,
        "active": True,
        "created_at": datetime(2025, 6, 1, tzinfo=UTC),
    }
    with pytest.raises(IntegrityError) as refused, engine.begin() as connection:
        connection.execute(insert(AlarmContactRow.__table__), [row])
    return refused.value


def test_a_refused_insert_does_not_show_its_parameters(engine: Engine) -> None:
    error = refused_insert(engine)
    assert "known_channel" in str(error)  # the error still says what was wrong
    assert "hide_parameters" in str(error)  # and that the parameters were left out


def test_the_logged_traceback_of_a_refused_insert_holds_no_secret(engine: Engine) -> None:
    error = refused_insert(engine)
    with captured_logs() as logs:
        try:
            raise error
        except IntegrityError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    (entry,) = logs.entries()
    assert "known_channel" in entry["exception"]
    assert SECRET not in logs.text
