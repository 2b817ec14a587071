"""A fridge warms up, and the programme answers: readings published over real MQTT to the
real ``coldchain ingest`` process cross the WHO heat alarm; the clinic's webhook hears it
with the exposed lots; the episode keeps exactly the lots that were in the fridge during it
(from the ledger's storage history); those lots are quarantined and cannot be given; and a
replay of the same readings, to the same process and to a new one, changes nothing.

The world (ledger, readings, times) is laid out in ``tests/e2e/excursion_world.py``. Real
servers: Mosquitto (``mosquitto``), the ingest subprocess on the embedded telemetry store,
an HTTP receiver for the webhook, and the database of ``database_url`` (SQLite and
PostgreSQL), read back through the API (TestClient) with a clinic staff token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ingest.models import NotificationOutboxRow
from ingest.notify.contacts import add_contact
from ingest.queries import EmbeddedTelemetryReader
from tests.e2e.conftest import ApiAs, Caller
from tests.e2e.excursion_world import (
    CLINIC,
    CLOSES,
    FIRES,
    FRIDGE,
    HOT,
    READINGS,
    ClinicLedger,
    excursion_messages,
    ingest_env,
    lot_doses,
    one_reading,
    seed_clinic,
)
from tests.integration.ingest.harness import IngestProcess, Publisher
from tests.integration.notify.receivers import HttpReceiver, wait_until
from tests.servers import Mosquitto
from tests.unit.notify.builders import LOCAL_WEBHOOKS

EXPOSED = {"HB-A": 400, "MR-B": 300, "MR-D": 150}  # not HB-C (left), not HB-E (came later)
WAIT_S = 60.0  # generous bounds: these are waits for behaviour, not speed tests

MakeIngest = Callable[[], IngestProcess]


@pytest.fixture
def webhook() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def make_ingest(mosquitto: Mosquitto, database_url: str, tmp_path: Path) -> Iterator[MakeIngest]:
    """Start a `coldchain ingest` process (same MQTT session each time)."""
    started: list[IngestProcess] = []

    def make() -> IngestProcess:
        # The test's webhook receiver is on 127.0.0.1: allowed as an in-house receiver.
        env = ingest_env(
            mosquitto, database_url, COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS="127.0.0.1"
        )
        process = IngestProcess(env, tmp_path / "ingest.log")
        started.append(process)
        return process.start()

    yield make
    for process in started:
        process.ensure_stopped()


@pytest.fixture
def logger(mosquitto: Mosquitto) -> Iterator[Publisher]:
    """The fridge's data logger: QoS 1, resends whatever the broker did not acknowledge."""
    publisher = Publisher(mosquitto, client_id="logger-cln1-fr1")
    yield publisher
    publisher.close()


def test_a_heat_excursion_alarms_the_clinic_and_quarantines_exactly_the_exposed_lots(
    engine: Engine,
    webhook: HttpReceiver,
    make_ingest: MakeIngest,
    logger: Publisher,
    api_as: ApiAs,
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ledger = seed_clinic(engine, now)
    add_contact(
        engine, CLINIC, "webhook", webhook.url(), "clinic nurse on duty", webhook=LOCAL_WEBHOOKS
    )
    staff = api_as("staff", facility_id=ledger.clinic)
    ingest = make_ingest()

    logger.publish(excursion_messages(ledger))
    logger.settle()

    notice = _one_notice(webhook, "raised", "who-heat")
    assert (notice["facility"], notice["unit"], notice["severity"]) == (CLINIC, FRIDGE, "alarm")
    assert _time(notice["started_at"]) == ledger.at(HOT.start)
    assert _time(notice["fired_at"]) == ledger.at(FIRES)
    assert notice["peak_c"] == 12.0
    assert lot_doses(notice["exposed_lots"]) == EXPOSED
    assert notice["exposed_doses"] == sum(EXPOSED.values())
    assert "who-heat" in notice["message"] and "850 doses exposed" in notice["message"]

    episode = _settled_episode(staff)
    assert (_time(episode["start_at"]), _time(episode["end_at"])) == (
        ledger.at(HOT.start),
        ledger.at(CLOSES),
    )
    assert lot_doses(episode["exposed_lots"]) == EXPOSED
    assert episode["exposed_doses"] == sum(EXPOSED.values())
    assert episode["quarantine_scope"] == "all" and episode["max_c"] == 12.0
    [alarm] = staff.ok(staff.get("/alarms", unit=FRIDGE, type="who-heat"))
    assert (alarm["key"], alarm["state"]) == (notice["key"], "cleared")
    assert alarm["rule"]["threshold_c"] == 8.0 and alarm["rule"]["minutes"] == 600
    assert lot_doses(alarm["exposed_lots"]) == EXPOSED and alarm["quarantined_at"] is not None

    _assert_quarantined(staff, ledger)
    held = [
        entry
        for number in EXPOSED
        for entry in staff.ok(
            staff.get("/stock-card", storage_unit_id=ledger.fridge, lot_id=ledger.lots[number])
        )["entries"]
        if entry["kind"] == "quarantine"
    ]
    assert len({e["movement_id"] for e in held}) == 1  # every exposed lot, one transaction
    assert {e["reference"] for e in held} == {notice["key"]}  # citing the alarm
    assert sorted(e["lot_number"] for e in held) == sorted(EXPOSED)

    # Replay: the logger republishes everything, first to the same process, then to a new
    # one (its detector rebuilt from the store): no second alarm, episode or notice.
    replay = Replay(engine, webhook, logger, staff, ledger)
    replay.publish_all_again(sentinel_at=now - timedelta(minutes=2))
    replay.assert_nothing_new()
    ingest.terminate()
    make_ingest()
    replay.publish_all_again(sentinel_at=now - timedelta(minutes=1))
    replay.assert_nothing_new()

    _assert_exposed_lots_cannot_be_given(staff, ledger)


class Replay:
    """The logger sending its whole buffer again, then one new reading (the sentinel): once
    the sentinel is stored, ingest has observed everything published before it."""

    def __init__(
        self,
        engine: Engine,
        webhook: HttpReceiver,
        logger: Publisher,
        staff: Caller,
        ledger: ClinicLedger,
    ) -> None:
        self.engine, self.webhook, self.logger = engine, webhook, logger
        self.staff, self.ledger = staff, ledger
        self.reader = EmbeddedTelemetryReader(engine)
        self.expected_readings = READINGS

    def publish_all_again(self, sentinel_at: datetime) -> None:
        sentinel = one_reading(sentinel_at, 5.0, self.expected_readings)
        self.logger.publish([*excursion_messages(self.ledger, per_message=50), sentinel])
        self.logger.settle()
        self.expected_readings += 1
        wait_until(
            lambda: len(self.stored()) >= self.expected_readings,
            WAIT_S,
            f"{self.expected_readings} readings stored",
        )
        _wait_for_outbox_drained(self.engine)

    def stored(self) -> list[int]:
        start = self.ledger.start
        readings = self.reader.raw_readings(FRIDGE, start=start, end=start + timedelta(days=1))
        return [r.device_time_ns for r in readings]

    def assert_nothing_new(self) -> None:
        staff = self.staff
        assert len(staff.ok(staff.get("/alarms", unit=FRIDGE, type="who-heat"))) == 1
        assert len(staff.ok(staff.get("/episodes", unit=FRIDGE))) == 1
        assert len(_notices(self.webhook, "raised", "who-heat")) == 1
        assert len(self.stored()) == self.expected_readings  # each reading stored once
        _assert_quarantined(staff, self.ledger)


# --- the webhook ---


def _notices(webhook: HttpReceiver, kind: str, rule: str) -> list[dict[str, Any]]:
    bodies = [json.loads(request.body) for request in webhook.received()]
    return [b for b in bodies if b["kind"] == kind and b["rule_id"] == rule]


def _one_notice(webhook: HttpReceiver, kind: str, rule: str) -> dict[str, Any]:
    wait_until(lambda: bool(_notices(webhook, kind, rule)), WAIT_S, f"a {kind} {rule} notice")
    [notice] = _notices(webhook, kind, rule)
    return notice


def _wait_for_outbox_drained(engine: Engine) -> None:
    """Every notice enqueued so far has been delivered (none pending, none failed)."""

    def drained() -> bool:
        with engine.connect() as conn:
            statuses = conn.execute(select(NotificationOutboxRow.status)).scalars().all()
        return bool(statuses) and all(s == "delivered" for s in statuses)

    wait_until(drained, WAIT_S, "the notification outbox delivered")


# --- the ledger, through the API ---


def _settled_episode(staff: Caller) -> dict[str, Any]:
    """The fridge's one episode, once closed with its exposure saved and quarantined."""

    def settled() -> bool:
        episodes = staff.ok(staff.get("/episodes", unit=FRIDGE))
        return bool(episodes) and episodes[0]["quarantined_at"] is not None

    wait_until(settled, WAIT_S, "the episode closed, exposure saved, stock quarantined")
    [episode] = staff.ok(staff.get("/episodes", unit=FRIDGE))
    assert episode["open"] is False
    return dict(episode)


def _stock(staff: Caller, unit: int) -> dict[str, tuple[int, int]]:
    """(usable, held) doses by lot number in one storage unit."""
    stock = staff.ok(staff.get("/stock", storage_unit_id=unit))
    return {
        line["lot_number"]: (line["usable"]["doses"], line["held"]["doses"])
        for line in stock["lines"]
    }


def _assert_quarantined(staff: Caller, ledger: ClinicLedger) -> None:
    assert _stock(staff, ledger.fridge) == {
        "HB-A": (0, 400),
        "MR-B": (0, 300),
        "MR-D": (0, 150),
        "HB-E": (120, 0),  # arrived after the excursion: usable
    }
    assert _stock(staff, ledger.other_fridge) == {"HB-C": (200, 0)}  # left before it


def _assert_exposed_lots_cannot_be_given(staff: Caller, ledger: ClinicLedger) -> None:
    for number in EXPOSED:
        refused = staff.post("/movements/administrations", _given(ledger.fridge, ledger, number))
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "LotOnHold"
        assert "quarantined (DO NOT USE)" in refused.json()["detail"]
    staff.ok(staff.post("/movements/administrations", _given(ledger.fridge, ledger, "HB-E")), 201)
    other = _given(ledger.other_fridge, ledger, "HB-C")
    staff.ok(staff.post("/movements/administrations", other), 201)


def _given(unit: int, ledger: ClinicLedger, number: str) -> dict[str, Any]:
    return {"storage_unit_id": unit, "lot_id": ledger.lots[number], "doses": 1}


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
