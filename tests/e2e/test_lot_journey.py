"""A lot's journey from the province store to a clinic, through the API only: receipt from
the supplier, allocation, FEFO dispatch, a receipt with a shortfall, a second leg to a
clinic, doses given and wasted; then quarantine, release, reversal and recall. Stock on
hand and the trace conserve exactly at every step that is checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import EXPIRY_A, MMR_GTIN, ApiAs, Caller, Programme, gs1


@dataclass(frozen=True)
class Journey:
    p: Programme
    first_leg: int  # shipment province -> county
    second_leg: int  # shipment county -> clinic
    dispatch: dict[str, Any]
    receipt: dict[str, Any]
    administration: dict[str, Any]
    wastage: dict[str, Any]


def month() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start.isoformat(), end.isoformat()


@pytest.fixture
def journey(admin: Caller, programme: Programme) -> Journey:
    p = programme
    start, end = month()
    for lot, doses in ((p.lot_a, 1000), (p.lot_b, 600)):
        body = {"storage_unit_id": p.province_unit, "lot_id": lot, "doses": doses}
        admin.ok(admin.post("/movements/receipts", body), 201)
    for facility, doses in ((p.county, 400), (p.clinic, 100)):
        quota = {"facility_id": facility, "product_id": p.mmr, "doses": doses}
        admin.ok(admin.put("/allocations", {**quota, "period_start": start, "period_end": end}))

    first = admin.ok(admin.post("/shipments", _shipment(p.province, p.county)), 201)["id"]
    items = [{"product_id": p.mmr, "doses": 400}]  # no lot named: FEFO picks
    dispatch = admin.ok(
        admin.post(
            f"/shipments/{first}/dispatch", {"storage_unit_id": p.province_unit, "items": items}
        ),
        201,
    )
    received = [{"lot_id": p.lot_a, "doses": 390, "discrepancy_reason": "one box crushed"}]
    receipt = admin.ok(
        admin.post(
            f"/shipments/{first}/receipt", {"storage_unit_id": p.county_unit, "lots": received}
        ),
        201,
    )

    second = admin.ok(admin.post("/shipments", _shipment(p.county, p.clinic)), 201)["id"]
    items = [{"product_id": p.mmr, "doses": 100}]
    admin.ok(
        admin.post(
            f"/shipments/{second}/dispatch", {"storage_unit_id": p.county_unit, "items": items}
        ),
        201,
    )
    scan = gs1(MMR_GTIN, "L100", EXPIRY_A)  # the clinic scans the pack to receive it
    admin.ok(
        admin.post(
            f"/shipments/{second}/receipt",
            {"storage_unit_id": p.clinic_unit, "lots": [{"scan": scan, "doses": 100}]},
        ),
        201,
    )
    given = {"storage_unit_id": p.clinic_unit, "scan": scan, "doses": 30, "dose_number": 1}
    administration = admin.ok(admin.post("/movements/administrations", given), 201)
    waste = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 5, "reason": "broken"}
    wastage = admin.ok(admin.post("/movements/wastage", waste), 201)
    return Journey(p, first, second, dispatch, receipt, administration, wastage)


def _shipment(origin: int, destination: int) -> dict[str, Any]:
    return {
        "origin_facility_id": origin,
        "destination_facility_id": destination,
        "expected_lead_time_hours": 48,
    }


def usable(admin: Caller, facility: int, lot: int | None = None, **query: Any) -> int:
    stock = admin.ok(admin.get("/stock", facility_id=facility, lot_id=lot, **query))
    return sum(line["usable"]["doses"] for line in stock["lines"])


def trace(admin: Caller, lot: int) -> dict[str, Any]:
    found: dict[str, Any] = admin.ok(admin.get(f"/lots/{lot}/trace"))
    return found


def assert_conserved(t: dict[str, Any]) -> None:
    c = t["conservation"]
    accounted = c["on_hand"] + c["in_transit"] + c["administered"] + c["wasted"] + c["adjusted"]
    assert c["received_from_supplier"] == accounted
    assert c["balanced"] and c["projection_matches"]


def test_fefo_dispatch_takes_the_earliest_expiring_lot(journey: Journey) -> None:
    lines = journey.dispatch["movement"]["lines"]
    assert {line["lot_id"] for line in lines} == {journey.p.lot_a}
    assert journey.dispatch["status"] == "dispatched"


def test_a_shortfall_on_receipt_is_a_discrepancy_with_its_reason(
    admin: Caller, journey: Journey
) -> None:
    assert journey.receipt["status"] == "partially_received"
    [discrepancy] = journey.receipt["discrepancies"]
    assert discrepancy == {
        "lot_id": journey.p.lot_a,
        "kind": "shortfall",
        "dispatched": 400,
        "received": 390,
        "reason": "one box crushed",
    }
    shipment = admin.ok(admin.get(f"/shipments/{journey.first_leg}"))
    assert shipment["status"] == "partially_received"
    assert shipment["lines"][0]["received"] == 390


def test_stock_on_hand_follows_the_lot_down_the_tree(admin: Caller, journey: Journey) -> None:
    p = journey.p
    assert usable(admin, p.province, p.lot_a) == 600
    assert usable(admin, p.province, p.lot_b) == 600
    assert usable(admin, p.county, p.lot_a) == 290
    assert usable(admin, p.clinic, p.lot_a) == 65
    subtree = admin.ok(admin.get("/stock", facility_id=p.province, subtree="true"))
    [total] = subtree["totals"]
    assert total["usable"] == {"doses": 600 + 600 + 290 + 65, "vials": 155, "loose_doses": 5}
    assert total["in_transit"]["doses"] == 0


def test_the_trace_conserves_exactly_and_follows_the_shipments(
    admin: Caller, journey: Journey
) -> None:
    p = journey.p
    t = trace(admin, p.lot_a)
    assert_conserved(t)
    c = t["conservation"]
    assert (c["received_from_supplier"], c["on_hand"], c["administered"]) == (1000, 955, 30)
    assert c["wasted"] == 10 + 5  # the shortfall (lost) and the broken vials
    assert [f["facility_id"] for f in t["facilities"]] == [p.province, p.county, p.clinic]
    assert t["administered_by_facility"] == [{"facility_id": p.clinic, "doses": 30}]
    assert {w["reason"]: w["doses"] for w in t["wastage_by_reason"]} == {"lost": 10, "broken": 5}
    assert t["state"] == "active"


def test_allocations_show_allocated_dispatched_received_and_administered(
    admin: Caller, journey: Journey, api_as: ApiAs
) -> None:
    p = journey.p
    start, end = month()
    rows = admin.ok(
        admin.get(
            "/allocations",
            facility_id=p.province,
            product_id=p.mmr,
            period_start=start,
            period_end=end,
        )
    )
    by_id = {row["facility_id"]: row for row in rows}
    assert by_id[p.province]["allocated_to_children"] == 400
    assert by_id[p.province]["administered_in_subtree"] == 30
    county = by_id[p.county]
    assert (county["allocated"], county["dispatched"], county["received"]) == (400, 400, 390)
    assert county["allocated_to_children"] == 100
    clinic = by_id[p.clinic]
    assert (clinic["allocated"], clinic["received"], clinic["administered"]) == (100, 100, 30)

    csv = admin.get(
        "/allocations.csv",
        facility_id=p.province,
        product_id=p.mmr,
        period_start=start,
        period_end=end,
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    name = f'filename="allocations-{by_id[p.province]["code"]}-{start}-{end}.csv"'
    assert name in csv.headers["content-disposition"]
    text = csv.content.decode("utf-8-sig").splitlines()
    assert text[0].startswith("period_start,period_end,facility,level,parent_id,allocated,")
    assert len(text) == 1 + len(rows)
    county_row = next(line for line in text[1:] if f",{county['code']}," in line)
    assert county_row.split(",")[5:9] == ["400", "100", "400", "390"]

    outsider = api_as("staff", facility_id=p.other_clinic)
    status = {"facility_id": p.county, "product_id": p.mmr, "period_start": start}
    for path in ("/allocations", "/allocations.csv"):
        assert outsider.get(path, **status, period_end=end).status_code == 403


def test_a_quarantined_lot_cannot_be_given_until_it_is_released(
    admin: Caller, journey: Journey
) -> None:
    p = journey.p
    hold = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "reason": "heat alarm"}
    admin.ok(admin.post("/movements/quarantines", hold), 201)
    give = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 1}

    refused = admin.post("/movements/administrations", give)

    assert refused.status_code == 409
    assert refused.json()["error"] == "LotOnHold"
    assert "quarantined" in refused.json()["detail"]
    stock = admin.ok(admin.get("/stock", storage_unit_id=p.clinic_unit))
    assert stock["lines"][0]["held"]["doses"] == 65 and stock["lines"][0]["usable"]["doses"] == 0

    release = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "reference": "MFR-2024-1"}
    admin.ok(admin.post("/movements/releases", release), 201)
    admin.ok(admin.post("/movements/administrations", give), 201)
    assert usable(admin, p.clinic, p.lot_a) == 64
    assert_conserved(trace(admin, p.lot_a))


def test_a_reversal_undoes_the_wastage_and_can_happen_once(admin: Caller, journey: Journey) -> None:
    p = journey.p
    wastage = journey.wastage["id"]
    reversal = admin.ok(
        admin.post(f"/movements/{wastage}/reversal", {"reason": "counted twice"}), 201
    )

    assert reversal["reverses_movement_id"] == wastage
    assert usable(admin, p.clinic, p.lot_a) == 70
    again = admin.post(f"/movements/{wastage}/reversal", {"reason": "again"})
    assert again.status_code == 409 and "already reversed" in again.json()["detail"]
    assert admin.ok(admin.get(f"/movements/{wastage}"))["reversed_by"] == reversal["id"]
    t = trace(admin, p.lot_a)
    assert_conserved(t)
    assert {w["reason"]: w["doses"] for w in t["wastage_by_reason"]} == {"lost": 10}


def test_a_recall_holds_the_lot_everywhere_and_lists_the_holders(
    admin: Caller, api_as: ApiAs, journey: Journey
) -> None:
    p = journey.p
    recall = admin.ok(
        admin.post("/movements/recalls", {"lot_id": p.lot_a, "reference": "NMPA-17"}), 201
    )

    holders = {(h["facility_id"], h["doses"]) for h in recall["holders"]}
    assert holders == {(p.province, 600), (p.county, 290), (p.clinic, 65)}
    give = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 1}
    refused = admin.post("/movements/administrations", give)
    assert refused.status_code == 409 and "recalled" in refused.json()["detail"]
    release = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "reference": "MFR-1"}
    refused = admin.post("/movements/releases", release)
    assert refused.status_code == 409 and "recalled" in refused.json()["detail"]
    t = trace(admin, p.lot_a)
    assert t["state"] == "recalled"
    assert sum(h["doses"] for h in t["held_now"]) == 955
    assert_conserved(t)
    assert usable(admin, p.province, p.lot_b) == 600  # the other lot is untouched
    movement = f"/movements/{recall['movement']['id']}"
    assert admin.ok(admin.get(movement))["kind"] == "recall"
    assert api_as("staff", facility_id=p.clinic).get(movement).status_code == 403


def test_naming_a_lot_that_breaks_fefo_needs_a_reason(admin: Caller, journey: Journey) -> None:
    p = journey.p
    shipment = admin.ok(admin.post("/shipments", _shipment(p.province, p.county)), 201)["id"]
    body: dict[str, Any] = {
        "storage_unit_id": p.province_unit,
        "items": [{"lot_id": p.lot_b, "doses": 50}],
    }

    refused = admin.post(f"/shipments/{shipment}/dispatch", body)

    assert refused.status_code == 409 and refused.json()["error"] == "FefoViolation"
    assert "L100" in refused.json()["detail"]
    body["fefo_override_reason"] = "county asked for the long-dated lot"
    dispatched = admin.ok(admin.post(f"/shipments/{shipment}/dispatch", body), 201)
    assert [line["lot_id"] for line in dispatched["movement"]["lines"]] == [p.lot_b, p.lot_b]
    in_transit = admin.ok(admin.get("/stock", facility_id=p.county))["in_transit"]
    assert [(t["lot_id"], t["in_transit"]["doses"]) for t in in_transit] == [(p.lot_b, 50)]
    assert_conserved(trace(admin, p.lot_b))


def test_an_overdue_shipment_is_listed_and_can_be_marked_lost(
    admin: Caller, programme: Programme
) -> None:
    p = programme
    long_ago = datetime.now(UTC) - timedelta(days=5)
    admin.ok(
        admin.post(
            "/movements/receipts",
            {
                "storage_unit_id": p.province_unit,
                "lot_id": p.lot_b,
                "doses": 200,
                "occurred_at": long_ago.isoformat(),
            },
        ),
        201,
    )
    shipment = admin.ok(
        admin.post("/shipments", {**_shipment(p.province, p.other_clinic), "reference": "TR-9"}),
        201,
    )["id"]
    dispatch = {
        "storage_unit_id": p.province_unit,
        "items": [{"product_id": p.mmr, "doses": 80}],
        "occurred_at": (long_ago + timedelta(hours=1)).isoformat(),
    }
    admin.ok(admin.post(f"/shipments/{shipment}/dispatch", dispatch), 201)

    overdue = admin.ok(admin.get("/shipments/overdue", facility_id=p.province))

    assert [(o["shipment_id"], o["reference"]) for o in overdue] == [(shipment, "TR-9")]
    lost = admin.ok(admin.post(f"/shipments/{shipment}/lost", {"reason": "truck missing"}), 201)
    assert lost["status"] == "lost"
    assert admin.ok(admin.get("/shipments/overdue")) == []
    t = trace(admin, p.lot_b)
    assert {w["reason"]: w["doses"] for w in t["wastage_by_reason"]} == {"lost": 80}
    assert_conserved(t)


def test_the_stock_card_runs_a_balance_from_opening_to_closing(
    admin: Caller, journey: Journey
) -> None:
    p = journey.p
    card = admin.ok(admin.get("/stock-card", facility_id=p.clinic, lot_id=p.lot_a))

    changes = [(e["kind"], e["usable_change"], e["balance"]["usable"]) for e in card["entries"]]
    assert changes == [
        ("shipment_receipt", 100, 100),
        ("administration", -30, 70),
        ("wastage", -5, 65),
    ]
    assert card["opening"]["usable"] + sum(c for _, c, _ in changes) == card["closing"]["usable"]


def test_the_storage_history_shows_where_the_lot_sat(admin: Caller, journey: Journey) -> None:
    p = journey.p
    history = admin.ok(admin.get("/storage-history", lot_id=p.lot_a))
    now = {h["storage_unit_id"]: h["doses"] for h in history if h["end"] == history[-1]["end"]}

    assert {p.province_unit, p.county_unit, p.clinic_unit} <= {
        h["storage_unit_id"] for h in history
    }
    assert now[p.clinic_unit] == 65
    start = history[0]["start"]
    unit = admin.ok(admin.get(f"/storage-units/{p.clinic_unit}/history", start=start))
    assert [h["doses"] for h in unit] == [100, 70, 65]


def test_transfers_counts_and_destruction_keep_the_lot_conserved(
    admin: Caller, journey: Journey
) -> None:
    p = journey.p
    box = {"code": "GD-K1-C1-BOX", "facility_id": p.clinic, "kind": "cold_box"}
    cold_box = admin.ok(admin.post("/storage-units", box), 201)["id"]
    move = {"from_unit_id": p.clinic_unit, "to_unit_id": cold_box, "lot_id": p.lot_a, "doses": 20}
    admin.ok(admin.post("/movements/transfers", move), 201)
    count = {"storage_unit_id": cold_box, "counts": [{"lot_id": p.lot_a, "doses": 18}]}
    counted = admin.ok(admin.post("/movements/counts", count), 201)
    hold = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 5, "reason": "frozen"}
    admin.ok(admin.post("/movements/quarantines", hold), 201)
    destroy = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "reference": "DR-3"}
    admin.ok(admin.post("/movements/destructions", destroy), 201)

    assert sorted(line["doses"] for line in counted["lines"]) == [-2, 2]
    by_unit = admin.ok(admin.get("/stock", facility_id=p.clinic, by_unit="true"))
    assert {line["storage_unit_id"]: line["usable"]["doses"] for line in by_unit["lines"]} == {
        p.clinic_unit: 65 - 20 - 5,
        cold_box: 18,
    }
    t = trace(admin, p.lot_a)
    assert_conserved(t)
    assert t["conservation"]["adjusted"] == 2
    wasted = {w["reason"]: w["doses"] for w in t["wastage_by_reason"]}
    assert wasted == {"lost": 10, "broken": 5, "temperature_damage": 5}


def test_a_failing_fridges_quarantined_doses_move_to_another_unit_still_held(
    admin: Caller, journey: Journey
) -> None:
    p = journey.p
    spare = admin.ok(
        admin.post(
            "/storage-units", {"code": "GD-K1-C1-F2", "facility_id": p.clinic, "kind": "fridge"}
        ),
        201,
    )["id"]
    hold = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "reason": "heat alarm"}
    admin.ok(admin.post("/movements/quarantines", hold), 201)
    move = {"from_unit_id": p.clinic_unit, "to_unit_id": spare, "lot_id": p.lot_a, "doses": 65}

    refused = admin.post("/movements/transfers", move)
    admin.ok(admin.post("/movements/transfers", {**move, "held": True}), 201)

    assert refused.status_code == 409 and refused.json()["error"] == "LotOnHold"
    by_unit = admin.ok(admin.get("/stock", facility_id=p.clinic, by_unit="true"))
    lines = {line["storage_unit_id"]: line for line in by_unit["lines"]}
    assert (lines[spare]["held"]["doses"], lines[spare]["usable"]["doses"]) == (65, 0)
    assert p.clinic_unit not in lines or lines[p.clinic_unit]["held"]["doses"] == 0
    assert_conserved(trace(admin, p.lot_a))


def test_a_count_through_the_api_keeps_each_lots_reason(admin: Caller, journey: Journey) -> None:
    p = journey.p
    empty = {
        "storage_unit_id": p.clinic_unit,
        "counts": [{"lot_id": p.lot_a, "doses": 60, "reason": ""}],
    }
    assert admin.post("/movements/counts", empty).status_code == 422
    count = {
        "storage_unit_id": p.clinic_unit,
        "counts": [{"lot_id": p.lot_a, "doses": 60, "reason": "five doses spilt"}],
    }
    admin.ok(admin.post("/movements/counts", count), 201)
    card = admin.ok(admin.get("/stock-card", storage_unit_id=p.clinic_unit, lot_id=p.lot_a))
    assert [e["reason"] for e in card["entries"] if e["kind"] == "count"] == ["five doses spilt"]
