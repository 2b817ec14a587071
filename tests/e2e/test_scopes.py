"""Who may do what where: admin everywhere; staff write and read in their subtree only
(a shipment is dispatched at its origin and received at its destination); viewers read and
never write; no token is 401, out of scope 403 with a body that says why."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import ApiAs, Caller, Programme


@pytest.fixture
def stocked(admin: Caller, programme: Programme) -> Programme:
    """100 doses of lot A in each clinic's fridge and 500 at the province."""
    p = programme
    for unit, doses in ((p.province_unit, 500), (p.clinic_unit, 100), (p.other_clinic_unit, 100)):
        body = {"storage_unit_id": unit, "lot_id": p.lot_a, "doses": doses}
        admin.ok(admin.post("/movements/receipts", body), 201)
    return p


def give(unit: int, lot: int) -> dict[str, Any]:
    return {"storage_unit_id": unit, "lot_id": lot, "doses": 2}


def test_staff_record_doses_at_their_clinic_but_not_at_another(
    api_as: ApiAs, stocked: Programme
) -> None:
    p = stocked
    nurse = api_as("staff", facility_id=p.clinic)

    nurse.ok(nurse.post("/movements/administrations", give(p.clinic_unit, p.lot_a)), 201)
    refused = nurse.post("/movements/administrations", give(p.other_clinic_unit, p.lot_a))

    assert refused.status_code == 403
    assert refused.json()["error"] == "Forbidden"
    assert "outside the scope" in refused.json()["detail"]
    other = nurse.get("/stock", facility_id=p.clinic)
    assert other.json()["lines"][0]["usable"]["doses"] == 98


def test_staff_read_their_subtree_only(api_as: ApiAs, stocked: Programme) -> None:
    p = stocked
    nurse = api_as("staff", facility_id=p.clinic)
    county_staff = api_as("staff", facility_id=p.county)

    assert nurse.get("/stock", facility_id=p.clinic).status_code == 200
    for path, query in (
        ("/stock", {"facility_id": p.other_clinic}),
        ("/stock", {"facility_id": p.county, "subtree": "true"}),
        ("/stock", {"storage_unit_id": p.other_clinic_unit}),
        ("/stock-card", {"facility_id": p.other_clinic, "lot_id": p.lot_a}),
        (f"/facilities/{p.province}", {}),
        (f"/lots/{p.lot_a}/trace", {}),  # the lot also sits at the province and the other clinic
    ):
        refused = nurse.get(path, **query)
        assert refused.status_code == 403, (path, query, refused.text)
        assert refused.json()["detail"]
    subtree = county_staff.ok(county_staff.get("/facilities/" + str(p.county) + "/subtree"))
    assert {f["id"] for f in subtree} == {p.county, p.clinic, p.other_clinic}
    assert county_staff.get("/stock", facility_id=p.clinic).status_code == 200


def test_a_shipment_is_dispatched_at_its_origin_and_received_at_its_destination(
    admin: Caller, api_as: ApiAs, stocked: Programme
) -> None:
    p = stocked
    admin.ok(
        admin.post(
            "/movements/receipts",
            {"storage_unit_id": p.county_unit, "lot_id": p.lot_a, "doses": 50},
        ),
        201,
    )
    county_staff = api_as("staff", facility_id=p.county)
    nurse = api_as("staff", facility_id=p.clinic)
    other_nurse = api_as("staff", facility_id=p.other_clinic)
    body = {
        "origin_facility_id": p.county,
        "destination_facility_id": p.clinic,
        "expected_lead_time_hours": 4,
    }
    assert nurse.post("/shipments", body).status_code == 403
    shipment = county_staff.ok(county_staff.post("/shipments", body), 201)["id"]
    dispatch = {"storage_unit_id": p.county_unit, "items": [{"lot_id": p.lot_a, "doses": 20}]}

    assert nurse.post(f"/shipments/{shipment}/dispatch", dispatch).status_code == 403
    county_staff.ok(county_staff.post(f"/shipments/{shipment}/dispatch", dispatch), 201)
    receipt = {"storage_unit_id": p.clinic_unit, "lots": [{"lot_id": p.lot_a, "doses": 20}]}
    assert other_nurse.post(f"/shipments/{shipment}/receipt", receipt).status_code == 403
    assert other_nurse.get(f"/shipments/{shipment}").status_code == 403
    received = nurse.ok(nurse.post(f"/shipments/{shipment}/receipt", receipt), 201)

    assert received["status"] == "received"
    assert nurse.ok(nurse.get(f"/shipments/{shipment}"))["status"] == "received"


def test_a_viewer_reads_but_never_writes(api_as: ApiAs, stocked: Programme) -> None:
    p = stocked
    viewer = api_as("viewer")

    refused = viewer.post("/movements/administrations", give(p.clinic_unit, p.lot_a))

    assert refused.status_code == 403 and "viewer" in refused.json()["detail"]
    assert viewer.ok(viewer.get(f"/lots/{p.lot_a}/trace"))["conservation"]["balanced"]
    assert viewer.get("/stock", facility_id=p.province, subtree="true").status_code == 200
    scoped = api_as("viewer", facility_id=p.clinic)
    assert scoped.get("/stock", facility_id=p.clinic).status_code == 200
    assert scoped.get("/stock", facility_id=p.other_clinic).status_code == 403


def test_no_token_is_401_and_a_recall_needs_an_admin(
    client: Any, api_as: ApiAs, stocked: Programme
) -> None:
    p = stocked
    anonymous = Caller(client, None)

    assert anonymous.get("/stock", facility_id=p.clinic).status_code == 401
    refused = anonymous.post("/movements/administrations", give(p.clinic_unit, p.lot_a))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    province_staff = api_as("staff", facility_id=p.province)
    recall = {"lot_id": p.lot_a, "reference": "R-1"}
    assert province_staff.post("/movements/recalls", recall).status_code == 403
