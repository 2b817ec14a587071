"""The alarm list, an alarm, the count sheet and a stock card in Chinese at 360 × 740:
names instead of rule ids, nothing wider than the phone, the count refused until each
lot's difference has its reason and the reason then on that lot's stock card."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Shots, fits_the_screen, kept_together, sign_in
from tests.e2e.conftest import Caller, Programme
from tests.e2e.telemetry_feed import Feed
from tests.pages.ledger import journey

pytestmark = pytest.mark.browser
COUNT_UNIT = "GD-K1-C1-F1"


def test_alarms_and_a_count_in_chinese_on_a_phone(
    fed: Feed,
    admin: Caller,
    programme: Programme,
    server: str,
    phone: Page,
    account: Any,
    shots: Shots,
) -> None:
    journey(admin, programme)  # 160 doses of L100 in the clinic fridge
    extra = {"storage_unit_id": programme.clinic_unit, "lot_id": programme.lot_b, "doses": 40}
    admin.ok(admin.post("/movements/receipts", extra), 201)
    sign_in(phone, server, *account("admin"))
    phone.get_by_label("Language").select_option("zh_Hans")
    phone.get_by_role("button", name="Change").click()
    expect(phone.get_by_role("heading", name="设备状态")).to_be_visible()

    phone.goto(f"{server}/alarms?state=all")
    expect(phone.get_by_role("heading", name="报警")).to_be_visible()
    cards = phone.locator("ul.cards").inner_text()
    assert "early-heat" not in cards and "who-heat" not in cards
    assert fits_the_screen(phone)
    assert kept_together(phone) >= 10  # raised, open for / cleared, doses exposed: one line each
    shots.take(phone, "alarms-zh")
    phone.locator(".card a").first.click()
    expect(phone.get_by_role("heading", name="确认处理")).to_be_visible()
    title = phone.locator("h1").inner_text()
    assert title.startswith(("报警：", "预警：")) and "-heat" not in title
    assert fits_the_screen(phone)
    shots.take(phone, "alarm-zh")

    phone.goto(f"{server}/units/{COUNT_UNIT}/count")
    counted = phone.get_by_label("清点剂次")
    counted.nth(0).fill("150")
    counted.nth(1).fill("41")
    phone.get_by_label("差异原因").nth(0).fill("药瓶破损")
    phone.get_by_role("button", name="提交盘点").click()
    expect(phone.get_by_text("清点数与账面不符：请说明原因。")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "count-refused-zh")
    phone.get_by_label("差异原因").nth(1).fill("冰排后面找到一盒")
    phone.get_by_role("button", name="提交盘点").click()
    expect(phone.locator("p.notice")).to_be_visible()
    shots.take(phone, "count-done-zh")

    phone.goto(f"{server}/stock/card?unit={programme.clinic_unit}&lot={programme.lot_b}")
    card = phone.locator("main").inner_text()
    assert "冰排后面找到一盒" in card and "药瓶破损" not in card
    assert "实物盘点" in card and "剂次变动" in card and "adjustment" not in card
    assert fits_the_screen(phone)
    assert kept_together(phone) == 3  # "有效期 2031年6月30日" and each entry's moment
    shots.take(phone, "stock-card-zh")
