"""The report pages as a browser without JavaScript sees them: cold-chain performance over the
telemetry feed, stock status, wastage and allocation fulfilment over the ledger journey of
``tests/pages/ledger.py``; each with its chart (inline SVG with a title), the same figures
in a table, the drill-down, the API's CSV; scoped like the API (another district is 404 and
not offered); a bad day or product refused beside its field, never a 500."""

from __future__ import annotations

import re
from typing import Any

from api.pages.report_charts import (
    VALUE_W,
    BandRow,
    Group,
    Part,
    StackedRow,
    band_bars,
    grouped_bars,
    nice_step,
    shorten,
    stacked_bars,
)
from tests.e2e.conftest import Caller, Programme
from tests.e2e.telemetry_feed import CLINIC, CLINIC_UNIT, OTHER_CLINIC, Feed
from tests.pages.ledger import journey

MARCH = {"first": "2024-03-01", "last": "2024-03-31"}


def _svg(html: str) -> str:
    found = re.search(r"<svg .*?</svg>", html, flags=re.S)
    assert found, "no chart on the page"
    return found.group(0)


def _waste(admin: Caller, p: Programme) -> None:
    for reason, doses in (("opened_vial_discarded", 4), ("broken", 6)):
        body = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": doses}
        admin.ok(admin.post("/movements/wastage", {**body, "reason": reason}), 201)


def test_reports_are_in_the_nav_of_supervisors_and_managers(
    programme: Programme, person: Any
) -> None:
    for role in ("admin", "supervisor", "viewer"):
        page = person(role, None if role == "admin" else programme.county).get("/reports")
        assert page.status_code == 200 and 'href="/reports"' in page.text, role
        assert "/reports/cold-chain?facility=GD-K1" in page.text or role == "admin"
    nurse = person("staff", programme.clinic)
    assert 'href="/reports"' not in nurse.get("/board").text
    # the API lets staff read their own subtree's reports, so the page does too
    assert nurse.get("/reports/stock-status").status_code == 200


def test_cold_chain_performance_chart_table_drill_down_and_csv(
    fed: Feed, programme: Programme, person: Any
) -> None:
    boss = person("supervisor", programme.county)
    page = boss.get("/reports/cold-chain", facility="GD-K1", first="2024-03-01", last="2024-03-01")
    assert page.status_code == 200, page.text
    svg = _svg(page.text)
    assert 'role="img"' in svg and "<title" in svg and "Time in range, too hot" in svg
    assert 'class="bar-too_hot"' in svg and 'class="bar-unknown"' in svg
    assert f'href="/reports/cold-chain?facility={CLINIC}&amp;first=2024-03-01' in page.text
    assert "<table" in page.text and "Median time to acknowledge" in page.text
    clinic = boss.get("/reports/cold-chain", facility=CLINIC, first="2024-03-01", last="2024-03-01")
    assert clinic.status_code == 200 and f"Unit {CLINIC_UNIT}" in clinic.text
    assert "Too warm for 10 hours" in clinic.text  # the who-heat alarm, in words
    csv = boss.get(
        "/reports/cold-chain.csv", facility=CLINIC, first="2024-03-01", last="2024-03-01"
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith("\ufeff".encode()) and b"\r\n" in csv.content
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("first_day,last_day,scope,facility,unit")
    assert any(line.split(",")[4] == CLINIC_UNIT for line in lines[1:])
    assert "cold-chain-GD-K1-C1-2024-03-01-2024-03-01.csv" in csv.headers["content-disposition"]


def test_stock_status_bands_and_expiring_lots(
    admin: Caller, programme: Programme, person: Any
) -> None:
    journey(admin, programme)
    boss = person("admin")
    page = boss.get("/reports/stock-status", facility="GD")
    assert page.status_code == 200, page.text
    svg = _svg(page.text)
    assert 'class="bar-band"' in svg and "Months of stock against the minimum" in svg
    assert "GD · MMR" in svg and "GD-K1 · MMR" in svg
    assert "GD-K1-C1 · MMR" not in svg  # the facility and one level below only
    assert "Lots that will expire before they are used" in page.text
    assert 'href="/reports/stock-status?facility=GD-K1"' in page.text
    only = boss.get("/reports/stock-status", facility="GD", product="BCG")
    assert only.status_code == 200 and "No stock and no consumption." in only.text  # no BCG
    csv = boss.get("/reports/stock-status.csv", facility="GD")
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
    assert csv.content.decode("utf-8-sig").startswith("day,facility,name,level,product")


def test_wastage_by_reason_with_rates_and_drill_down(
    admin: Caller, programme: Programme, person: Any
) -> None:
    journey(admin, programme)
    _waste(admin, programme)
    boss = person("supervisor", programme.county)
    page = boss.get("/reports/wastage", facility="GD-K1", **MARCH)
    assert page.status_code == 200, page.text
    svg = _svg(page.text)
    assert "Doses wasted by reason" in svg
    assert 'class="bar-open_vial"' in svg and 'class="bar-closed_vial"' in svg
    # 30 given, 10 wasted: usage 75 %, wastage 25 %, factor 1.33
    assert "75.0%" in page.text and "25.0%" in page.text and "1.33" in page.text
    assert 'href="/reports/wastage?facility=GD-K1-C1&amp;first=2024-03-01' in page.text
    csv = boss.get("/reports/wastage.csv", facility="GD-K1", **MARCH)
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
    chinese = boss.http.get(
        "/reports/wastage",
        params={"facility": "GD-K1", **MARCH},
        cookies={"coldchain_lang": "zh_Hans"},
    )
    assert chinese.status_code == 200 and "损耗" in chinese.text
    assert "2024年3月1日" in chinese.text  # the period in the locale's date format


def test_allocation_fulfilment_grouped_bars_and_drill_down(
    admin: Caller, programme: Programme, person: Any
) -> None:
    journey(admin, programme)
    boss = person("viewer", programme.province)
    page = boss.get("/reports/allocations", facility="GD-K1", product="MMR", **MARCH)
    assert page.status_code == 200, page.text
    svg = _svg(page.text)
    for kind in ("allocated", "dispatched", "received", "administered"):
        assert f'class="bar-{kind}"' in svg
    assert "Allocated: 200" in svg and "Received: 190" in svg
    assert "95.0%" in page.text  # 190 received of 200 allocated at the clinic
    assert 'href="/reports/allocations?facility=GD-K1-C1&amp;first=2024-03-01' in page.text
    default = boss.get("/reports/allocations", facility="GD-K1")  # this month, first product
    assert default.status_code == 200 and 'value="2024-03-31"' in default.text
    csv = boss.get("/reports/allocations.csv", facility="GD-K1", product="MMR", **MARCH)
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())


def test_a_clinic_user_sees_only_their_subtree(
    fed: Feed, programme: Programme, person: Any
) -> None:
    nurse = person("staff", programme.clinic)
    for path in (
        "/reports/cold-chain",
        "/reports/stock-status",
        "/reports/wastage",
        "/reports/allocations",
    ):
        mine = nurse.get(path)
        assert mine.status_code == 200, (path, mine.text)
        options = re.findall(r'<option value="([^"]*)"', mine.text)
        assert CLINIC in options and OTHER_CLINIC not in options and "GD-K1" not in options
        for facility in (OTHER_CLINIC, "GD-K1", "NOPE"):
            assert nurse.get(path, facility=facility).status_code == 404, (path, facility)
        assert (
            nurse.get(path + ".csv", facility=OTHER_CLINIC, product="MMR", **MARCH).status_code
            == 404
        )


def test_bad_input_is_refused_beside_its_field(programme: Programme, person: Any) -> None:
    boss = person("admin")
    bad = boss.get("/reports/wastage", facility="GD", first="2024-13-01", last="2024-03-31")
    assert bad.status_code == 422
    assert 'id="first-error"' in bad.text and "YYYY-MM-DD" in bad.text
    assert 'value="2024-13-01"' in bad.text  # kept to correct
    backwards = boss.get(
        "/reports/allocations", facility="GD", first="2024-03-31", last="2024-03-01"
    )
    assert backwards.status_code == 422 and 'id="last-error"' in backwards.text
    far = boss.get("/reports/wastage", facility="GD", first="1900-01-01", last="2024-03-01")
    assert far.status_code == 422 and 'id="first-error"' in far.text
    long = boss.get("/reports/cold-chain", facility="GD", first="2024-01-01", last="2024-06-01")
    assert long.status_code == 422 and "at most 92 days" in long.text
    product = boss.get("/reports/allocations", facility="GD", product="NOPE", **MARCH)
    assert product.status_code == 422 and 'id="product-error"' in product.text
    assert boss.get("/reports/wastage.csv", facility="GD", first="x", last="y").status_code == 400
    huge = boss.get("/reports/stock-status", facility="G" * 65)
    assert huge.status_code == 400


def test_the_charts_geometry() -> None:
    stacked = stacked_bars(
        [StackedRow("a", (Part("in_range", 3, ""), Part("too_hot", 1, ""))), StackedRow("b", ())],
        [],
    )
    assert [(r.kind, r.width) for r in stacked.rects] == [("in_range", 270.0), ("too_hot", 90.0)]
    band = band_bars([BandRow("x", 100.0, 1.0, 3.0, "overstock", "100")], [])
    bar = next(r for r in band.rects if r.kind == "overstock")
    assert bar.x + bar.width <= band.width and any(t.text == "▸" for t in band.texts)
    grouped = grouped_bars([Group("g", ((Part("allocated", 10, ""), "10"),))], [])
    assert grouped.rects[0].width == grouped.width - VALUE_W
    assert nice_step(9) == 5 and nice_step(0) == 1
    assert shorten("疫苗" * 40).endswith("…") and len(shorten("疫苗" * 40)) <= 27
