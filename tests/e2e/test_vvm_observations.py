"""Who registers lots and reads their VVM: the supplier's receiver registers lots; a VVM
reading is an observation by a writer where the lot is; a supervisor voids a wrong one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import EXPIRY_A, ApiAs, Caller, Programme


@pytest.fixture
def stocked(admin: Caller, programme: Programme) -> Programme:
    """100 doses of lot A in the clinic's fridge."""
    body = {"storage_unit_id": programme.clinic_unit, "lot_id": programme.lot_a, "doses": 100}
    admin.ok(admin.post("/movements/receipts", body), 201)
    return programme


def unreceived(p: Programme, **extra: Any) -> dict[str, Any]:
    return {"product_id": p.mmr, "lot_number": "L999", "expiry": EXPIRY_A.isoformat(), **extra}


def read(stage: int, unit: int, reason: str = "compared with the card") -> dict[str, Any]:
    return {"stage": stage, "storage_unit_id": unit, "reason": reason}


def test_clinic_staff_cannot_pre_register_a_lot_at_vvm_4(
    api_as: ApiAs, admin: Caller, programme: Programme
) -> None:
    p = programme
    nurse = api_as("staff", facility_id=p.clinic)
    refused = nurse.post("/lots", unreceived(p, vvm_stage=4, facility_id=p.clinic))
    assert refused.status_code == 403
    assert "receives them from the supplier" in refused.json()["detail"]
    assert nurse.post("/lots", unreceived(p)).status_code == 403
    assert admin.ok(admin.get("/lots", lot_number="L999")) == []


def test_the_province_store_registers_a_lot_with_its_vvm_stage(
    api_as: ApiAs, programme: Programme
) -> None:
    p = programme
    store = api_as("staff", facility_id=p.province)
    lot = store.ok(store.post("/lots", unreceived(p, vvm_stage=4, facility_id=p.province)), 201)
    assert lot["vvm_stage"] == 4
    [entry] = store.ok(store.get(f"/lots/{lot['id']}/vvm-observations"))
    assert (entry["stage"], entry["facility_id"]) == (4, p.province)
    no_place = store.post("/lots", unreceived(p, vvm_stage=4))
    assert no_place.status_code == 422


def test_a_reading_at_the_clinic_holds_the_lot_and_a_lower_one_is_refused(
    api_as: ApiAs, stocked: Programme
) -> None:
    p = stocked
    nurse = api_as("staff", facility_id=p.clinic)
    seen = nurse.ok(nurse.post(f"/lots/{p.lot_a}/vvm-observations", read(3, p.clinic_unit)), 201)
    assert (seen["stage"], seen["lot_vvm_stage"], seen["facility_id"]) == (3, 3, p.clinic)
    given = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 1}
    held = nurse.post("/movements/administrations", given)
    assert held.status_code == 409
    assert "VVM stage 3" in held.json()["detail"]
    lower = nurse.post(f"/lots/{p.lot_a}/vvm-observations", read(2, p.clinic_unit))
    assert lower.status_code == 409
    assert "cannot go back" in lower.json()["detail"]


def test_a_reading_needs_the_lot_there_a_scope_and_a_reason(
    api_as: ApiAs, stocked: Programme
) -> None:
    p = stocked
    nurse = api_as("staff", facility_id=p.clinic)
    other = api_as("staff", facility_id=p.other_clinic)
    viewer = api_as("viewer")
    path = f"/lots/{p.lot_a}/vvm-observations"
    assert other.post(path, read(4, p.clinic_unit)).status_code == 403
    assert viewer.post(path, read(4, p.clinic_unit)).status_code == 403
    not_there = other.post(path, read(4, p.other_clinic_unit))
    assert not_there.status_code == 422
    assert "holds no stock" in not_there.json()["detail"]
    assert nurse.post(path, {"stage": 4, "storage_unit_id": p.clinic_unit}).status_code == 422
    assert nurse.post(path, read(5, p.clinic_unit)).status_code == 422
    assert nurse.post("/lots/9999/vvm-observations", read(4, p.clinic_unit)).status_code == 404
    assert nurse.ok(nurse.get(f"/lots/{p.lot_a}"))["vvm_stage"] is None


def test_a_supervisor_voids_a_wrong_reading_and_staff_cannot(
    api_as: ApiAs, stocked: Programme
) -> None:
    p = stocked
    nurse = api_as("staff", facility_id=p.clinic)
    supervisor = api_as("supervisor", facility_id=p.county)
    elsewhere = api_as("supervisor", facility_id=p.other_clinic)
    path = f"/lots/{p.lot_a}/vvm-observations"
    first = nurse.ok(nurse.post(path, read(2, p.clinic_unit)), 201)
    wrong = nurse.ok(nurse.post(path, read(4, p.clinic_unit, "looked dark")), 201)
    void = f"/vvm-observations/{wrong['id']}/void"

    refused = nurse.post(void, {"reason": "my mistake"})
    assert refused.status_code == 403
    assert elsewhere.post(void, {"reason": "not mine"}).status_code == 403
    assert nurse.ok(nurse.get(f"/lots/{p.lot_a}"))["vvm_stage"] == 4

    done = supervisor.ok(supervisor.post(void, {"reason": "read under a lamp"}), 201)
    assert (done["voids_id"], done["stage"], done["lot_vvm_stage"]) == (wrong["id"], None, 2)
    assert nurse.ok(nurse.get(f"/lots/{p.lot_a}"))["vvm_stage"] == 2
    history = nurse.ok(nurse.get(path))
    assert [(e["id"], e["stage"], e["voided_by_id"]) for e in history] == [
        (first["id"], 2, None),
        (wrong["id"], 4, done["id"]),
        (done["id"], None, None),
    ]
    assert supervisor.post(void, {"reason": "again"}).status_code == 409
    assert supervisor.post("/vvm-observations/9999/void", {"reason": "x"}).status_code == 404
    assert supervisor.post(void, {}).status_code == 422
    given = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 1}
    nurse.ok(nurse.post("/movements/administrations", given), 201)
