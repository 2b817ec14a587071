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
    assert "Fewer doses arrived: 100 → 90" in shown and "one box crushed" in shown


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


def test_the_receiver_reads_the_temperature_record_and_only_a_supervisor_overrides_it(
    admin: Caller, programme: Programme, person: Any, deps: Any
) -> None:
    """A shipment whose logger stopped after 3 h of a 6 h journey: the page shows the
    record first; staff cannot accept it; a supervisor can, with a reason, holding the lots."""
    from datetime import timedelta

    from tests.e2e.test_transit_api import _readings, _ship

    p = programme
    now = deps.clock().replace(second=0, microsecond=0)
    dispatched = now - timedelta(hours=6)
    shipment = _ship(admin, p, dispatched)
    admin.ok(admin.post(f"/shipments/{shipment}/loggers", {"sensor_id": "TL-9"}, key=None), 201)
    _readings(deps, f"shipment-{shipment}", dispatched, dispatched + timedelta(hours=3), True)
    url = f"/shipments/{shipment}"
    form = {"unit": str(p.county_unit), f"received_{p.lot_a}": "100"}

    staff = person("staff", p.county)
    listed = staff.get("/shipments", facility="GD-K1").text
    assert "On the road" in listed and "12.0\u00a0°C" in listed  # the hour on the way at 12 °C
    page = staff.get(url).text
    assert "Temperature on the road" in page
    assert "The record does not cover the whole journey." in page
    assert "the last reading came 185 min before it ended" in page  # stopped at 2 h 55
    assert "Alarms on the road" in page
    refused = staff.post(f"{url}/receipt", form)
    assert refused.status_code == 422
    assert "a supervisor must accept it and say why" in refused.text
    overriding = staff.post(f"{url}/receipt", {**form, "override_reason": "I say so"})
    assert overriding.status_code == 422
    assert "Only a supervisor can accept" in overriding.text
    assert admin.ok(admin.get(url))["status"] == "dispatched"  # nothing was received

    supervisor = person("supervisor", p.county)
    assert "Supervisor: why accept a journey" in supervisor.get(url).text
    accepted = supervisor.post(
        f"{url}/receipt",
        {**form, "decision": "accept_quarantined", "override_reason": "box cold on arrival"},
    )
    assert accepted.status_code == 303
    decision = admin.ok(admin.get(url))["decision"]
    assert (decision["decision"], decision["record_complete"]) == ("accept_quarantined", False)
    stock = admin.ok(admin.get("/stock", storage_unit_id=p.county_unit))
    assert [(x["usable"]["doses"], x["held"]["doses"]) for x in stock["lines"]] == [(0, 100)]


def test_the_receiver_refuses_a_delivery_from_the_page(
    admin: Caller, programme: Programme, person: Any, deps: Any
) -> None:
    from datetime import timedelta

    from tests.e2e.test_transit_api import _ship

    p = programme
    shipment = _ship(admin, p, deps.clock() - timedelta(hours=2))
    admin.ok(admin.post(f"/shipments/{shipment}/loggers", {"sensor_id": "TL-7"}, key=None), 201)
    staff = person("staff", p.county)
    url = f"/shipments/{shipment}"
    first = staff.get(url).text
    assert "Refuse the delivery" in first and "Temperature on the way back" not in first
    blank = staff.post(f"{url}/refusal", {"refusal_reason": " "})
    assert blank.status_code == 422 and "Say why you refuse the delivery." in blank.text
    done = staff.post(f"{url}/refusal", {"refusal_reason": "box arrived open and warm"})
    assert done.status_code == 303
    assert admin.ok(admin.get(url))["status"] == "refused"
    # the sender sees it coming back and receives it, held, with a shortfall and its reason
    assert "Receive the return" not in staff.get(url).text  # not the receiver's to receive
    sender = person("staff", p.province)
    listed = sender.get("/shipments", facility="GD").text
    assert "Returning" in listed and "on its way back to the sender" in listed
    stock = sender.get("/stock", facility="GD").text
    assert "refused, coming back" in stock
    page = sender.get(url).text
    assert "Receive the return" in page and "The doses are on their way back" in page
    # the logger stays in the box: the sender reads the way back's record (none yet)
    assert "Temperature on the way back" in page and "Temperature on the road" in page
    short = {f"returned_{p.lot_a}": "90"}
    unexplained = sender.post(f"{url}/return-receipt", short)
    assert unexplained.status_code == 422
    assert "What came back differs from what was sent: say why." in unexplained.text
    elsewhere = sender.post(
        f"{url}/return-receipt",
        {**short, f"return_reason_{p.lot_a}": "x", "unit": str(p.county_unit)},
    )
    assert elsewhere.status_code == 422 and "not at the origin facility" in elsewhere.text
    back = sender.post(f"{url}/return-receipt", {**short, f"return_reason_{p.lot_a}": "wet box"})
    assert back.status_code == 303
    assert admin.ok(admin.get(url))["status"] == "returned"
    stock_now = admin.ok(admin.get("/stock", storage_unit_id=p.province_unit))
    assert [(x["usable"]["doses"], x["held"]["doses"]) for x in stock_now["lines"]] == [(900, 90)]
    page = sender.get(url).text
    assert "Received back by the sender" in page and "Receive the return" not in page


def test_a_required_transport_record_makes_a_shipment_without_a_logger_an_override(
    admin: Caller, programme: Programme, deps: Any, client: Any
) -> None:
    """COLDCHAIN_TRANSPORT_RECORD_REQUIRED: a shipment that carried no logger is accepted
    only by a supervisor with a reason; refusing it stays possible."""
    import dataclasses
    from datetime import timedelta

    from api.app import create_app
    from tests.e2e.test_transit_api import _ship
    from tests.pages.conftest import PageClient, make_user

    p = programme
    shipment = _ship(admin, p, deps.clock() - timedelta(hours=2))
    app = create_app(dataclasses.replace(deps, transport_record_required=True))
    url = f"/shipments/{shipment}"
    form = {"unit": str(p.county_unit), f"received_{p.lot_a}": "100"}

    def signed_in(name: str, role: str) -> PageClient:
        make_user(deps, name, role, p.county)
        browser = PageClient(app)
        browser.sign_in(name)
        return browser

    staff = signed_in("staff-required", "staff")
    assert "a transport record is required" in staff.get(url).text
    refused = staff.post(f"{url}/receipt", form)
    assert refused.status_code == 422
    assert "No temperature logger travelled with this shipment" in refused.text
    overriding = staff.post(f"{url}/receipt", {**form, "override_reason": "I say so"})
    assert overriding.status_code == 422 and "Only a supervisor can accept" in overriding.text
    supervisor = signed_in("supervisor-required", "supervisor")
    assert "why accept a journey without a temperature record" in supervisor.get(url).text
    accepted = supervisor.post(f"{url}/receipt", {**form, "override_reason": "cold box checked"})
    assert accepted.status_code == 303
    decision = admin.ok(admin.get(url))["decision"]
    assert (decision["record_complete"], decision["override_reason"]) == (
        False,
        "cold box checked",
    )
