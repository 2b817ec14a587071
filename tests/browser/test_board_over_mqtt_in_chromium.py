"""The whole chain in a real Chromium: readings published over real MQTT (our own Mosquitto)
to a real ``coldchain ingest`` process on the test's database, the WHO heat rule raising
the alarm on device time, and the status board showing it worst first with its age; then
the alarm acknowledged with an action and a comment."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from api.deps import ApiDeps
from coldchain.settings import Settings
from coldchain.wiring import build_api_deps
from ingest.alarms.queries import AlarmQueries
from ingest.wire import encode_reading, topic_for
from tests.access_builders import cheap_passwords
from tests.browser.conftest import Shots, fits_the_screen, sign_in
from tests.e2e.conftest import Programme
from tests.e2e.telemetry_feed import CLINIC, CLINIC_UNIT, COUNTY, COUNTY_UNIT, OTHER_CLINIC
from tests.e2e.telemetry_feed import OTHER_UNIT as HOT_UNIT
from tests.integration.ingest.harness import PREFIX, IngestProcess, Publisher, Sent
from tests.servers import Mosquitto
from tests.unit.notify.builders import TEST_SECRET_KEY

pytestmark = pytest.mark.browser

EVERY_S = 600  # a reading every 10 minutes
HOT_FOR = timedelta(hours=13)  # WHO heat (above +8 °C for 10 hours) three hours ago


@pytest.fixture
def deps(database_url: str) -> Iterator[ApiDeps]:
    """The pages on the wall clock: the readings come over MQTT now, not from a feed."""
    built = build_api_deps(Settings(database_url=database_url, secret_key=TEST_SECRET_KEY))
    yield dataclasses.replace(built, passwords=cheap_passwords())
    built.session_factory.kw["bind"].dispose()


@pytest.fixture
def ingest(mosquitto: Mosquitto, database_url: str, tmp_path: Path) -> Iterator[IngestProcess]:
    """``python -m coldchain.cli ingest`` on the test's SQLite database (embedded store)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    env.update(
        COLDCHAIN_DATABASE_URL=database_url,
        COLDCHAIN_MQTT_URL=mosquitto.url,
        COLDCHAIN_MQTT_CLIENT_ID="ingest-board-test",
        COLDCHAIN_TELEMETRY_STORE="embedded",
        COLDCHAIN_INGEST_METRICS_PORT="0",
        COLDCHAIN_INGEST_BATCH_SECONDS="0.2",
        COLDCHAIN_SECRET_KEY=TEST_SECRET_KEY,
    )
    process = IngestProcess(env, tmp_path / "ingest.log").start()
    yield process
    assert process.terminate() == 0, process.log()[-3000:]


def readings(facility: str, unit: str, temps: list[float], end_s: int) -> list[Sent]:
    """One reading every 10 minutes, the last at ``end_s``, on the unit's sensor topic."""
    sensor = f"s-{unit}"
    start = end_s - (len(temps) - 1) * EVERY_S
    return [
        Sent(
            topic_for(PREFIX, facility, unit, sensor),
            encode_reading(sensor, start + i * EVERY_S, t, seq=i),
            sensor,
            start + i * EVERY_S,
        )
        for i, t in enumerate(temps)
    ]


def wait_for_alarm(deps: ApiDeps, unit: str, alarm_type: str, timeout: float = 60.0) -> Any:
    queries: AlarmQueries = deps.alarm_queries()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = queries.alarms(unit=unit, alarm_type=alarm_type)
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no {alarm_type} alarm on {unit} after {timeout} s")


def test_an_alarm_raised_over_mqtt_shows_on_the_board_and_is_acknowledged(
    programme: Programme,
    deps: ApiDeps,
    ingest: IngestProcess,
    mosquitto: Mosquitto,
    server: str,
    phone: Page,
    account: Any,
    shots: Shots,
) -> None:
    now_s = int(time.time())
    hot = int(HOT_FOR.total_seconds()) // EVERY_S + 1
    fleet = Publisher(mosquitto, client_id="board-fleet")
    try:
        fleet.publish(readings(CLINIC, CLINIC_UNIT, [5.0] * 12, now_s))
        fleet.publish(readings(COUNTY, COUNTY_UNIT, [4.5] * 12, now_s))
        fleet.publish(readings(OTHER_CLINIC, HOT_UNIT, [5.0] * 3 + [12.5] * hot, now_s))
        fleet.settle()
    finally:
        fleet.close()
    alarm = wait_for_alarm(deps, HOT_UNIT, "who-heat")
    # raised on device time: ten hours after the first reading above +8 °C
    first_hot = datetime.fromtimestamp(now_s - (hot - 1) * EVERY_S, UTC)
    assert alarm.raised_at == first_hot + timedelta(hours=10)

    sign_in(phone, server, *account("staff", programme.county))
    units = phone.locator("li.unit")
    expect(units.first).to_contain_text(HOT_UNIT)  # worst first
    expect(units.first.locator(".state")).to_have_text("Alarm")
    expect(units.first.locator(".temp")).to_have_text("12.5 °C")
    heat = units.first.get_by_role("link", name="Too warm for 10 hours (above +8 °C)")
    expect(heat).to_be_visible()
    expect(units.first.locator(".open-alarms li").first).to_contain_text(
        "Too warm for 10 hours (above +8 °C) — open for 3 hours"
    )  # the alarm before the warnings
    expect(phone.locator("li.unit-ok")).to_have_count(2)
    assert fits_the_screen(phone)
    shots.take(phone, "board-mqtt-alarm")

    heat.click()
    expect(phone.get_by_role("heading", name="Alarm: Too warm for 10 hours")).to_be_visible()
    phone.get_by_label("Moved the stock to another unit").check()
    phone.get_by_label("Comment", exact=True).fill("fridge failed; vaccine moved to the county")
    phone.get_by_role("button", name="Acknowledge").click()
    expect(phone.get_by_text("Your acknowledgement was recorded.")).to_be_visible()
    expect(
        phone.get_by_text("Moved the stock to another unit: fridge failed; vaccine moved")
    ).to_be_visible()
    expect(phone.get_by_text("Nothing to put on hold: no stock was in the unit")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "alarm-mqtt-acknowledged")

    phone.goto(f"{server}/board")
    first = phone.locator("li.unit").first
    expect(first).to_contain_text(HOT_UNIT)  # still in alarm until the cause is gone
    expect(first.locator(".open-alarms li", has_text="Too warm for 10 hours")).not_to_contain_text(
        "not acknowledged"
    )
    shots.take(phone, "board-mqtt-acknowledged")
    assert "Traceback" not in ingest.log()
