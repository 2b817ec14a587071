"""The stock status report through the API: a county planner sets a clinic's stock levels,
the county reads months of stock and status per facility, the CSV opens in a spreadsheet;
bad levels and outsiders are refused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import ApiAs, Caller, Programme


def test_a_planner_sets_levels_and_the_county_reads_its_stock_status(
    admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    p = programme
    now = datetime.now(UTC)
    last_month = (now.replace(day=1) - timedelta(days=10)).replace(hour=3)
    unit = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_b}
    received = {**unit, "doses": 600, "occurred_at": (last_month - timedelta(days=5)).isoformat()}
    admin.ok(admin.post("/movements/receipts", received), 201)
    given = {**unit, "doses": 200, "occurred_at": last_month.isoformat()}
    admin.ok(admin.post("/movements/administrations", given), 201)

    planner = api_as("staff", facility_id=p.county)
    level = {"facility_id": p.clinic, "product_id": p.mmr, "min_months": 1, "max_months": 2.5}
    assert planner.ok(planner.put("/stock-levels", level))["max_months"] == 2.5

    manager = api_as("viewer", facility_id=p.county)
    report = manager.ok(manager.get("/reports/stock-status", facility_id=p.county))
    by_code = {f["code"]: f for f in report["facilities"]}
    (clinic,) = by_code["GD-K1-C1"]["products"]
    # 400 left, 200 used last month (the only month with consumption): 2 months of stock
    assert (clinic["on_hand"], clinic["amc"], clinic["months_of_stock"]) == (400, 200.0, 2.0)
    assert (clinic["status"], clinic["levels_set"]) == ("adequate", True)
    (county,) = by_code["GD-K1"]["products"]
    assert (county["on_hand"], county["on_hand_in_subtree"], county["status"]) == (
        0,
        400,
        "understock",
    )
    assert report["understocked"] == ["GD-K1/MMR"]

    as_csv = manager.client.get(
        "/api/v1/reports/stock-status.csv",
        params={"facility_id": p.county},
        headers=manager.headers,
    )
    assert as_csv.status_code == 200 and as_csv.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"), newline="")))
    assert [(r["facility"], r["status"]) for r in rows] == [
        ("GD-K1", "understock"),
        ("GD-K1-C1", "adequate"),
    ]

    backwards = planner.put("/stock-levels", {**level, "min_months": 3})
    assert backwards.status_code == 422 and "below min_months" in backwards.text
    for bad in ({"min_months": "1"}, {"max_months": 37}, {"min_months": -1}, {"extra": 1}):
        assert planner.put("/stock-levels", {**level, **bad}).status_code == 422
    outsider = api_as("staff", facility_id=p.other_clinic)
    assert outsider.put("/stock-levels", level).status_code == 403
    assert outsider.get("/reports/stock-status", facility_id=p.county).status_code == 403
