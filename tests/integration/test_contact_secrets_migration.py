"""Migration 0009 seals the webhook secrets stored in plain text before it, with the key
``coldchain db upgrade`` passes in; without a key it stops, keeping them, and says why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import text

from coldchain import db
from ingest.notify.secret_box import SecretBox

BEFORE = "0009_contact_secrets-1"  # the revision before this one, wherever it is chained
PLAIN = "an-old-plain-secret-of-ops"


def _database_with_a_plain_secret(url: str) -> None:
    command.downgrade(db.alembic_config(url), BEFORE)
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO alarm_contacts (facility_code, channel, address, name, secret,"
                " active, created_at) VALUES ('clinic-1', 'webhook', 'https://ops.example/h',"
                " 'Ops', :secret, :active, :at)"
            ),
            {"secret": PLAIN, "active": True, "at": datetime.now(UTC)},
        )
    engine.dispose()


def _sealed(url: str) -> list[str | None]:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        found = list(conn.execute(text("SELECT sealed_secret FROM alarm_contacts")).scalars())
    engine.dispose()
    return found


def test_upgrading_seals_the_plain_secrets_with_the_key(database_url: str) -> None:
    _database_with_a_plain_secret(database_url)
    key = Fernet.generate_key().decode()
    db.upgrade(database_url, secret_key=key)
    [sealed] = _sealed(database_url)
    assert sealed is not None and PLAIN not in sealed
    assert SecretBox.from_setting(key).open(sealed) == PLAIN


def test_without_a_key_the_upgrade_stops_keeping_the_secrets_and_can_be_run_again(
    database_url: str,
) -> None:
    _database_with_a_plain_secret(database_url)
    with pytest.raises(RuntimeError, match=r"1 webhook secret.*COLDCHAIN_SECRET_KEY"):
        db.upgrade(database_url)
    key = Fernet.generate_key().decode()
    db.upgrade(database_url, secret_key=key)  # nothing half-done was left behind
    [sealed] = _sealed(database_url)
    assert sealed is not None and SecretBox.from_setting(key).open(sealed) == PLAIN
