"""A locked ledger never holds up an MQTT acknowledgement: while another session holds the
ledger's tables locked for 30 s, the real ``coldchain ingest`` process keeps storing and
acknowledging readings, raises the WHO heat alarm, and only the exposure, notice and
quarantine wait; once the lock goes they follow, with the exposed lots.

PostgreSQL only: there the ledger's lock is a table lock other tables do not share. (SQLite
has one write lock for the whole file, telemetry and alarms included.)
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from coldchain import db
from ingest.notify.contacts import add_contact
from ingest.queries import EmbeddedTelemetryReader
from tests.e2e.excursion_world import (
    CLINIC,
    FRIDGE,
    READINGS,
    excursion_messages,
    ingest_env,
    lot_doses,
    seed_clinic,
)
from tests.integration.ingest.harness import IngestProcess, Publisher
from tests.integration.notify.receivers import HttpReceiver, wait_until
from tests.servers import Mosquitto, free_port
from tests.unit.notify.builders import LOCAL_WEBHOOKS

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LOCK_S = 30.0
EXPOSED = {"HB-A": 400, "MR-B": 300, "MR-D": 150}


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    eng = db.make_engine(postgres_url)
    yield eng
    eng.dispose()


def acked(metrics_port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("coldchain_ingest_messages_acked_total"):
                return float(line.split()[-1])
    return 0.0


def test_readings_are_stored_and_acked_while_the_ledger_is_locked_for_30_seconds(
    engine: Engine, postgres_url: str, mosquitto: Mosquitto, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ledger = seed_clinic(engine, now)
    webhook = HttpReceiver()
    add_contact(
        engine, CLINIC, "webhook", webhook.url(), "clinic nurse on duty", webhook=LOCAL_WEBHOOKS
    )
    metrics_port = free_port()
    env = ingest_env(
        mosquitto,
        postgres_url,
        COLDCHAIN_INGEST_METRICS_PORT=str(metrics_port),
        COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",  # the test's receiver
    )
    ingest = IngestProcess(env, tmp_path / "ingest.log").start()
    logger = Publisher(mosquitto, client_id="logger-cln1-fr1")
    lock = engine.connect()
    try:
        tx = lock.begin()
        lock.execute(text("LOCK TABLE movement_lines, balances, accounts IN ACCESS EXCLUSIVE MODE"))
        locked_at = time.monotonic()
        messages = excursion_messages(ledger)
        logger.publish(messages)
        logger.settle()
        reader = EmbeddedTelemetryReader(engine)
        start = ledger.start

        def all_stored() -> bool:
            stored = reader.raw_readings(FRIDGE, start=start, end=now)
            return len(stored) >= READINGS

        wait_until(all_stored, LOCK_S - 8, "every reading stored while the ledger is locked")
        wait_until(lambda: acked(metrics_port) >= len(messages), 5, "every message acked")
        with engine.connect() as conn:
            alarm = conn.execute(
                text("SELECT key, exposed_lots FROM alarms WHERE type = 'who-heat'")
            ).one()
        assert alarm.exposed_lots is None  # its exposure waits for the ledger
        assert webhook.received() == []
        assert time.monotonic() - locked_at < LOCK_S
        time.sleep(max(0.0, LOCK_S - (time.monotonic() - locked_at)))
        tx.rollback()
    finally:
        lock.close()

    def heat_notice() -> list[dict[str, object]]:
        bodies = [json.loads(request.body) for request in webhook.received()]
        return [b for b in bodies if b["kind"] == "raised" and b["rule_id"] == "who-heat"]

    wait_until(lambda: bool(heat_notice()), 60, "the who-heat notice after the lock")
    [notice] = heat_notice()
    assert notice["key"] == alarm.key
    assert lot_doses(notice["exposed_lots"]) == EXPOSED  # type: ignore[arg-type]
    with engine.connect() as conn:

        def quarantined() -> bool:
            row = conn.execute(
                text("SELECT quarantined_at FROM alarms WHERE key = :k"), {"k": alarm.key}
            ).one()
            conn.rollback()
            return row.quarantined_at is not None

        wait_until(quarantined, 30, "the exposed lots quarantined")
    ingest.terminate()
    logger.close()
    webhook.close()
