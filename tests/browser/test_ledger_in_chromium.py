"""The ledger's pages in Chromium at 360 × 740: dispatching with a scanned barcode (the scan
field shows a bad check digit next to itself, then product, lot and expiry), receiving with
a shortfall, a physical count refused until a difference has a reason, a lot trace and a
recall, the daily doses page; a refused shipment shown to the sender as returning and
received back held with a shortfall, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Shots, fits_the_screen, kept_together, sign_in
from tests.e2e.conftest import EXPIRY_A, MMR_GTIN, Caller, Programme, gs1
from tests.pages.ledger import journey
from tests.pages.test_ledger_pages import doses_against_a_target
from tests.pages.test_shipments import stocked

pytestmark = pytest.mark.browser


def test_dispatch_with_a_scan_receive_with_a_shortfall_count_and_trace(
    admin: Caller, programme: Programme, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    p = programme
    stocked(admin, p)
    sign_in(phone, server, *account("admin"))
    phone.goto(f"{server}/shipments?facility=GD")
    phone.get_by_label("To (facility code)").fill("GD-K1-C1")
    phone.get_by_role("button", name="Plan", exact=True).click()
    expect(phone.get_by_role("heading", name="Dispatch")).to_be_visible()
    scan = phone.get_by_label("Lot (scan or type; empty: first to expire)")
    scan.fill("(01)09506000134353(10)L200")  # the scanner types, then Enter
    scan.press("Enter")
    expect(phone.get_by_text("check digit")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "scan-bad-check-digit")
    scan.fill(gs1(MMR_GTIN, "L100", EXPIRY_A))
    scan.press("Enter")
    expect(phone.get_by_text("Product MMR, lot L100")).to_be_visible()
    phone.get_by_label("Doses", exact=True).fill("100")
    phone.get_by_role("button", name="Dispatch").click()
    expect(phone.get_by_text("in transit")).to_be_visible()
    shipment_url = phone.url

    phone.get_by_label("Doses that arrived").fill("95")  # the admin receives too
    phone.get_by_role("button", name="Receive").click()
    expect(phone.get_by_text("What arrived differs from what was sent: say why.")).to_be_visible()
    shots.take(phone, "receive-refused")
    phone.get_by_label("Reason for a difference").fill("five doses frozen")
    phone.get_by_role("button", name="Receive").click()
    expect(phone.get_by_text("fewer doses arrived: 100 → 95")).to_be_visible()
    assert phone.url == shipment_url

    phone.goto(f"{server}/units/GD-K1-C1-F1/count")
    phone.get_by_label("Doses counted").fill("90")
    phone.get_by_role("button", name="Record the count").click()
    expect(phone.get_by_text("The count differs from the books: say why.")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "count-refused")
    phone.get_by_label("Reason for a difference").fill("five vials broken")
    phone.get_by_role("button", name="Record the count").click()
    expect(phone.get_by_text("The count was recorded")).to_be_visible()
    phone.goto(f"{server}/units/GD-K1-C1-F1")  # its stock, as cards at 360 px
    expect(phone.locator(".cards .card", has_text="L100")).to_have_count(1)
    assert fits_the_screen(phone)
    shots.take(phone, "unit-with-stock")

    phone.goto(f"{server}/trace")
    phone.get_by_label("Lot number or scan").fill(gs1(MMR_GTIN, "L100", EXPIRY_A))
    phone.get_by_label("Lot number or scan").press("Enter")
    expect(phone.get_by_role("heading", name="Lot L100 · MMR")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "trace")
    phone.get_by_label("Recall notice reference").fill("NMPA-2024-17")
    phone.get_by_role("button", name="Recall this lot everywhere").click()
    expect(phone.get_by_text("The lot is recalled and on hold everywhere.")).to_be_visible()
    shots.take(phone, "recalled")

    phone.goto(f"{server}/doses?facility=GD&day=2024-03-01")
    expect(phone.get_by_role("heading", name="Daily doses")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "doses")


def test_a_refused_shipment_is_received_back_held_in_english_and_chinese(
    admin: Caller, programme: Programme, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    p = programme
    stocked(admin, p)
    sign_in(phone, server, *account("admin"))
    phone.goto(f"{server}/shipments?facility=GD")
    phone.get_by_label("To (facility code)").fill("GD-K1")
    phone.get_by_role("button", name="Plan", exact=True).click()
    phone.get_by_label("Doses", exact=True).fill("100")
    phone.get_by_role("button", name="Dispatch").click()
    expect(phone.get_by_text("in transit")).to_be_visible()
    shipment_url = phone.url
    shipment_id = shipment_url.rstrip("/").rsplit("/", 1)[-1]
    logger = {"sensor_id": "TL-BOX"}
    admin.ok(admin.post(f"/shipments/{shipment_id}/loggers", logger, key=None), 201)
    phone.reload()
    phone.get_by_label("Why (the doses go back to the sender, held)").fill("box open and warm")
    phone.get_by_role("button", name="Refuse", exact=True).click()
    expect(phone.get_by_text("The doses are on their way back to the sender")).to_be_visible()
    # the logger stays in the box: the way back has its own record
    expect(phone.get_by_role("heading", name="Temperature on the way back")).to_be_visible()
    expect(phone.get_by_role("heading", name="Receive the return")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "returning")
    phone.goto(f"{server}/shipments?facility=GD")
    expect(phone.get_by_role("heading", name="Returning")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "shipments-returning")

    phone.goto(f"{server}/")
    phone.get_by_label("Language").select_option("zh_Hans")
    phone.get_by_role("button", name="Change").click()
    phone.goto(shipment_url)
    expect(phone.get_by_role("heading", name="接收退回")).to_be_visible()
    expect(phone.get_by_role("heading", name="返程途中温度")).to_be_visible()
    expect(phone.get_by_text("途中没有任何读数").first).to_be_visible()  # why, in Chinese too
    assert "no reading during the journey" not in phone.content()
    assert fits_the_screen(phone)
    shots.take(phone, "returning-zh")
    phone.get_by_label("退回的剂次").fill("90")
    phone.get_by_role("button", name="接收退回").click()
    expect(phone.get_by_text("退回数量与发出数量不符：请说明原因。")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "return-refused-zh")
    phone.get_by_label("差异原因").fill("回程中冻结十剂")
    phone.get_by_role("button", name="接收退回").click()
    expect(phone.get_by_text("发货方已于")).to_be_visible()
    assert phone.url == shipment_url
    assert fits_the_screen(phone)
    shots.take(phone, "returned-zh")
    held = admin.ok(admin.get("/stock", storage_unit_id=p.province_unit))
    assert sorted((x["usable"]["doses"], x["held"]["doses"]) for x in held["lines"]) == [
        (200, 90),
        (300, 0),
    ]
    phone.goto(f"{server}/shipments?facility=GD")
    expect(phone.get_by_text("已退回发货方").first).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "shipments-zh")


def test_the_daily_doses_chart_at_360_px_in_english_and_chinese(
    admin: Caller, programme: Programme, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    doses_against_a_target(admin, programme)
    sign_in(phone, server, *account("admin"))
    phone.goto(f"{server}/doses?facility=GD-K1-C1&day=2024-03-01")
    chart = phone.locator("figure.coverage-chart svg")
    expect(chart).to_have_count(2)
    box = chart.first.bounding_box()
    assert box is not None and box["width"] <= 360 and box["height"] > 100
    expect(phone.get_by_text("doses to date 41")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "doses-chart")
    phone.get_by_label("Language").select_option("zh_Hans")
    phone.get_by_role("button", name="Change").click()
    phone.goto(f"{server}/doses?facility=GD-K1-C1&day=2024-03-01")
    expect(phone.get_by_text("累计剂次 41")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "doses-chart-zh")


def test_stock_a_shipment_and_the_trace_in_chinese_at_360_px(
    admin: Caller, programme: Programme, server: str, phone: Page, account: Any, shots: Shots
) -> None:
    """What a clinic nurse reads on a cheap phone: the stock, a dispatch and a receipt, a
    lot's trace, each in Chinese, nothing wider than the screen, no date or quantity broken
    from its unit."""
    p = programme
    journey(admin, p)  # L100: 500 at the province, 200 sent to the clinic, 190 arrived
    admin.ok(
        admin.post("/movements/receipts", {**_at(p.province_unit, p.lot_b), "doses": 300}), 201
    )
    sign_in(phone, server, *account("admin"))
    phone.get_by_label("Language").select_option("zh_Hans")
    phone.get_by_role("button", name="Change").click()

    phone.goto(f"{server}/stock?facility=GD")
    expect(phone.get_by_role("heading", name="GD 的库存")).to_be_visible()
    assert "L100" in phone.locator("main").inner_text()
    assert fits_the_screen(phone) and kept_together(phone) >= 2  # the lots' expiry dates
    shots.take(phone, "stock-zh")

    phone.goto(f"{server}/shipments?facility=GD")
    phone.get_by_label("收货单位编码").fill("GD-K1")
    phone.get_by_role("button", name="计划", exact=True).click()
    expect(phone.get_by_role("heading", name="发运")).to_be_visible()
    fefo = phone.locator("main ol").inner_text()
    assert "剂" in fefo and "年" in fefo  # "MMR · L100 · 2030年1月31日 · 300 剂"
    assert fits_the_screen(phone) and kept_together(phone) >= 4
    shots.take(phone, "dispatch-zh")
    phone.get_by_label("剂次", exact=True).fill("50")
    phone.get_by_role("button", name="发运").click()
    expect(phone.get_by_role("heading", name="接收")).to_be_visible()
    phone.get_by_label("实收剂次").fill("48")
    phone.get_by_role("button", name="接收").click()
    expect(phone.get_by_text("实收与发出不符：请说明原因。")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "receive-refused-zh")

    phone.goto(f"{server}/trace")
    phone.get_by_label("批号或扫码").fill("L100")
    phone.get_by_label("批号或扫码").press("Enter")
    # BCG has a lot L100 too: the choice names each lot's expiry as the page's dates do
    expect(phone.get_by_role("link", name="MMR · L100 · 2030年1月31日")).to_be_visible()
    assert fits_the_screen(phone)
    shots.take(phone, "trace-choice-zh")
    phone.get_by_role("link", name="MMR · L100 · 2030年1月31日").click()
    expect(phone.get_by_role("heading", name="批号 L100 · MMR")).to_be_visible()
    trace = phone.locator("main").inner_text()
    assert "流向" in trace and "：" in trace and "one box crushed" in trace
    assert fits_the_screen(phone) and kept_together(phone) >= 1
    shots.take(phone, "trace-zh")


def _at(unit: int, lot: int) -> dict[str, int]:
    return {"storage_unit_id": unit, "lot_id": lot}
