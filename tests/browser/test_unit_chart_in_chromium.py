"""A storage unit's chart in a real Chromium at 360 px: it refreshes itself (htmx re-fetches
``/units/{code}/chart``; the test fires the refresh instead of waiting the minute) and a
reading stored meanwhile appears, drawn again once; on 30 and 90 days the door and power
events are counted per period."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ingest.readings import Reading
from tests.browser.conftest import Shots, fits_the_screen, sign_in
from tests.e2e.telemetry_feed import CLINIC, CLINIC_UNIT_2, Feed, sensor_of
from tests.pages.conftest import NOW
from tests.unit.alarms.fakes import T0, reading

pytestmark = pytest.mark.browser


def at(minute: float, temp: float = 5.0, **flags: Any) -> Reading:
    sensor = sensor_of(CLINIC_UNIT_2)
    one = reading(minute, temp, unit=CLINIC_UNIT_2, facility=CLINIC, sensor=sensor)
    return dataclasses.replace(one, **flags)


def chart_data(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(page.locator("#chart-data").text_content() or "{}")
    return data


def test_the_chart_refreshes_with_a_new_reading(
    fed: Feed, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    sign_in(phone, server, *account("admin"))
    phone.goto(f"{server}/units/{CLINIC_UNIT_2}")
    expect(phone.locator("#chart canvas")).to_have_count(1)
    expect(phone.locator("p.now")).to_contain_text("Now 5.0 °C")
    phone.get_by_text("The readings as a table").click()  # open: stays open after a refresh
    shots.take(phone, "unit-before")

    minutes = (NOW - T0) / timedelta(minutes=1) - 5
    assert fed.sink.write([at(minutes, 7.3)]).rejected == ()
    phone.evaluate("htmx.trigger('#unit-chart', 'refresh')")  # what every 60 s does
    expect(phone.locator("p.now")).to_contain_text("Now 7.3 °C")
    assert chart_data(phone)["max"][-1] == 7.3
    expect(phone.locator("#chart canvas")).to_have_count(1)  # drawn again, not twice
    expect(phone.locator("#unit-chart details")).to_have_attribute("open", "")
    expect(phone.locator("#unit-chart tbody tr").first).to_contain_text("7.3 °C")
    assert fits_the_screen(phone)
    shots.take(phone, "unit-refreshed")

    phone.context.clear_cookies()  # the session ended: the next refresh signs in again
    phone.evaluate("htmx.trigger('#unit-chart', 'refresh')")
    expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
    assert phone.url.endswith(f"/sign-in?next=/units/{CLINIC_UNIT_2}")
    expect(phone.locator("#unit-chart")).to_have_count(0)  # the whole page, not a part


def test_long_ranges_count_door_and_power_events_per_period(
    fed: Feed, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    day = 24 * 60
    readings = [at(-10 * day, power_on=False), at(-10 * day + 300, power_on=True)]
    for d in (3, 3, 3, 5, 20, 40, 60):  # three openings on one day, one on others
        start = -d * day + 60 * len(readings)
        readings += [at(start, door_open=True), at(start + 10, door_open=False)]
    assert fed.sink.write(readings).rejected == ()
    sign_in(phone, server, *account("admin"))
    for name in ("30d", "90d"):
        phone.goto(f"{server}/units/{CLINIC_UNIT_2}?range={name}")
        expect(phone.locator("#chart canvas")).to_have_count(1)
        counts = chart_data(phone)["counts"]
        assert sum(c[1] for c in counts) == (7 if name == "90d" else 5)
        assert sum(c[2] for c in counts) == 1
        table = phone.locator("table.event-counts")
        expect(table.get_by_role("columnheader", name="Door openings")).to_be_visible()
        assert fits_the_screen(phone)
        shots.take(phone, f"unit-events-{name}")
        phone.locator("#chart").screenshot(path=str(shots.folder / f"chart-events-{name}.png"))


def test_the_unit_and_alarm_pages_in_chinese_at_360_px(
    fed: Feed, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    assert fed.sink.write([at(-3 * 24 * 60, door_open=True)]).rejected == ()
    sign_in(phone, server, *account("admin"))
    phone.get_by_label("Language").select_option("zh_Hans")
    phone.get_by_role("button", name="Change").click()
    expect(phone.get_by_role("heading", name="设备状态")).to_be_visible()
    phone.goto(f"{server}/units/{CLINIC_UNIT_2}?range=30d")
    expect(phone.locator("table.event-counts")).to_contain_text("开门次数")
    expect(phone.get_by_text("图中的条形")).to_be_visible()
    expect(phone.locator("ul.days li").first).to_contain_text("最低 / 最高：")  # a full-width colon
    assert fits_the_screen(phone)
    shots.take(phone, "unit-zh-30d")
    phone.goto(f"{server}/alarms")
    phone.locator(".card a").first.click()
    expect(phone.locator("h1")).to_contain_text("：")
    assert fits_the_screen(phone)
    shots.take(phone, "alarm-zh")
