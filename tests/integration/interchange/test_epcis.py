"""EPCIS 2.0 export of a lot's journey: every event the standard names (shipping, receiving,
dispensing, destroying, holding), valid against GS1's EPCIS 2.0 JSON schema, with the lot by
GS1 Digital Link, the facility's time zone offset, and a reversed movement declared an
error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from sqlalchemy import Engine

from interchange.epcis import TransportSummary, epcis_document
from interchange.identifiers import event_uri
from inventory import queries, services
from inventory.commands import (
    AdministerDoses,
    DispatchItem,
    DispatchShipment,
    QuarantineStock,
    ReceiveShipment,
    RecordWastage,
    ReleaseStock,
    ReverseMovement,
)
from inventory.domain.accounts import WastageReason
from inventory.domain.shipments import ReceivedLot
from inventory.errors import InvalidInput, NotFound
from tests.builders import (
    T0,
    key,
    make_facility_tree,
    make_lot,
    make_product,
    make_shipment,
    make_uow,
    stock_up,
)

SCHEMA = Path(__file__).resolve().parents[3] / "var" / "standards" / "EPCISDocument.schema.json"
HOUR = timedelta(hours=1)


def epcis_validator() -> Draft7Validator:
    assert SCHEMA.exists(), f"{SCHEMA} is missing: run ./scripts/test (it fetches the schema)"
    schema = json.loads(SCHEMA.read_text())
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.fixture
def journey(engine: Engine) -> dict[str, Any]:
    """Province receives 1 000 doses; ships 200 to a county, which receives them; the
    county gives 25 (one administration of 5 reversed: typed twice), wastes 10 from an
    opened vial, holds 50 and releases them."""
    uow = make_uow(engine)
    tree = make_facility_tree(uow, clinics_per_county=1)
    mmr = make_product(uow, "MMR", doses_per_vial=10, gtin="09506000134352")
    lot = make_lot(uow, mmr, "AB/12 3")
    province, county = tree.province, tree.counties[0]
    stock_up(uow, province.unit, lot, 1000, at=T0)
    shipment = make_shipment(uow, province, county)
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id,
            province.unit.id,
            (DispatchItem(mmr.id, 200, lot.id),),
            "d",
            key(),
            T0 + HOUR,
        ),
    )
    services.receive_shipment(
        uow,
        ReceiveShipment(
            shipment.id, county.unit.id, (ReceivedLot(lot.id, 200),), "r", key(), T0 + 2 * HOUR
        ),
    )
    unit = county.unit.id
    services.administer_doses(uow, AdministerDoses(unit, lot.id, 25, "n", key(), T0 + 3 * HOUR, 1))
    mistake = services.administer_doses(
        uow, AdministerDoses(unit, lot.id, 5, "n", key(), T0 + 3 * HOUR)
    )
    services.reverse_movement(uow, ReverseMovement(mistake.id, "typed twice", "n", key()))
    services.record_wastage(
        uow,
        RecordWastage(
            unit, lot.id, 10, WastageReason.OPENED_VIAL_DISCARDED, "n", key(), T0 + 4 * HOUR
        ),
    )
    services.quarantine_stock(
        uow, QuarantineStock(unit, "door left open", "n", key(), lot.id, 50, None, T0 + 5 * HOUR)
    )
    services.release_stock(uow, ReleaseStock(unit, lot.id, "QA-2024-17", "s", key(), 50))
    return {"uow": uow, "lot": lot.id, "county": county.id, "mistake": mistake.id}


def test_a_lots_journey_is_a_valid_epcis_document(journey: dict[str, Any]) -> None:
    events = queries.ledger_events(journey["uow"], lot_id=journey["lot"])
    document = epcis_document(events, datetime(2024, 3, 2, tzinfo=UTC))
    errors = [e.message for e in epcis_validator().iter_errors(document)]
    assert errors == []

    body = document["epcisBody"]["eventList"]
    steps = [(e["bizStep"], e["disposition"], e["cc:doses"]) for e in body]
    assert steps == [
        ("receiving", "in_progress", 1000),
        ("shipping", "in_transit", 200),
        ("receiving", "in_progress", 200),
        ("dispensing", "dispensed", 25),
        ("dispensing", "dispensed", 5),
        ("destroying", "destroyed", 10),
        ("holding", "non_sellable_other", 50),
        ("holding", "available", 50),
    ]
    shipped = body[1]
    assert shipped["quantityList"] == [
        {
            "epcClass": "https://id.gs1.org/01/09506000134352/10/AB%2F12%203?17=300131",
            "quantity": 20.0,
        }
    ]
    assert shipped["eventTimeZoneOffset"] == "+08:00"  # the facilities are in Shanghai
    assert shipped["eventTime"] == "2024-03-01T03:00:00.000Z"
    assert shipped["sourceList"] == [{"type": "location", "source": "urn:coldchain:facility:GD"}]
    assert shipped["destinationList"][0]["destination"] == "urn:coldchain:facility:GD-C1-K1"
    assert shipped["bizTransactionList"][0]["bizTransaction"].startswith("urn:coldchain:shipment:")
    assert body[3]["cc:doseNumber"] == 1 and "errorDeclaration" not in body[3]
    declared = body[4]["errorDeclaration"]
    assert (declared["reason"], declared["cc:comment"]) == ("incorrect_data", "typed twice")
    assert body[4]["eventID"] == event_uri(journey["mistake"], journey["lot"])
    assert body[5]["cc:wastageReason"] == "opened_vial_discarded"
    assert body[6]["cc:reason"] == "door left open"
    assert body[7]["cc:reference"] == "QA-2024-17"
    assert len({e["eventID"] for e in body}) == len(body)


def test_a_receipt_carries_the_shipments_transport_record(journey: dict[str, Any]) -> None:
    events = queries.ledger_events(journey["uow"], lot_id=journey["lot"])
    shipment = next(e.shipment_id for e in events if e.shipment_id is not None)
    assert shipment is not None
    record = TransportSummary(
        first_reading_at=T0 + timedelta(hours=1),
        last_reading_at=T0 + timedelta(hours=20),
        min_c=3.5,
        max_c=11.0,
        mean_c=5.25,
        minutes_out_of_range=75.0,
        alarmed=True,
    )
    document = epcis_document(events, datetime(2024, 3, 2, tzinfo=UTC), {shipment: record})
    assert [e.message for e in epcis_validator().iter_errors(document)] == []
    body = document["epcisBody"]["eventList"]
    shipped, received = body[1], body[2]
    assert "sensorElementList" not in shipped  # the record is complete at the receipt
    assert received["sensorElementList"] == [
        {
            "sensorMetadata": {
                "startTime": "2024-03-01T03:00:00.000Z",
                "endTime": "2024-03-01T22:00:00.000Z",
            },
            "sensorReport": [
                {
                    "type": "Temperature",
                    "minValue": 3.5,
                    "maxValue": 11.0,
                    "uom": "CEL",
                    "meanValue": 5.25,
                    "exception": "ALARM_CONDITION",
                }
            ],
        }
    ]
    assert received["cc:minutesOutOfRange"] == 75.0


def test_a_facilitys_events_over_a_period(journey: dict[str, Any]) -> None:
    uow = journey["uow"]
    day = T0.date()  # 1 March 2024 in Shanghai too; the release was recorded today
    events = queries.ledger_events(uow, facility_id=journey["county"], first=day, last=day)
    assert [e.kind.value for e in events] == [
        "shipment_receipt",
        "administration",
        "administration",
        "wastage",
        "quarantine",
    ]
    assert {e.place.code for e in events} == {"GD-C1-K1"}
    before = T0.date() - timedelta(days=1)
    assert queries.ledger_events(uow, facility_id=journey["county"], last=before) == []


def test_bad_requests_are_refused(journey: dict[str, Any]) -> None:
    uow = journey["uow"]
    with pytest.raises(NotFound):
        queries.ledger_events(uow, lot_id=999_999)
    with pytest.raises(InvalidInput, match="before"):
        queries.ledger_events(
            uow, lot_id=journey["lot"], first=T0.date(), last=T0.date() - timedelta(days=1)
        )


def test_the_validator_sees_a_broken_document() -> None:
    broken = epcis_document([], datetime(2024, 3, 2, tzinfo=UTC))
    broken["epcisBody"]["eventList"] = [{"type": "ObjectEvent", "action": "SHOUT"}]
    assert list(epcis_validator().iter_errors(broken)) != []
