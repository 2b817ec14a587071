"""The staff pages in a real headless Chromium at 360 × 740: signing in and out, the status
board showing the feed's alarms, acknowledging one with an action and a comment (keyboard
only for the form), switching to Chinese, and nothing wider than the phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Shots, fits_the_screen, kept_together, sign_in
from tests.e2e.conftest import Programme
from tests.e2e.telemetry_feed import CLINIC_UNIT, OTHER_UNIT, Feed

pytestmark = pytest.mark.browser


def test_signing_in_and_out(server: str, phone: Page, account: Any, shots: Shots) -> None:
    name, secret = account("admin")
    phone.goto(f"{server}/")
    expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
    phone.get_by_label("User name").fill(name)
    phone.get_by_label("Password").fill("not the password")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_text("That user name and password do not match.")).to_be_visible()
    shots.take(phone, "sign-in-refused")
    sign_in(phone, server, name, secret)
    expect(phone.get_by_role("heading", name="Status board")).to_be_visible()
    phone.get_by_role("button", name="Sign out").click()
    expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
    phone.goto(f"{server}/board")
    expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_board_shows_the_alarms_and_one_is_acknowledged(
    fed: Feed, programme: Programme, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    sign_in(phone, server, *account("staff", programme.county))
    board = phone.locator("li.unit", has_text=OTHER_UNIT)
    expect(board.get_by_text("Too warm for 30 minutes")).to_be_visible()
    expect(board.locator(".temp")).to_have_text("12.0 °C")
    assert fits_the_screen(phone)
    shots.take(phone, "board")
    board.get_by_role("link", name="Too warm for 30 minutes").click()
    expect(phone.get_by_role("heading", name="Warning: Too warm for 30 minutes")).to_be_visible()
    shots.take(phone, "alarm")
    phone.get_by_role("button", name="Acknowledge").click()  # nothing chosen: refused
    expect(phone.get_by_text("Choose what you did.")).to_be_visible()
    phone.get_by_label("Called a technician").check()
    phone.get_by_label("Comment", exact=True).fill(
        "door was left open; closed it, technician on the way"
    )
    phone.get_by_label("Comment", exact=True).press("Tab")
    phone.keyboard.press("Enter")  # the submit button has the focus
    expect(phone.get_by_text("Your acknowledgement was recorded.")).to_be_visible()
    expect(phone.get_by_text("Called a technician: door was left open")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "alarm-acknowledged")
    phone.goto(f"{server}/units/{CLINIC_UNIT}?range=7d")
    expect(phone.locator("#chart canvas")).to_have_count(1)
    assert fits_the_screen(phone)
    shots.take(phone, "unit")


def test_switching_to_chinese(
    fed: Feed, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    sign_in(phone, server, *account("admin"))
    phone.get_by_label("Language").select_option("zh_Hans")
    phone.get_by_role("button", name="Change").click()
    expect(phone.get_by_role("heading", name="设备状态")).to_be_visible()
    assert fits_the_screen(phone)
    # "已持续 36小时": the number stays with its unit on a narrow screen
    durations = phone.locator(".open-alarms .nowrap")
    expect(durations.first).to_contain_text("小时")
    assert kept_together(phone) > durations.count()  # the moments too
    shots.take(phone, "board-zh")
    phone.goto(f"{server}/alarms")
    expect(phone.get_by_role("heading", name="报警")).to_be_visible()
    phone.locator(".card a").first.click()
    expect(phone.get_by_role("heading", name="确认处理")).to_be_visible()
    raised = phone.locator("dd", has_text="已持续").inner_text()
    assert "（已持续 " in raised and raised.endswith("）")  # Chinese brackets, not "(已持续"
    assert fits_the_screen(phone) and kept_together(phone) >= 3
    shots.take(phone, "alarm-zh")
    phone.goto(f"{server}/units/{CLINIC_UNIT}")
    assert fits_the_screen(phone)
    shots.take(phone, "unit-zh")


def test_a_clinic_user_cannot_see_another_clinic(
    fed: Feed, programme: Programme, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    sign_in(phone, server, *account("staff", programme.clinic))
    expect(phone.locator("li.unit", has_text=CLINIC_UNIT)).to_have_count(1)
    expect(phone.locator("li.unit", has_text=OTHER_UNIT)).to_have_count(0)
    answer = phone.goto(f"{server}/units/{OTHER_UNIT}")
    assert answer is not None and answer.status == 404
    expect(phone.get_by_role("heading", name="Not found")).to_be_visible()
    shots.take(phone, "not-found")
