"""Naming lots by scanning the pack, and recording movements exactly once: GS1 scans in
bodies and queries, the 422 for a misread code, the candidates of a shared lot number, and
the ``Idempotency-Key`` rules (required; a replay posts nothing; a reused key is refused)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import (
    BCG_GTIN,
    EXPIRY_A,
    EXPIRY_B,
    MMR_GTIN,
    Caller,
    Programme,
    gs1,
)

GS = "\x1d"


def receipt(p: Programme, **lot: Any) -> dict[str, Any]:
    return {"storage_unit_id": p.province_unit, "doses": 100, **lot}


def held_doses(admin: Caller, p: Programme, lot: int) -> int:
    stock = admin.ok(admin.get("/stock", storage_unit_id=p.province_unit, lot_id=lot))
    return sum(line["usable"]["doses"] for line in stock["lines"])


def test_a_scan_names_the_lot_of_a_movement(admin: Caller, programme: Programme) -> None:
    p = programme
    raw = f"]d201{MMR_GTIN}17{EXPIRY_B:%y%m%d}10L200{GS}21SN0001"  # as a scanner sends it

    movement = admin.ok(admin.post("/movements/receipts", receipt(p, scan=raw)), 201)

    assert {line["lot_id"] for line in movement["lines"]} == {p.lot_b}
    assert held_doses(admin, p, p.lot_b) == 100
    assert held_doses(admin, p, p.lot_a) == 0


def test_a_scan_with_a_bad_check_digit_is_refused_naming_the_expected_digit(
    admin: Caller, programme: Programme
) -> None:
    misread = gs1(MMR_GTIN[:-1] + "3", "L100", EXPIRY_A)  # the check digit is 2

    refused = admin.post("/movements/receipts", receipt(programme, scan=misread))

    assert refused.status_code == 422
    assert refused.json()["error"] == "BadCheckDigit"
    assert "expected 2" in refused.json()["detail"]
    assert held_doses(admin, programme, programme.lot_a) == 0


def test_a_scan_of_an_unregistered_lot_is_not_found(admin: Caller, programme: Programme) -> None:
    unknown = gs1(MMR_GTIN, "L999", EXPIRY_A)
    other_expiry = gs1(MMR_GTIN, "L100", EXPIRY_B)

    assert admin.post("/movements/receipts", receipt(programme, scan=unknown)).status_code == 404
    refused = admin.post("/movements/receipts", receipt(programme, scan=other_expiry))
    assert refused.status_code == 404
    assert "registered with expiry 2030-01-31" in refused.json()["detail"]


def test_naming_a_lot_twice_or_not_at_all_is_refused(admin: Caller, programme: Programme) -> None:
    p = programme
    both = receipt(p, lot_id=p.lot_a, scan=gs1(MMR_GTIN, "L100", EXPIRY_A))

    assert admin.post("/movements/receipts", both).status_code == 422
    missing = admin.post("/movements/receipts", receipt(p))
    assert missing.status_code == 422 and "lot_id or scan" in missing.json()["detail"]


def test_a_lot_registers_from_a_scan_once(admin: Caller, programme: Programme) -> None:
    scan = gs1(BCG_GTIN, "B-77", EXPIRY_B)

    first = admin.ok(admin.post("/lots", {"scan": scan}), 201)
    again = admin.ok(admin.post("/lots", {"scan": scan}), 201)

    assert first == again
    assert (first["product_id"], first["lot_number"]) == (programme.bcg, "B-77")
    assert admin.ok(admin.get("/lots/scan", scan=scan))["id"] == first["id"]


def test_a_shared_lot_number_returns_the_candidates(admin: Caller, programme: Programme) -> None:
    p = programme

    answer = admin.ok(admin.get("/trace", lot_number="L100"))

    assert answer["kind"] == "candidates"
    assert {c["lot_id"] for c in answer["candidates"]} == {p.lot_a, p.lot_bcg}
    found = admin.ok(admin.get("/lots", lot_number="L100"))
    assert {(lot["product_code"], lot["id"]) for lot in found} == {
        ("MMR", p.lot_a),
        ("BCG", p.lot_bcg),
    }
    by_gtin = admin.ok(admin.get("/trace", lot_number="L100", gtin=BCG_GTIN))
    assert (by_gtin["kind"], by_gtin["lot"]["id"]) == ("trace", p.lot_bcg)
    by_scan = admin.ok(admin.get("/trace", scan=gs1(MMR_GTIN, "L100", EXPIRY_A)))
    assert by_scan["lot"]["id"] == p.lot_a


def test_a_movement_without_an_idempotency_key_is_refused_saying_so(
    admin: Caller, programme: Programme
) -> None:
    refused = admin.post("/movements/receipts", receipt(programme, lot_id=programme.lot_a), None)

    assert refused.status_code == 422
    assert "Idempotency-Key header is required" in refused.json()["detail"]
    assert held_doses(admin, programme, programme.lot_a) == 0


def test_a_replay_returns_the_first_result_and_posts_nothing(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    body = receipt(p, lot_id=p.lot_a)

    first = admin.post("/movements/receipts", body, "delivery-42")
    replay = admin.post("/movements/receipts", body, "delivery-42")

    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert held_doses(admin, p, p.lot_a) == 100
    trace = admin.ok(admin.get(f"/lots/{p.lot_a}/trace"))
    assert trace["conservation"]["received_from_supplier"] == 100


def test_a_replayed_dispatch_moves_the_stock_once(admin: Caller, programme: Programme) -> None:
    p = programme
    admin.ok(admin.post("/movements/receipts", receipt(p, lot_id=p.lot_a)), 201)
    shipment = admin.ok(
        admin.post(
            "/shipments",
            {
                "origin_facility_id": p.province,
                "destination_facility_id": p.county,
                "expected_lead_time_hours": 24,
            },
        ),
        201,
    )["id"]
    body = {"storage_unit_id": p.province_unit, "items": [{"product_id": p.mmr, "doses": 60}]}

    first = admin.ok(admin.post(f"/shipments/{shipment}/dispatch", body, "d-1"), 201)
    replay = admin.ok(admin.post(f"/shipments/{shipment}/dispatch", body, "d-1"), 201)

    assert first == replay
    assert held_doses(admin, p, p.lot_a) == 40


def test_a_key_reused_for_another_request_is_a_conflict(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    admin.ok(admin.post("/movements/receipts", receipt(p, lot_id=p.lot_a), "k-7"), 201)

    reused = admin.post("/movements/receipts", receipt(p, lot_id=p.lot_b), "k-7")

    assert reused.status_code == 409 and reused.json()["error"] == "IdempotencyConflict"
    assert held_doses(admin, p, p.lot_b) == 0


def test_two_users_with_the_same_key_record_two_movements(
    admin: Caller, api_as: Any, programme: Programme
) -> None:
    p = programme
    other = api_as("admin")

    admin.ok(admin.post("/movements/receipts", receipt(p, lot_id=p.lot_a), "same"), 201)
    other.ok(other.post("/movements/receipts", receipt(p, lot_id=p.lot_a), "same"), 201)

    assert held_doses(admin, p, p.lot_a) == 200


def test_a_scan_names_the_lot_in_the_reads(admin: Caller, programme: Programme) -> None:
    p = programme
    admin.ok(admin.post("/movements/receipts", receipt(p, lot_id=p.lot_a)), 201)
    admin.ok(admin.post("/movements/receipts", receipt(p, lot_id=p.lot_b)), 201)
    scan = gs1(MMR_GTIN, "L200", EXPIRY_B)

    stock = admin.ok(admin.get("/stock", facility_id=p.province, scan=scan))
    card = admin.ok(admin.get("/stock-card", facility_id=p.province, scan=scan))
    history = admin.ok(admin.get("/storage-history", scan=scan))

    assert [line["lot_id"] for line in stock["lines"]] == [p.lot_b]
    assert stock["totals"][0]["usable"] == {"doses": 100, "vials": 10, "loose_doses": 0}
    assert [(e["lot_id"], e["usable_change"]) for e in card["entries"]] == [(p.lot_b, 100)]
    assert [(h["storage_unit_id"], h["doses"]) for h in history] == [(p.province_unit, 100)]
    misread = admin.get("/stock", facility_id=p.province, scan=scan.replace("352", "353"))
    assert misread.status_code == 422 and "expected 2" in misread.json()["detail"]


def test_a_retried_shipment_plan_with_its_key_plans_one_shipment(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    plan = {
        "origin_facility_id": p.province,
        "destination_facility_id": p.county,
        "expected_lead_time_hours": 24,
    }

    first = admin.ok(admin.post("/shipments", plan, "plan-county-w9"), 201)
    retry = admin.ok(admin.post("/shipments", plan, "plan-county-w9"), 201)
    other = admin.post("/shipments", {**plan, "reference": "another"}, "plan-county-w9")
    unkeyed = admin.ok(admin.post("/shipments", plan, None), 201)

    assert retry == first and unkeyed["id"] != first["id"]
    assert other.status_code == 409 and other.json()["error"] == "IdempotencyConflict"
    listed = admin.ok(admin.get("/shipments", facility_id=p.province))
    assert sorted(s["id"] for s in listed) == sorted([first["id"], unkeyed["id"]])
