"""Nothing a client sends can corrupt the ledger or crash the API (issue 8): every number is
bounded (ids 32-bit, doses by the ledger's limit, offsets), body integers are strict, and
every time, day and period lies in the programme window. Each refusal is a 422 that names
the limit, and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from access.principal import Role
from api.app import create_app
from coldchain.settings import Settings
from coldchain.wiring import build_api_deps
from inventory.domain.quantities import MAX_DOSES
from tests.e2e.conftest import PREFIX, ApiAs, Caller, Programme, TokenMaker

BIG = 2**63 - 1  # SQLite's largest integer
HUGE = 2**63  # beyond it


def refused(response: Any, *words: str) -> str:
    """The 422's detail, after checking that it names each of ``words``."""
    assert response.status_code == 422, response.text
    detail: str = response.json()["detail"]
    for word in words:
        assert word in detail, detail
    return detail


def stock_of(caller: Caller, unit: int) -> int:
    stock = caller.ok(caller.get("/stock", storage_unit_id=unit))
    return sum(int(line["usable"]["doses"]) for line in stock["lines"])


def receipt(p: Programme, doses: Any, **more: Any) -> dict[str, Any]:
    return {"storage_unit_id": p.province_unit, "lot_id": p.lot_a, "doses": doses, **more}


def test_a_receipt_above_the_limit_is_refused_with_the_limit(
    api_as: ApiAs, programme: Programme
) -> None:
    staff = api_as("staff", facility_id=programme.province)
    for doses in (BIG, HUGE, MAX_DOSES + 1):
        refused(staff.post("/movements/receipts", receipt(programme, doses)), str(MAX_DOSES))
    assert stock_of(staff, programme.province_unit) == 0  # nothing was written
    staff.ok(staff.post("/movements/receipts", receipt(programme, MAX_DOSES)), 201)
    assert stock_of(staff, programme.province_unit) == MAX_DOSES
    trace = staff.ok(staff.get(f"/lots/{programme.lot_a}/trace"))
    assert trace["conservation"]["balanced"]


def test_every_quantity_a_movement_names_is_bounded(admin: Caller, programme: Programme) -> None:
    p = programme
    admin.ok(admin.post("/movements/receipts", receipt(p, 1000)), 201)
    second = {"code": "GD-CR2", "facility_id": p.province, "kind": "cold_room"}
    other_unit = admin.ok(admin.post("/storage-units", second), 201)["id"]
    too_many = MAX_DOSES + 1
    unit, lot = {"storage_unit_id": p.province_unit}, {"lot_id": p.lot_a}
    posts = {
        "/movements/transfers": {
            "from_unit_id": p.province_unit,
            "to_unit_id": other_unit,
            **lot,
            "doses": too_many,
        },
        "/movements/administrations": {**unit, **lot, "doses": too_many},
        "/movements/wastage": {**unit, **lot, "doses": too_many, "reason": "broken"},
        "/movements/counts": {**unit, "counts": [{**lot, "doses": too_many}]},
        "/movements/quarantines": {**unit, **lot, "doses": too_many, "reason": "heat"},
        "/movements/releases": {**unit, **lot, "doses": too_many, "reference": "R1"},
        "/movements/destructions": {**unit, **lot, "doses": too_many},
    }
    for path, body in posts.items():
        refused(admin.post(path, body), str(MAX_DOSES))
    refused(
        admin.post("/movements/administrations", {**unit, **lot, "doses": 1, "dose_number": 100})
    )
    assert stock_of(admin, p.province_unit) == 1000


def test_shipment_quantities_are_bounded_on_dispatch_and_receipt(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    admin.ok(admin.post("/movements/receipts", receipt(p, 1000)), 201)
    body = {"origin_facility_id": p.province, "destination_facility_id": p.county}
    shipment = admin.ok(admin.post("/shipments", {**body, "expected_lead_time_hours": 48}), 201)
    path = f"/shipments/{shipment['id']}"
    for doses in (HUGE, MAX_DOSES + 1):
        items = [{"product_id": p.mmr, "doses": doses}]
        dispatch = {"storage_unit_id": p.province_unit, "items": items}
        refused(admin.post(f"{path}/dispatch", dispatch), "items.0.doses")
    items = [{"product_id": p.mmr, "doses": 10}]
    admin.ok(
        admin.post(f"{path}/dispatch", {"storage_unit_id": p.province_unit, "items": items}), 201
    )
    lots = [{"lot_id": p.lot_a, "doses": MAX_DOSES + 1, "discrepancy_reason": "excess"}]
    refused(admin.post(f"{path}/receipt", {"storage_unit_id": p.county_unit, "lots": lots}))
    assert admin.ok(admin.get(path))["status"] == "dispatched"


def test_quotas_and_targets_are_bounded(admin: Caller, programme: Programme) -> None:
    p = programme
    period = {"period_start": "2030-01-01", "period_end": "2030-01-31"}
    quota = {"facility_id": p.county, "product_id": p.mmr, **period}
    refused(admin.put("/allocations", {**quota, "doses": MAX_DOSES + 1}), str(MAX_DOSES))
    target = {"facility_id": p.clinic, "product_id": p.mmr, "dose_number": 1, **period}
    refused(admin.put("/dose-targets", {**target, "daily_target": BIG}), str(MAX_DOSES))
    refused(
        admin.put("/dose-targets", {**target, "daily_target": 5, "target_population": 10**9 + 1}),
        "1000000000",
    )
    admin.ok(admin.put("/dose-targets", {**target, "daily_target": 5, "target_population": 10**9}))


def test_ids_and_offsets_beyond_32_bits_are_refused_before_the_scope_check(
    api_as: ApiAs, programme: Programme
) -> None:
    staff = api_as("staff", facility_id=programme.clinic)
    for path in (f"/facilities/{HUGE}", f"/facilities/{2**31}", f"/lots/{HUGE}/trace"):
        refused(staff.get(path), "2147483647")
    refused(staff.get("/alarms", offset=HUGE), "offset")
    refused(staff.get("/episodes", offset=2**31), "offset")
    refused(staff.get("/stock", storage_unit_id=2**31), "storage_unit_id")
    refused(staff.get("/shipments", facility_id=HUGE), "facility_id")
    body = {"storage_unit_id": HUGE, "lot_id": programme.lot_a, "doses": 1}
    refused(staff.post("/movements/receipts", body), "storage_unit_id")
    assert staff.get(f"/facilities/{2**31 - 1}").status_code in (403, 404)


def test_body_integers_are_strict_and_times_and_enums_still_parse(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    for doses in (True, "1", 1.0):
        refused(admin.post("/movements/receipts", receipt(p, doses)), "doses")
    refused(admin.post("/movements/receipts", {**receipt(p, 1), "storage_unit_id": "1"}))
    target = {
        "facility_id": p.clinic,
        "product_id": p.mmr,
        "dose_number": 1,
        "period_start": "2030-01-01",
        "period_end": "2030-01-31",
        "daily_target": 5,
    }
    refused(admin.put("/dose-targets", {**target, "target_population": False}), "target_population")
    refused(admin.put("/dose-targets", {**target, "daily_target": True}), "daily_target")
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    posted = admin.ok(admin.post("/movements/receipts", receipt(p, 20, occurred_at=at)), 201)
    assert datetime.fromisoformat(posted["occurred_at"]) == datetime.fromisoformat(at)
    waste = {**receipt(p, 2), "reason": "broken"}
    assert admin.ok(admin.post("/movements/wastage", waste), 201)["kind"] == "wastage"
    assert admin.ok(admin.put("/dose-targets", target))["period_start"] == "2030-01-01"


def test_movements_outside_the_programme_window_or_in_the_future_are_refused(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    for at in ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z"):
        refused(admin.post("/movements/receipts", receipt(p, 5, occurred_at=at)), "2000-01-01")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    refused(admin.post("/movements/receipts", receipt(p, 5, occurred_at=future)), "future")
    last = "9999-12-31T23:59:59-23:59"
    refused(admin.post("/movements/receipts", receipt(p, 5, occurred_at=last)), "2099-12-31")
    assert stock_of(admin, p.province_unit) == 0
    admin.ok(
        admin.post("/movements/receipts", receipt(p, 5, occurred_at="2000-01-01T00:00:00Z")), 201
    )


def test_extreme_dates_on_the_read_side_are_refused_not_crashed(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    lot = {"lot_id": p.lot_a}
    last, first = "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"
    card = {"storage_unit_id": p.province_unit, **lot}
    refused(admin.get("/stock-card", **card, end=last), "end", "2099-12-31")
    refused(admin.get("/stock-card", **card, start=first), "start")
    refused(
        admin.get("/stock-card", **card, start="2030-01-02T00:00:00Z", end="2030-01-01T00:00:00Z")
    )
    refused(admin.get("/storage-history", **lot, start=first), "start")
    refused(admin.get(f"/storage-units/{p.province_unit}/history", start=first), "start")
    refused(
        admin.get(
            f"/storage-units/{p.province_unit}/history", start="2024-01-01T00:00:00Z", end=last
        )
    )
    for day in ("9999-12-31", "0001-01-01"):
        refused(admin.get("/reports/daily-doses", facility_id=p.province, day=day), "day")
        refused(admin.get("/reports/daily-doses.csv", facility_id=p.province, day=day), "day")
    status = {"facility_id": p.province, "product_id": p.mmr}
    refused(admin.get("/allocations", **status, period_start="0001-01-01", period_end="2030-01-01"))
    refused(admin.get("/allocations", **status, period_start="2030-01-01", period_end="9999-12-31"))
    refused(admin.get("/lots", lot_number="L100", expiry="0001-01-01"), "expiry")
    refused(admin.get("/episodes", start=first), "start")
    refused(admin.get("/episodes", end=last), "end")
    refused(admin.get("/episodes", start="2030-01-02T00:00:00Z", end="2030-01-01T00:00:00Z"))
    unit = "GD-K1-F1"
    refused(admin.get(f"/units/{unit}/daily-summaries", first="0001-01-01"), "first")
    refused(admin.get(f"/units/{unit}/daily-summaries", last="9999-12-31"), "last")
    refused(admin.get(f"/units/{unit}/readings", end=last), "end")
    refused(admin.get(f"/units/{unit}/readings", start=first, end="2024-01-01T00:00:00Z"), "start")


def test_periods_and_expiries_outside_the_window_are_refused_when_written(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    quota = {"facility_id": p.county, "product_id": p.mmr, "doses": 10}
    for start, end in (("0001-01-01", "2030-01-01"), ("2030-01-01", "9999-12-31")):
        period = {"period_start": start, "period_end": end}
        refused(admin.put("/allocations", {**quota, **period}), "programme window")
        target = {"facility_id": p.clinic, "product_id": p.mmr, "dose_number": 1, **period}
        refused(admin.put("/dose-targets", {**target, "daily_target": 1}), "programme window")
    lot = {"product_id": p.mmr, "lot_number": "OLD1"}
    for expiry in ("1999-12-31", "9999-12-31"):
        refused(admin.post("/lots", {**lot, "expiry": expiry}), "expiry", "programme window")
    assert admin.ok(admin.get("/lots", lot_number="OLD1")) == []


@pytest.fixture
def narrow_admin(database_url: str, make_token: TokenMaker) -> Iterator[Caller]:
    """An admin of an API whose programme window is 2020-01-01 to 2040-12-31."""
    settings = Settings(
        database_url=database_url,
        earliest_date=date(2020, 1, 1),
        latest_date=date(2040, 12, 31),
    )
    deps = build_api_deps(settings)
    with TestClient(create_app(deps)) as client:
        yield Caller(client, make_token("narrow-admin", Role.ADMIN))
    deps.session_factory.kw["bind"].dispose()


def test_the_programme_window_is_configurable(narrow_admin: Caller, programme: Programme) -> None:
    p = programme
    at = "2019-12-31T00:00:00Z"
    refused(narrow_admin.post("/movements/receipts", receipt(p, 5, occurred_at=at)), "2020-01-01")
    refused(
        narrow_admin.post("/lots", {"product_id": p.mmr, "lot_number": "X", "expiry": "2041-01-01"})
    )
    narrow_admin.ok(
        narrow_admin.post("/movements/receipts", receipt(p, 5, occurred_at="2020-01-01T00:00:00Z")),
        201,
    )
    assert narrow_admin.client.get(f"{PREFIX}/health").status_code == 200
