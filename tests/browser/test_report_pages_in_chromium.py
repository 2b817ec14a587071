"""The report pages in a real headless Chromium at 360 × 740, in English and in Chinese: each
report opened from the Reports menu, its chart drawn (an SVG as wide as the screen, no
wider), its table scrolling inside its own box, the form used by keyboard only; a
screenshot of each under the test's tmp_path."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, Shots, fits_the_screen, sign_in
from tests.e2e.conftest import Caller, Programme
from tests.e2e.telemetry_feed import Feed
from tests.pages.ledger import journey

pytestmark = pytest.mark.browser
DESK = {"width": 1280, "height": 800}

REPORTS = {
    "cold-chain": ("Cold-chain performance", "冷链表现"),
    "stock-status": ("Stock status", "库存状况"),
    "wastage": ("Wastage", "损耗"),
    "allocations": ("Allocation fulfilment", "分配完成情况"),
}
MARCH = "first=2024-03-01&last=2024-03-31"
QUERIES = {
    "cold-chain": "facility=GD-K1&first=2024-03-01&last=2024-03-01",
    "stock-status": "facility=GD",
    "wastage": f"facility=GD-K1&{MARCH}",
    "allocations": f"facility=GD-K1&product=MMR&{MARCH}",
}


def _chart_fits(phone: Page) -> None:
    svg = phone.locator("figure.report-chart svg").first
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box is not None and 300 <= box["width"] <= PHONE["width"], box
    assert fits_the_screen(phone)


def test_every_report_at_360_px_in_english_and_chinese(
    fed: Feed,
    admin: Caller,
    programme: Programme,
    server: str,
    phone: Page,
    account: Any,
    shots: Shots,
) -> None:
    journey(admin, programme)
    waste = {"storage_unit_id": programme.clinic_unit, "lot_id": programme.lot_a, "doses": 4}
    admin.ok(admin.post("/movements/wastage", {**waste, "reason": "opened_vial_discarded"}), 201)
    admin.ok(admin.post("/movements/wastage", {**waste, "doses": 6, "reason": "broken"}), 201)
    # a month of consumption before this one (the stock's AMC) and the county's own levels
    given = {"storage_unit_id": programme.clinic_unit, "lot_id": programme.lot_a, "doses": 60}
    early = {**given, "doses": 100, "occurred_at": "2024-02-01T10:00:00+08:00"}
    admin.ok(admin.post("/movements/receipts", early), 201)
    february = {**given, "dose_number": 1, "occurred_at": "2024-02-10T10:00:00+08:00"}
    admin.ok(admin.post("/movements/administrations", february), 201)
    levels = {"facility_id": programme.county, "product_id": programme.mmr}
    admin.ok(admin.put("/stock-levels", {**levels, "min_months": 1, "max_months": 2}))
    sign_in(phone, server, *account("supervisor", programme.province))

    phone.get_by_role("link", name="Reports", exact=True).click()
    expect(phone.get_by_role("heading", name="Reports")).to_be_visible()
    shots.take(phone, "reports-en")
    for name, (english, _chinese) in REPORTS.items():
        phone.goto(f"{server}/reports/{name}?{QUERIES[name]}")
        expect(phone.get_by_role("heading", name=english, exact=True)).to_be_visible()
        _chart_fits(phone)
        table = phone.locator(".table-wrap").first
        assert table.evaluate("e => e.scrollWidth > e.clientWidth")  # scrolls in its box
        shots.take(phone, f"{name}-en")

    # the form by keyboard only: the product chosen, then the form sent with Enter
    phone.goto(f"{server}/reports/wastage?{QUERIES['wastage']}")
    phone.get_by_label("Product", exact=True).focus()
    phone.keyboard.press("ArrowDown")  # "All products" → BCG
    phone.keyboard.press("ArrowDown")  # → MMR
    expect(phone.get_by_label("Product", exact=True)).to_have_value("MMR")
    phone.get_by_label("Product", exact=True).press("Tab")
    phone.keyboard.press("Enter")  # the Show button has the focus
    phone.wait_for_url("**/reports/wastage?*product=*")
    _chart_fits(phone)

    phone.get_by_label("First day", exact=True).fill("2024-03-31")
    phone.get_by_label("Last day", exact=True).fill("2024-03-01")
    phone.get_by_role("button", name="Show").click()
    expect(phone.get_by_text("The last day is before the first.")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "wastage-refused-en")

    phone.get_by_label("Language").select_option("zh_Hans")
    phone.get_by_role("button", name="Change").click()
    for name, (_english, chinese) in REPORTS.items():
        phone.goto(f"{server}/reports/{name}?{QUERIES[name]}")
        expect(phone.get_by_role("heading", name=chinese, exact=True)).to_be_visible()
        _chart_fits(phone)
        shots.take(phone, f"{name}-zh")


def test_a_manager_reads_the_reports_and_the_doses_on_a_desk_in_english(
    fed: Feed,
    admin: Caller,
    programme: Programme,
    server: str,
    browser: Browser,
    account: Any,
    shots: Shots,
) -> None:
    """At 1280 × 800 the charts keep a readable size (their labels do not grow to twice the
    page's text), the figures' tables use the wide screen, and the dates name the month."""
    journey(admin, programme)
    waste = {"storage_unit_id": programme.clinic_unit, "lot_id": programme.lot_a, "doses": 4}
    admin.ok(admin.post("/movements/wastage", {**waste, "reason": "broken"}), 201)
    context = browser.new_context(viewport=DESK, device_scale_factor=1, locale="en-GB")
    desk = context.new_page()
    sign_in(desk, server, *account("viewer", programme.province))
    for name in REPORTS:
        desk.goto(f"{server}/reports/{name}?{QUERIES[name]}")
        box = desk.locator("figure.report-chart svg").first.bounding_box()
        assert box is not None and 400 <= box["width"] <= 470, box
        table = desk.locator(".table-wrap").first.bounding_box()
        assert table is not None and table["width"] > 1200, table  # wider than a page of text
        assert "Mar 2024" in desk.locator("h2").first.inner_text()  # 1 Mar 2024, not 3/1/24
        shots.take(desk, f"{name}-desk")
    desk.goto(f"{server}/doses?facility=GD&day=2024-03-01")
    box = desk.locator("figure.coverage-chart svg").first.bounding_box()
    assert box is not None and box["width"] <= 470, box
    expect(desk.locator("figure.coverage-chart").first).to_contain_text("1 Mar 2024")
    shots.take(desk, "doses-desk")
    context.close()
