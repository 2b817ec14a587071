"""The wastage report through the API: a clinic gives doses and wastes some (an opened vial,
a broken one, a mistaken entry reversed); the county reads usage rate, wastage rate and
wastage factor per reason and open / closed vial, rolled up; the CSV opens in a
spreadsheet; outsiders and bad periods are refused."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.e2e.conftest import ApiAs, Caller, Programme

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int) -> str:
    return datetime(2024, 5, day, hour, tzinfo=SHANGHAI).isoformat()


def test_a_manager_reads_usage_and_wastage_by_reason_and_vial(
    admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    p = programme
    unit = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a}
    admin.ok(
        admin.post("/movements/receipts", {**unit, "doses": 500, "occurred_at": at(1, 8)}), 201
    )
    admin.ok(
        admin.post("/movements/administrations", {**unit, "doses": 90, "occurred_at": at(2, 9)}),
        201,
    )
    admin.ok(
        admin.post("/movements/administrations", {**unit, "doses": 90, "occurred_at": at(9, 9)}),
        201,
    )
    wastes = (("opened_vial_discarded", 8, 2), ("broken", 10, 3), ("broken", 2, 4))
    for reason, doses, day in wastes:
        body = {**unit, "doses": doses, "reason": reason, "occurred_at": at(day, 17)}
        admin.ok(admin.post("/movements/wastage", body), 201)
    mistake = admin.ok(
        admin.post(
            "/movements/wastage",
            {**unit, "doses": 50, "reason": "expired", "occurred_at": at(3, 18)},
        ),
        201,
    )
    admin.ok(admin.post(f"/movements/{mistake['id']}/reversal", {"reason": "typed twice"}), 201)
    manager = api_as("viewer", facility_id=p.county)
    period = {"facility_id": p.county, "first": "2024-05-01", "last": "2024-05-08"}
    report = manager.ok(manager.get("/reports/wastage", **period))

    by_code = {f["code"]: f for f in report["facilities"]}
    assert list(by_code) == ["GD-K1", "GD-K1-C1", "GD-K1-C2"]
    (clinic,) = by_code["GD-K1-C1"]["own"]
    assert (clinic["administered"], clinic["wasted"], clinic["used"]) == (90, 20, 110)
    assert (clinic["open_vial_wasted"], clinic["closed_vial_wasted"]) == (8, 12)
    assert clinic["by_reason"] == [
        {"reason": "broken", "doses": 12, "open_vial": False},
        {"reason": "opened_vial_discarded", "doses": 8, "open_vial": True},
    ]
    # usage = 90 ÷ 110 × 100 = 81.8; wastage = 18.2; factor = 100 ÷ 81.8 = 1.22
    assert (clinic["usage_rate"], clinic["wastage_rate"], clinic["wastage_factor"]) == (
        81.8,
        18.2,
        1.22,
    )
    assert by_code["GD-K1"]["own"] == [] and by_code["GD-K1-C2"]["subtree"] == []
    assert by_code["GD-K1"]["subtree"] == [clinic]

    as_csv = manager.client.get(
        "/api/v1/reports/wastage.csv", params=period, headers=manager.headers
    )
    assert as_csv.status_code == 200 and as_csv.content.startswith(b"\xef\xbb\xbf")
    assert (
        'filename="wastage-GD-K1-2024-05-01-2024-05-08.csv"'
        in as_csv.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"), newline="")))
    mine = [r for r in rows if r["facility"] == "GD-K1-C1" and r["scope"] == "own"]
    assert [
        (r["used"], r["wastage_rate"], r["wasted_broken"], r["wasted_expired"]) for r in mine
    ] == [("110", "18.2", "12", "0")]

    outsider = api_as("staff", facility_id=p.other_clinic)
    assert (
        outsider.get("/reports/wastage", **{**period, "facility_id": p.county}).status_code == 403
    )
    backwards = manager.get("/reports/wastage", **{**period, "last": "2024-04-30"})
    assert backwards.status_code == 422 and "before" in backwards.text
    ancient = manager.get("/reports/wastage", **{**period, "first": "0001-01-01"})
    assert ancient.status_code == 422 and "programme window" in ancient.text
