"""FHIR R4B export: a received shipment as SupplyDelivery resources in a Bundle, and a lot as
a Medication an Immunization can cite, each valid for the FHIR library that built it and
read back by it; a reversed receipt is marked entered-in-error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError
from sqlalchemy import Engine

from interchange import fhir
from inventory import queries, services
from inventory.commands import DispatchItem, DispatchShipment, ReceiveShipment, ReverseMovement
from inventory.domain.shipments import ReceivedLot
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

HOUR = timedelta(hours=1)


@pytest.fixture
def received(engine: Engine) -> dict[str, Any]:
    """The province ships 200 doses of lot L7 and 30 of lot L8 to a county, which receives
    them; a second shipment's receipt is reversed."""
    uow = make_uow(engine)
    tree = make_facility_tree(uow, clinics_per_county=1)
    mmr = make_product(uow, "MMR", doses_per_vial=10, gtin="09506000134352")
    bcg = make_product(uow, "BCG", doses_per_vial=20)
    l7, l8 = make_lot(uow, mmr, "L7"), make_lot(uow, bcg, "L8")
    province, county = tree.province, tree.counties[0]
    for lot in (l7, l8):
        stock_up(uow, province.unit, lot, 1000, at=T0)
    shipment = make_shipment(uow, province, county)
    items = (DispatchItem(mmr.id, 200, l7.id), DispatchItem(bcg.id, 30, l8.id))
    services.dispatch_shipment(
        uow, DispatchShipment(shipment.id, province.unit.id, items, "d", key(), T0 + HOUR)
    )
    lots = (ReceivedLot(l7.id, 200), ReceivedLot(l8.id, 30))
    services.receive_shipment(
        uow, ReceiveShipment(shipment.id, county.unit.id, lots, "r", key(), T0 + 2 * HOUR)
    )
    second = make_shipment(uow, province, county)
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            second.id, province.unit.id, (DispatchItem(mmr.id, 5, l7.id),), "d", key(), T0 + HOUR
        ),
    )
    receipt = services.receive_shipment(
        uow,
        ReceiveShipment(
            second.id, county.unit.id, (ReceivedLot(l7.id, 5),), "r", key(), T0 + 3 * HOUR
        ),
    )
    services.reverse_movement(uow, ReverseMovement(receipt.movement.id, "wrong unit", "r", key()))
    return {"uow": uow, "county": county.id, "l7": l7.id}


def test_received_shipments_are_a_valid_bundle_of_supply_deliveries(
    received: dict[str, Any],
) -> None:
    events = queries.ledger_events(received["uow"], facility_id=received["county"])
    bundle = fhir.supply_delivery_bundle(events, datetime(2024, 3, 2, tzinfo=UTC))
    read_back = Bundle.model_validate(bundle)  # the library reads what it wrote
    assert read_back.type == "collection" and len(bundle["entry"]) == 3

    first = bundle["entry"][0]["resource"]
    assert first["resourceType"] == "SupplyDelivery" and first["status"] == "completed"
    assert first["suppliedItem"]["quantity"] == {
        "value": 200,
        "unit": "dose",
        "system": "http://unitsofmeasure.org",
        "code": "{dose}",
    }
    assert first["supplier"]["identifier"]["value"] == "GD"
    assert first["destination"]["identifier"]["value"] == "GD-C1-K1"
    assert first["occurrenceDateTime"].startswith("2024-03-01T04:00:00")
    (contained,) = first["contained"]
    assert first["suppliedItem"]["itemReference"]["reference"] == f"#{contained['id']}"
    assert contained["batch"] == {"lotNumber": "L7", "expirationDate": "2030-01-31"}
    assert contained["code"]["coding"][0] == {
        "system": "https://www.gs1.org/gtin",
        "code": "09506000134352",
    }
    second = bundle["entry"][1]["resource"]  # a BCG without a GTIN: named by product code
    assert second["contained"][0]["code"]["coding"][0]["system"] == "urn:coldchain:product"
    assert bundle["entry"][2]["resource"]["status"] == "entered-in-error"


def test_a_lot_is_a_medication_ready_for_an_immunization(received: dict[str, Any]) -> None:
    (event, *_) = queries.ledger_events(received["uow"], lot_id=received["l7"])
    medication = fhir.medication(event.lot)
    assert medication["batch"]["lotNumber"] == "L7"
    assert medication["identifier"][0]["value"] == (
        "https://id.gs1.org/01/09506000134352/10/L7?17=300131"
    )


def test_an_invalid_resource_never_leaves(received: dict[str, Any]) -> None:
    (event, *_) = queries.ledger_events(received["uow"], lot_id=received["l7"])
    with pytest.raises(ValueError, match="not a shipment receipt"):
        fhir.supply_delivery(event)  # the supplier's receipt is not a shipment
    with pytest.raises(ValidationError):
        fhir._valid(Bundle, {"resourceType": "Bundle"})  # a Bundle without its type
