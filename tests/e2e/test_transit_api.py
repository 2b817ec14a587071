"""A shipment's journey through the API (rule 27): a logger attached at dispatch (by id or
by a scan of its label), the transport record the receiver reads first, the decision (an
incomplete record needs a supervisor's override), a refusal sending the doses back to the
sender on the road, the sender receiving them back held; and every refusal of the API is a
clear 4xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.deps import ApiDeps
from ingest.readings import Reading
from ingest.registry import to_ns
from ingest.sinks.embedded import EmbeddedSink
from tests.e2e.conftest import ApiAs, Caller, Programme

EVERY = timedelta(minutes=5)


def _ship(admin: Caller, p: Programme, dispatched: datetime, doses: int = 100) -> int:
    admin.ok(
        admin.post(
            "/movements/receipts",
            {
                "storage_unit_id": p.province_unit,
                "lot_id": p.lot_a,
                "doses": 1000,
                "occurred_at": (dispatched - timedelta(days=1)).isoformat(),
            },
        ),
        201,
    )
    body = {
        "origin_facility_id": p.province,
        "destination_facility_id": p.county,
        "expected_lead_time_hours": 8,
    }
    shipment: int = admin.ok(admin.post("/shipments", body), 201)["id"]
    dispatch = {
        "storage_unit_id": p.province_unit,
        "items": [{"product_id": p.mmr, "doses": doses}],
        "occurred_at": dispatched.isoformat(),
    }
    admin.ok(admin.post(f"/shipments/{shipment}/dispatch", dispatch), 201)
    return shipment


def _readings(deps: ApiDeps, unit: str, start: datetime, end: datetime, hot: bool) -> None:
    engine = deps.session_factory.kw["bind"]
    readings, at, seq = [], start, 0
    while at < end:
        t = 12.0 if hot and start + timedelta(hours=1) <= at < start + timedelta(hours=2) else 5.0
        readings.append(Reading("GD", unit, "TL-9", to_ns(at), t, to_ns(end), seq))
        at, seq = at + EVERY, seq + 1
    assert EmbeddedSink(engine).write(readings).rejected == ()


def _receipt(p: Programme, at: datetime, **extra: Any) -> dict[str, Any]:
    lots = [{"lot_id": p.lot_a, "doses": 100}]
    return {"storage_unit_id": p.county_unit, "lots": lots, "occurred_at": at.isoformat(), **extra}


def test_the_receiver_reads_the_record_then_accepts(
    admin: Caller, programme: Programme, deps: ApiDeps, api_as: ApiAs
) -> None:
    p = programme
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dispatched, arrived = now - timedelta(hours=6), now - timedelta(minutes=10)
    shipment = _ship(admin, p, dispatched)
    province_staff = api_as("staff", facility_id=p.province)
    logger = province_staff.ok(
        province_staff.post(f"/shipments/{shipment}/loggers", {"scan": "(8004)TL-9"}, key=None),
        201,
    )
    assert (logger["sensor_id"], logger["unit"]) == ("TL-9", f"shipment-{shipment}")
    assert logger["attached_at"].startswith(dispatched.strftime("%Y-%m-%dT%H:%M"))
    _readings(deps, logger["unit"], dispatched, arrived, hot=True)

    county = api_as("staff", facility_id=p.county)
    record = county.ok(
        county.get(f"/shipments/{shipment}/transport-record", until=arrived.isoformat())
    )

    assert record["covers"] is True, record["problems"]
    assert (record["min_c"], record["max_c"]) == (5.0, 12.0)
    assert record["minutes_above"] == 60.0 and record["gaps"] == []
    assert record["profile"] == "2-8" and record["reading_count"] == 70
    got = county.ok(county.post(f"/shipments/{shipment}/receipt", _receipt(p, arrived)), 201)
    assert got["status"] == "received"
    [off] = county.ok(county.get(f"/shipments/{shipment}/loggers"))
    assert off["detached_at"] is not None

    series = county.ok(county.get(f"/shipments/{shipment}/readings", every=3600))
    assert series["unit"] == f"shipment-{shipment}" and len(series["buckets"]) >= 6
    assert max(b["max_c"] for b in series["buckets"]) == 12.0
    [journey] = admin.ok(admin.get(f"/lots/{p.lot_a}/trace"))["shipments"]
    assert journey["transport"]["covers"] is True
    assert journey["transport"]["loggers"] == ["TL-9"]
    assert (journey["transport"]["max_c"], journey["transport"]["minutes_above"]) == (12.0, 60.0)


def test_an_incomplete_record_needs_a_supervisors_override(
    admin: Caller, programme: Programme, deps: ApiDeps, api_as: ApiAs
) -> None:
    p = programme
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dispatched, arrived = now - timedelta(hours=6), now - timedelta(minutes=10)
    shipment = _ship(admin, p, dispatched)
    admin.ok(admin.post(f"/shipments/{shipment}/loggers", {"sensor_id": "TL-9"}, key=None), 201)
    _readings(deps, f"shipment-{shipment}", dispatched, dispatched + timedelta(hours=3), False)
    staff = api_as("staff", facility_id=p.county)
    supervisor = api_as("supervisor", facility_id=p.county)

    record = staff.ok(staff.get(f"/shipments/{shipment}/transport-record"))
    assert record["covers"] is False
    assert any("before arrival" in problem for problem in record["problems"])
    refused = staff.post(f"/shipments/{shipment}/receipt", _receipt(p, arrived))
    assert refused.status_code == 409, refused.text
    assert "needs a supervisor's override" in refused.json()["detail"]
    forbidden = staff.post(
        f"/shipments/{shipment}/receipt", _receipt(p, arrived, override_reason="I say so")
    )
    assert forbidden.status_code == 403, forbidden.text

    got = supervisor.ok(
        supervisor.post(
            f"/shipments/{shipment}/receipt",
            _receipt(
                p,
                arrived,
                decision="accept_quarantined",
                override_reason="logger full after 3 h; box checked cold on arrival",
            ),
        ),
        201,
    )
    assert got["status"] == "received"
    stock = admin.ok(admin.get("/stock", storage_unit_id=p.county_unit))
    assert [(x["usable"]["doses"], x["held"]["doses"]) for x in stock["lines"]] == [(0, 100)]
    decision = admin.ok(admin.get(f"/shipments/{shipment}"))["decision"]
    assert (decision["decision"], decision["record_complete"]) == ("accept_quarantined", False)
    assert decision["override_reason"].startswith("logger full") and decision["override_by"]
    [journey] = admin.ok(admin.get(f"/lots/{p.lot_a}/trace"))["shipments"]
    assert journey["loggers"] == ["TL-9"] and journey["decision"] == decision
    assert journey["transport"]["covers"] is False


def test_a_refused_shipment_travels_back_and_the_sender_receives_it_held(
    admin: Caller, programme: Programme, api_as: ApiAs
) -> None:
    p = programme
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    shipment = _ship(admin, p, now - timedelta(hours=6))
    county = api_as("staff", facility_id=p.county)
    province = api_as("staff", facility_id=p.province)

    refused = county.ok(
        county.post(
            f"/shipments/{shipment}/refusal",
            {
                "reason": "no transport record",
                "occurred_at": (now - timedelta(hours=2)).isoformat(),
            },
        ),
        201,
    )

    assert refused["status"] == "refused"
    # on the road back: not in the sender's unit yet, listed as returning to it
    stock = admin.ok(admin.get("/stock", storage_unit_id=p.province_unit))
    assert [(x["usable"]["doses"], x["held"]["doses"]) for x in stock["lines"]] == [(900, 0)]
    sender = admin.ok(admin.get("/stock", facility_id=p.province))
    assert [(t["in_transit"]["doses"], t["returning"]) for t in sender["in_transit"]] == [
        (100, True)
    ]
    assert admin.ok(admin.get("/stock", facility_id=p.county))["in_transit"] == []
    again = county.post(f"/shipments/{shipment}/receipt", _receipt(p, now))
    assert again.status_code == 409 and "is refused" in again.json()["detail"]
    body = {
        "lots": [{"lot_id": p.lot_a, "doses": 90, "discrepancy_reason": "a box broke"}],
        "occurred_at": now.isoformat(),
    }
    assert county.post(f"/shipments/{shipment}/return-receipt", body).status_code == 403
    wrong_unit = province.post(
        f"/shipments/{shipment}/return-receipt", {**body, "storage_unit_id": p.county_unit}
    )
    assert wrong_unit.status_code == 422 and "not at the origin" in wrong_unit.text
    no_reason = province.post(
        f"/shipments/{shipment}/return-receipt",
        {**body, "lots": [{"lot_id": p.lot_a, "doses": 90}]},
    )
    assert no_reason.status_code == 422 and "needs a discrepancy reason" in no_reason.text

    back = province.ok(province.post(f"/shipments/{shipment}/return-receipt", body), 201)

    assert back["status"] == "returned"
    assert [(d["kind"], d["dispatched"], d["received"]) for d in back["discrepancies"]] == [
        ("shortfall", 100, 90)
    ]
    stock = admin.ok(admin.get("/stock", storage_unit_id=p.province_unit))
    assert [(x["usable"]["doses"], x["held"]["doses"]) for x in stock["lines"]] == [(900, 90)]
    view = admin.ok(admin.get(f"/shipments/{shipment}"))
    assert (view["status"], view["lines"][0]["returned"]) == ("returned", 90)
    assert view["refused_at"] and view["returned_at"]
    trace = admin.ok(admin.get(f"/lots/{p.lot_a}/trace"))
    [journey] = trace["shipments"]
    assert journey["status"] == "returned"
    assert trace["conservation"]["in_transit"] == 0 and trace["conservation"]["balanced"]
    twice = province.post(f"/shipments/{shipment}/return-receipt", body)
    assert twice.status_code == 409 and "is returned" in twice.text

    released = province.post(
        "/movements/releases",
        {"storage_unit_id": p.province_unit, "lot_id": p.lot_a, "reference": "QA check 12"},
    )
    assert released.status_code == 201, released.text
    stock = admin.ok(admin.get("/stock", storage_unit_id=p.province_unit))
    assert [(x["usable"]["doses"], x["held"]["doses"]) for x in stock["lines"]] == [(990, 0)]


def test_the_logger_watches_the_journey_back_and_the_sender_reads_its_record(
    admin: Caller, programme: Programme, deps: ApiDeps, api_as: ApiAs
) -> None:
    """A refused shipment keeps its logger until the sender receives it back: the outbound
    record ends at the refusal, the return leg's has the readings of the way back (here an
    hour too warm), and the sender's return receipt takes the logger off."""
    p = programme
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dispatched, refused_at, back = now - timedelta(hours=8), now - timedelta(hours=4), now
    shipment = _ship(admin, p, dispatched)
    province = api_as("staff", facility_id=p.province)
    county = api_as("staff", facility_id=p.county)
    logger = province.ok(
        province.post(f"/shipments/{shipment}/loggers", {"sensor_id": "TL-9"}, key=None), 201
    )
    _readings(deps, logger["unit"], dispatched, refused_at, hot=False)
    _readings(deps, logger["unit"], refused_at, back, hot=True)  # 12 °C from 1 h to 2 h
    no_leg_back = county.get(f"/shipments/{shipment}/transport-record", leg="return")
    assert no_leg_back.status_code == 409 and "not refused" in no_leg_back.json()["detail"]
    county.ok(
        county.post(
            f"/shipments/{shipment}/refusal",
            {"reason": "the box was open", "occurred_at": refused_at.isoformat()},
        ),
        201,
    )
    [on] = province.ok(province.get(f"/shipments/{shipment}/loggers"))
    assert on["detached_at"] is None  # still in the box, on the way back

    out = province.ok(province.get(f"/shipments/{shipment}/transport-record"))
    assert (out["leg"], out["arrived_at"][:16]) == ("outbound", refused_at.isoformat()[:16])
    assert (out["max_c"], out["minutes_above"], out["reading_count"]) == (5.0, 0.0, 48)
    way_back = province.ok(
        province.get(f"/shipments/{shipment}/transport-record", leg="return", until=back)
    )
    assert way_back["leg"] == "return" and way_back["covers"] is True, way_back["problems"]
    assert (way_back["max_c"], way_back["minutes_above"]) == (12.0, 60.0)
    assert way_back["dispatched_at"][:16] == refused_at.isoformat()[:16]
    bad_leg = province.get(f"/shipments/{shipment}/transport-record", leg="sideways")
    assert bad_leg.status_code == 422

    body = {"lots": [{"lot_id": p.lot_a, "doses": 100}], "occurred_at": back.isoformat()}
    province.ok(province.post(f"/shipments/{shipment}/return-receipt", body), 201)
    [off] = province.ok(province.get(f"/shipments/{shipment}/loggers"))
    assert off["detached_at"][:16] == back.isoformat()[:16]
    ended = province.ok(province.get(f"/shipments/{shipment}/transport-record", leg="return"))
    assert ended["arrived_at"][:16] == back.isoformat()[:16]


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/shipments/{s}/loggers", {"sensor_id": "TL-1", "scan": "x"}, 422, "name the logger"),
        ("/shipments/{s}/loggers", {"sensor_id": "a/b"}, 422, "sensor_id"),
        ("/shipments/{s}/loggers", {"scan": "(01)09506000134352"}, 422, "asset identifier"),
        ("/shipments/{s}/loggers", {"sensor_id": "TL-1", "reporting_interval_s": 0}, 422, ""),
        ("/shipments/{c}/loggers", {"sensor_id": "TL-1"}, 409, "shipment on the road"),
        ("/shipments/9999/loggers", {"sensor_id": "TL-1"}, 404, "9999"),
        ("/shipments/{s}/loggers/TL-8/detach", {}, 404, "not attached"),
        ("/shipments/{s}/refusal", {"reason": ""}, 422, "reason"),
        ("/shipments/{c}/refusal", {"reason": "x"}, 409, "is created"),
        ("/shipments/{s}/return-receipt", {"lots": [{"lot_id": 1, "doses": 1}]}, 409, "must be"),
        ("/shipments/{s}/return-receipt", {"lots": []}, 422, "lots"),
        ("/shipments/9999/return-receipt", {"lots": [{"lot_id": 1, "doses": 1}]}, 404, "9999"),
    ],
)
def test_what_the_transit_routes_refuse(
    admin: Caller,
    programme: Programme,
    path: str,
    body: dict[str, Any],
    status: int,
    says: str,
) -> None:
    p = programme
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    shipment = _ship(admin, p, now - timedelta(hours=2))
    planned = admin.ok(
        admin.post(
            "/shipments",
            {
                "origin_facility_id": p.province,
                "destination_facility_id": p.county,
                "expected_lead_time_hours": 8,
            },
        ),
        201,
    )["id"]
    answer = admin.post(path.format(s=shipment, c=planned), body)
    assert answer.status_code == status, answer.text
    assert says in answer.text


def test_the_record_of_a_planned_shipment_and_from_outside_its_ends(
    admin: Caller, programme: Programme, api_as: ApiAs
) -> None:
    p = programme
    planned = admin.ok(
        admin.post(
            "/shipments",
            {
                "origin_facility_id": p.province,
                "destination_facility_id": p.county,
                "expected_lead_time_hours": 8,
            },
        ),
        201,
    )["id"]
    answer = admin.get(f"/shipments/{planned}/transport-record")
    assert answer.status_code == 409 and "no journey yet" in answer.text
    answer = admin.get(f"/shipments/{planned}/readings")
    assert answer.status_code == 409 and "no journey yet" in answer.text
    assert admin.get(f"/shipments/{planned}/readings", every=5).status_code == 422
    outsider = api_as("staff", facility_id=p.other_clinic)
    assert outsider.get(f"/shipments/{planned}/transport-record").status_code == 403
    assert admin.get(f"/shipments/{planned}/transport-record", until="yesterday").status_code == 422
    assert (
        outsider.post(f"/shipments/{planned}/loggers", {"sensor_id": "TL-1"}, key=None).status_code
        == 403
    )
