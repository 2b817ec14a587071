"""HL7 FHIR R4B resources: ``SupplyDelivery`` for received shipments and ``Medication`` for a
lot, built and validated with ``fhir.resources`` (the FHIR project's Python models).

FHIR R4B (4.3.0) is the R4 line's current release; ``SupplyDelivery`` and ``Medication`` are
the same as in R4 4.0.1, so an R4 server reads them as they are.

- One ``SupplyDelivery`` per shipment receipt and lot (the resource carries one supplied
  item): status ``completed`` (``entered-in-error`` when the receipt was reversed), type
  ``medication``, the doses received (UCUM ``{dose}``), the time of receipt, the sending
  facility as ``supplier`` and the receiving one as ``destination`` (by their codes:
  ``urn:coldchain:facility``), and the lot as a contained ``Medication``.
- A lot's ``Medication`` names the vaccine (GTIN in the GS1 system, with the product code and
  name), the lot number and expiry in ``batch``, and the lot's GS1 Digital Link URI as an
  identifier: what an ``Immunization`` needs for ``vaccineCode``, ``lotNumber`` and
  ``expirationDate``.

Every resource is built through the library's model, so one with a missing required element,
a wrong type or a malformed date, decimal or URI raises before it leaves
(``pydantic.ValidationError``), and is returned as plain JSON. The library does not check
codes against their value sets; the codes used here are constants of this module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.supplydelivery import SupplyDelivery

from interchange.identifiers import event_uri, lot_uri
from inventory.domain.movements import MovementKind
from inventory.queries.ledger_events import EventLot, LedgerEvent

GTIN_SYSTEM = "https://www.gs1.org/gtin"
PRODUCT_SYSTEM = "urn:coldchain:product"
FACILITY_SYSTEM = "urn:coldchain:facility"
EVENT_SYSTEM = "urn:coldchain:event"
UCUM = "http://unitsofmeasure.org"
SUPPLY_ITEM_TYPE = "http://terminology.hl7.org/CodeSystem/supply-item-type"
MEDIA_TYPE = "application/fhir+json"


def medication(lot: EventLot) -> dict[str, Any]:
    """The lot as a FHIR ``Medication`` (validated)."""
    codings = [{"system": PRODUCT_SYSTEM, "code": lot.product_code, "display": lot.product_name}]
    if lot.gtin:
        codings.insert(0, {"system": GTIN_SYSTEM, "code": lot.gtin.zfill(14)})
    resource = {
        "resourceType": "Medication",
        "id": f"lot-{lot.lot_id}",
        "identifier": [
            {
                "system": "urn:ietf:rfc:3986",
                "value": lot_uri(lot.gtin, lot.product_code, lot.lot_number, lot.expiry),
            }
        ],
        "code": {"coding": codings, "text": lot.product_name},
        "batch": {"lotNumber": lot.lot_number, "expirationDate": lot.expiry.isoformat()},
    }
    return _valid(Medication, resource)


def supply_delivery(event: LedgerEvent) -> dict[str, Any]:
    """A shipment receipt's lot as a FHIR ``SupplyDelivery`` (validated)."""
    if event.kind is not MovementKind.SHIPMENT_RECEIPT or event.origin is None:
        raise ValueError(f"movement {event.movement_id} is not a shipment receipt")
    lot = event.lot
    contained = medication(lot)
    resource = {
        "resourceType": "SupplyDelivery",
        "id": f"receipt-{event.movement_id}-lot-{lot.lot_id}",
        "identifier": [{"system": EVENT_SYSTEM, "value": event_uri(event.movement_id, lot.lot_id)}],
        "status": "entered-in-error" if event.reversed_at is not None else "completed",
        "type": {"coding": [{"system": SUPPLY_ITEM_TYPE, "code": "medication"}]},
        "contained": [contained],
        "suppliedItem": {
            "quantity": {"value": lot.doses, "unit": "dose", "system": UCUM, "code": "{dose}"},
            "itemReference": {"reference": f"#{contained['id']}", "display": lot.product_name},
        },
        "occurrenceDateTime": event.occurred_at.astimezone(UTC).isoformat(),
        "supplier": _facility(event.origin.code, event.origin.name),
        "destination": _facility(event.place.code, event.place.name),
    }
    return _valid(SupplyDelivery, resource)


def supply_delivery_bundle(events: list[LedgerEvent], created: datetime) -> dict[str, Any]:
    """A ``collection`` Bundle of the shipment receipts among ``events`` (validated)."""
    entries = [
        {"fullUrl": f"urn:uuid:{event_uri(e.movement_id, e.lot.lot_id)[9:]}", "resource": r}
        for e in events
        if e.kind is MovementKind.SHIPMENT_RECEIPT and e.origin is not None
        for r in (supply_delivery(e),)
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": created.astimezone(UTC).isoformat(),
        "entry": entries,
    }
    return _valid(Bundle, bundle)


def _facility(code: str, name: str) -> dict[str, Any]:
    return {"identifier": {"system": FACILITY_SYSTEM, "value": code}, "display": name}


def _valid(model: Any, resource: dict[str, Any]) -> dict[str, Any]:
    built = model.model_validate(resource)
    as_json: dict[str, Any] = built.model_dump(mode="json", exclude_none=True)
    return as_json
