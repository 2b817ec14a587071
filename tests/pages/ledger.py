"""A small journey on the ledger for the pages' tests, through the API only: lot L100 (MMR)
received at the province, shipped to the clinic with a shortfall, doses given there."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Caller, Programme


def journey(admin: Caller, p: Programme) -> dict[str, Any]:
    admin.ok(
        admin.post(
            "/movements/receipts",
            {"storage_unit_id": p.province_unit, "lot_id": p.lot_a, "doses": 500},
        ),
        201,
    )
    quota = {"facility_id": p.clinic, "product_id": p.mmr, "doses": 200}
    admin.ok(
        admin.put(
            "/allocations", {**quota, "period_start": "2024-03-01", "period_end": "2024-03-31"}
        )
    )
    route = {"origin_facility_id": p.province, "destination_facility_id": p.clinic}
    shipment = admin.ok(admin.post("/shipments", {**route, "expected_lead_time_hours": 48}), 201)
    items = [{"product_id": p.mmr, "lot_id": p.lot_a, "doses": 200}]
    admin.ok(
        admin.post(
            f"/shipments/{shipment['id']}/dispatch",
            {"storage_unit_id": p.province_unit, "items": items},
        ),
        201,
    )
    lots = [{"lot_id": p.lot_a, "doses": 190, "discrepancy_reason": "one box crushed"}]
    admin.ok(
        admin.post(
            f"/shipments/{shipment['id']}/receipt",
            {"storage_unit_id": p.clinic_unit, "lots": lots},
        ),
        201,
    )
    given = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 30, "dose_number": 1}
    admin.ok(admin.post("/movements/administrations", given), 201)
    return {"shipment": shipment["id"]}
