"""The daily doses report through the API: a planner sets a clinic's target, the clinic
gives doses, and the county's programme manager reads the day against the target, with the
reconciliation and the roll-up; callers outside the subtree are refused."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.conftest import ApiAs, Caller, Programme

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the programme's facilities are there


def at(day: int, hour: int) -> str:
    return datetime(2024, 5, day, hour, tzinfo=SHANGHAI).isoformat()


def test_a_manager_reads_the_day_against_target_and_outsiders_are_refused(
    admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    p = programme
    receipt = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 200}
    admin.ok(admin.post("/movements/receipts", {**receipt, "occurred_at": at(1, 8)}), 201)
    for doses, dose_number, hour in ((40, 1, 9), (12, 2, 10), (3, 1, 20)):
        given = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": doses}
        body = {**given, "dose_number": dose_number, "occurred_at": at(1, hour)}
        admin.ok(admin.post("/movements/administrations", body), 201)
    target = {
        "facility_id": p.clinic,
        "product_id": p.mmr,
        "dose_number": 1,
        "period_start": "2024-05-01",
        "period_end": "2024-05-31",
        "daily_target": 50,
        "target_population": 2000,
    }
    planner = api_as("staff", facility_id=p.county)
    assert planner.ok(planner.put("/dose-targets", target))["set_by"].startswith("staff-")

    manager = api_as("viewer", facility_id=p.county)
    report = manager.ok(manager.get("/reports/daily-doses", facility_id=p.county, day="2024-05-01"))

    assert report["flagged"] == []
    by_code = {f["code"]: f for f in report["facilities"]}
    assert list(by_code) == ["GD-K1", "GD-K1-C1", "GD-K1-C2"]
    (clinic,) = by_code["GD-K1-C1"]["own"]
    assert clinic["product_code"] == "MMR"
    assert clinic["reconciliation"] == {
        "opening": 0,
        "received": 200,
        "issued": 0,
        "administered": 55,
        "wasted": 0,
        "closing": 145,
        "difference": 0,
        "flagged": False,
    }
    dose1, dose2 = clinic["doses"]
    assert (dose1["dose_number"], dose1["administered"], dose1["daily_target"]) == (1, 43, 50)
    assert dose1["percent_of_target"] == 86.0 and dose1["coverage_percent"] == 2.1
    assert (dose2["dose_number"], dose2["administered"], dose2["daily_target"]) == (2, 12, None)
    assert by_code["GD-K1"]["subtree"][0]["doses"][0]["cumulative"] == 43

    as_csv = manager.client.get(
        "/api/v1/reports/daily-doses.csv",
        params={"facility_id": p.county, "day": "2024-05-01"},
        headers=manager.headers,
    )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="doses-GD-K1-2024-05-01.csv"' in as_csv.headers["content-disposition"]
    assert as_csv.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in as_csv.content
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"), newline="")))
    mine = [r for r in rows if r["facility"] == "GD-K1-C1" and r["scope"] == "own"]
    assert [(r["dose_number"], r["administered"], r["daily_target"]) for r in mine] == [
        ("1", "43", "50"),
        ("2", "12", ""),
    ]
    assert {(r["closing"], r["difference"], r["flagged"]) for r in mine} == {("145", "0", "false")}

    outsider = api_as("staff", facility_id=p.other_clinic)
    refused = outsider.get("/reports/daily-doses", facility_id=p.county, day="2024-05-01")
    assert refused.status_code == 403
    refused_csv = outsider.get("/reports/daily-doses.csv", facility_id=p.county, day="2024-05-01")
    assert refused_csv.status_code == 403
    assert outsider.put("/dose-targets", target).status_code == 403
    overlapping = {**target, "period_start": "2024-05-15", "period_end": "2024-06-15"}
    clash = planner.put("/dose-targets", overlapping)
    assert clash.status_code == 422 and "may not overlap" in clash.json()["detail"]
    backwards = {**target, "period_end": "2024-04-01"}
    assert planner.put("/dose-targets", backwards).status_code == 422


def test_eligible_populations_load_from_a_spreadsheet_and_set_coverage(
    admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    p = programme
    receipt = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 200}
    admin.ok(admin.post("/movements/receipts", {**receipt, "occurred_at": at(1, 8)}), 201)
    for doses, dose_number in ((40, 1), (10, 2)):
        given = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": doses}
        body = {**given, "dose_number": dose_number, "occurred_at": at(1, 9)}
        admin.ok(admin.post("/movements/administrations", body), 201)
    planner = api_as("staff", facility_id=p.county)
    upload = (  # as Excel saves "CSV UTF-8": a BOM and CRLF
        "\ufefffacility,product,year,population\r\n"
        "GD-K1-C1,MMR,2024,800\r\nGD-K1-C2,MMR,2024,1200\r\n"
    )

    def load(text: str, caller: Caller = planner) -> Any:
        return caller.client.post(
            "/api/v1/eligible-populations.csv",
            content=text.encode("utf-8"),
            headers={**caller.headers, "Content-Type": "text/csv"},
        )

    loaded = load(upload)
    assert loaded.status_code == 200, loaded.text
    assert [r["population"] for r in loaded.json()] == [800, 1200]

    report = planner.ok(planner.get("/reports/daily-doses", facility_id=p.county, day="2024-05-01"))
    by_code = {f["code"]: f for f in report["facilities"]}
    (clinic,) = by_code["GD-K1-C1"]["own"]
    assert clinic["eligible"] == 800
    assert clinic["doses"][0]["coverage_percent"] == 5.0  # 40 ÷ 800
    assert clinic["dropouts"] == [{"first": 1, "then": 2, "percent": 75.0}]
    (county,) = by_code["GD-K1"]["subtree"]
    assert county["eligible"] == 2000

    one = {"facility_id": p.clinic, "product_id": p.mmr, "year": 2024, "population": 900}
    assert planner.ok(planner.put("/eligible-populations", one))["population"] == 900
    for bad, says in (
        ("facility,product,year\r\nGD-K1-C1,MMR,2024\r\n", "header"),
        ("facility,product,year,population\r\nGD-K1-C1,MMR,2024,lots\r\n", "line 2"),
        ("facility,product,year,population\r\nNOPE,MMR,2024,5\r\n", "line 2: no facility"),
        ("facility,product,year,population\r\nGD-K1-C1,MMR,2024,5,9\r\n", "5 cells"),
    ):
        refused = load(bad)
        assert refused.status_code == 422 and says in refused.text, refused.text
    outsider = api_as("staff", facility_id=p.other_clinic)
    assert load(upload, outsider).status_code == 403
    # nothing half-written: the refused loads left the last value
    report = planner.ok(planner.get("/reports/daily-doses", facility_id=p.clinic, day="2024-05-01"))
    assert report["facilities"][0]["own"][0]["eligible"] == 900
