"""Shipments on the pages: plan, dispatch with the FEFO suggestion (another lot needs a
reason; a scanned lot with a bad check digit is refused next to the field), receive with a
shortfall that needs a reason; the scan reader; scope."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import EXPIRY_B, MMR_GTIN, Caller, Programme, gs1

SHIPMENT = re.compile(r"/shipments/(\d+)$")


def stocked(admin: Caller, p: Programme) -> None:
    for lot, doses in ((p.lot_a, 300), (p.lot_b, 300)):
        body = {"storage_unit_id": p.province_unit, "lot_id": lot, "doses": doses}
        admin.ok(admin.post("/movements/receipts", body), 201)
    quota = {"facility_id": p.clinic, "product_id": p.mmr, "doses": 1000}
    period = {"period_start": "2024-03-01", "period_end": "2024-03-31"}
    admin.ok(admin.put("/allocations", {**quota, **period}))


def test_plan_dispatch_and_receive_with_a_shortfall(
    admin: Caller, programme: Programme, person: Any
) -> None:
    p = programme
    stocked(admin, p)
    store = person("admin")
    listed = store.get("/shipments", facility="GD")
    assert listed.status_code == 200 and "Plan a shipment" in listed.text
    refused = store.post("/shipments", {"facility": "GD", "destination": "NOPE", "hours": "48"})
    assert refused.status_code == 422 and "No facility has this code." in refused.text
    planned = store.post("/shipments", {"facility": "GD", "destination": "GD-K1-C1", "hours": "48"})
    assert planned.status_code == 303
    found = SHIPMENT.search(planned.headers["location"])
    assert found
    url = f"/shipments/{found.group(1)}"
    page = store.get(url)
    assert "First to expire, first out" in page.text
    assert page.text.index("L100") < page.text.index("L200")  # the earliest expiry first
    base = {"unit": str(p.province_unit), "product": str(p.mmr), "doses": "100"}
    bad_scan = store.post(f"{url}/dispatch", {**base, "lot": "(01)09506000134353(10)L200"})
    assert bad_scan.status_code == 422 and "check digit" in bad_scan.text
    later_lot = store.post(f"{url}/dispatch", {**base, "lot": gs1(MMR_GTIN, "L200", EXPIRY_B)})
    assert later_lot.status_code == 422  # FEFO: a reason is needed to skip L100
    assert store.get(url).text.count("planned") >= 1
    sent = store.post(
        f"{url}/dispatch",
        {**base, "lot": gs1(MMR_GTIN, "L200", EXPIRY_B), "override_reason": "L100 reserved"},
    )
    assert sent.status_code == 303

    clinic = person("staff", p.clinic)
    arrival = clinic.get(url)
    assert "Receive" in arrival.text
    field = f"received_{p.lot_b}"
    short = clinic.post(f"{url}/receipt", {"unit": str(p.clinic_unit), field: "90"})
    assert short.status_code == 422
    assert "What arrived differs from what was sent: say why." in short.text
    done = clinic.post(
        f"{url}/receipt",
        {"unit": str(p.clinic_unit), field: "90", f"reason_{p.lot_b}": "one box crushed"},
    )
    assert done.status_code == 303
    shown = clinic.get(url).text
    assert "fewer doses arrived: 100 → 90" in shown and "one box crushed" in shown


def test_the_scan_reader_names_the_lot_or_the_fault(
    admin: Caller, programme: Programme, person: Any
) -> None:
    reader = person("staff", programme.clinic)
    good = reader.get("/scan.json", code=gs1(MMR_GTIN, "L200", EXPIRY_B)).json()
    assert good["lot_number"] == "L200" and good["product_id"] == programme.mmr
    bad = reader.get("/scan.json", code="(01)09506000134353(10)L200").json()
    assert "check digit" in bad["error"]


def test_a_clinic_cannot_see_another_clinics_shipment(
    admin: Caller, programme: Programme, person: Any
) -> None:
    p = programme
    body = {"origin_facility_id": p.county, "destination_facility_id": p.other_clinic}
    made = admin.ok(admin.post("/shipments", {**body, "expected_lead_time_hours": 24}), 201)
    staff = person("staff", p.clinic)
    assert staff.get(f"/shipments/{made['id']}").status_code == 404
    assert staff.get("/shipments", facility="GD-K1-C2").status_code == 404
