"""Exports through the API: a county's staff download the EPCIS events of their facility and
the FHIR SupplyDeliveries of what it received; a lot's events only for a caller who covers
every facility they name; bad requests are 422 and say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson

from api.deps import ApiDeps
from tests.e2e.conftest import ApiAs, Caller, Programme

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int) -> str:
    return datetime(2024, 5, day, hour, tzinfo=SHANGHAI).isoformat()


def test_staff_export_their_facility_and_a_lot_only_where_they_see_it_all(
    admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    p = programme
    unit = {"storage_unit_id": p.county_unit, "lot_id": p.lot_a}
    admin.ok(
        admin.post("/movements/receipts", {**unit, "doses": 300, "occurred_at": at(1, 8)}), 201
    )
    plan = {
        "origin_facility_id": p.county,
        "destination_facility_id": p.clinic,
        "expected_lead_time_hours": 24,
    }
    shipment = admin.ok(admin.post("/shipments", plan), 201)
    items = {
        "storage_unit_id": p.county_unit,
        "items": [{"product_id": p.mmr, "doses": 100, "lot_id": p.lot_a}],
        "occurred_at": at(2, 8),
    }
    admin.ok(admin.post(f"/shipments/{shipment['id']}/dispatch", items), 201)
    received = {
        "storage_unit_id": p.clinic_unit,
        "lots": [{"lot_id": p.lot_a, "doses": 100}],
        "occurred_at": at(3, 8),
    }
    admin.ok(admin.post(f"/shipments/{shipment['id']}/receipt", received), 201)

    clinic_staff = api_as("staff", facility_id=p.clinic)
    document = clinic_staff.client.get(
        "/api/v1/exports/epcis", params={"facility_id": p.clinic}, headers=clinic_staff.headers
    )
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/ld+json")
    events = orjson.loads(document.content)["epcisBody"]["eventList"]
    assert [(e["bizStep"], e["cc:doses"]) for e in events] == [("receiving", 100)]

    bundle = clinic_staff.client.get(
        "/api/v1/exports/fhir/supply-deliveries",
        params={"facility_id": p.clinic, "first": "2024-05-01", "last": "2024-05-31"},
        headers=clinic_staff.headers,
    )
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("application/fhir+json")
    (entry,) = orjson.loads(bundle.content)["entry"]
    assert entry["resource"]["suppliedItem"]["quantity"]["value"] == 100

    # The lot's events name the county too: the clinic's staff may not see them all.
    lot_wide = clinic_staff.get("/exports/epcis", lot_id=p.lot_a)
    assert lot_wide.status_code == 403 and "outside the scope" in lot_wide.text
    county_staff = api_as("staff", facility_id=p.county)
    lot_doc = county_staff.client.get(
        "/api/v1/exports/epcis", params={"lot_id": p.lot_a}, headers=county_staff.headers
    )
    steps = [e["bizStep"] for e in orjson.loads(lot_doc.content)["epcisBody"]["eventList"]]
    assert steps == ["receiving", "shipping", "receiving"]

    medication = clinic_staff.get(f"/exports/fhir/lots/{p.lot_a}/medication")
    assert medication.status_code == 200
    assert orjson.loads(medication.content)["batch"]["lotNumber"] == "L100"

    both = clinic_staff.get("/exports/epcis", lot_id=p.lot_a, facility_id=p.clinic)
    assert both.status_code == 422 and "one of lot_id or facility_id" in both.text
    backwards = clinic_staff.get(
        "/exports/epcis", facility_id=p.clinic, first="2024-05-02", last="2024-05-01"
    )
    assert backwards.status_code == 422
    assert clinic_staff.get("/exports/fhir/lots/999999/medication").status_code == 404
    other = api_as("staff", facility_id=p.other_clinic)
    assert other.get("/exports/epcis", facility_id=p.clinic).status_code == 403


def test_a_received_shipments_epcis_receipt_carries_its_transport_record(
    admin: Caller, programme: Programme, deps: ApiDeps
) -> None:
    from tests.e2e.test_transit_api import _readings, _receipt, _ship

    p = programme
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dispatched, arrived = now - timedelta(hours=6), now - timedelta(minutes=10)
    shipment = _ship(admin, p, dispatched)
    admin.ok(admin.post(f"/shipments/{shipment}/loggers", {"sensor_id": "TL-9"}, key=None), 201)
    _readings(deps, f"shipment-{shipment}", dispatched, arrived, hot=True)
    admin.ok(admin.post(f"/shipments/{shipment}/receipt", _receipt(p, arrived)), 201)

    document = admin.client.get(
        "/api/v1/exports/epcis", params={"lot_id": p.lot_a}, headers=admin.headers
    )

    assert document.status_code == 200, document.text
    events = orjson.loads(document.content)["epcisBody"]["eventList"]
    [receiving] = [e for e in events if e["bizStep"] == "receiving" and "sensorElementList" in e]
    assert receiving["cc:minutesOutOfRange"] == 60.0
    [shipped] = [e for e in events if e["bizStep"] == "shipping"]
    assert "sensorElementList" not in shipped
