"""GS1 EPCIS 2.0 JSON-LD: a document of ``ObjectEvent`` s for a lot's or a facility's
ledger events.

Mapping (Core Business Vocabulary 2.0 bare words):

| ledger | bizStep | disposition | extra |
| --- | --- | --- | --- |
| receipt from the supplier | ``receiving`` | ``in_progress`` | |
| dispatch | ``shipping`` | ``in_transit`` | source and destination, the shipment |
| shipment receipt | ``receiving`` | ``in_progress`` | source and destination, the shipment |
| refusal | ``shipping`` | ``returned`` | from the receiver back to the sender, the shipment |
| return received | ``receiving`` | ``non_sellable_other`` | the same way back, the shipment |
| administration | ``dispensing`` | ``dispensed`` | |
| wastage, destruction | ``destroying`` | ``destroyed`` | the wastage reason |
| quarantine | ``holding`` | ``non_sellable_other`` | the reason |
| release | ``holding`` | ``available`` | the reference |

Every event is ``action: OBSERVE`` with one ``quantityList`` element: the lot (by GS1
Digital Link, ``interchange.identifiers``) and its quantity in the product's trade units
(vials: doses ÷ doses per vial, a decimal when loose doses moved), with the exact doses in
the extension field ``cc:doses``. The read point and business location are the facility; the
time zone offset is the facility's at the event's time. A movement that a reversal undid
carries an ``errorDeclaration`` (reason ``incorrect_data``) at the reversal's time.

A shipment's receiving events carry its transport temperature record when the caller has
one (``TransportSummary``, from the loggers that rode with it): one ``sensorElement`` with
the journey's first and last reading times and a ``Temperature`` report in ``CEL`` (minimum,
maximum, mean), an ``ALARM_CONDITION`` exception when an excursion on the road raised an
alarm, and the minutes out of range in ``cc:minutesOutOfRange``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from interchange.identifiers import event_uri, facility_uri, lot_uri, shipment_uri
from inventory.domain.movements import MovementKind
from inventory.queries.ledger_events import LedgerEvent

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
EXTENSION_PREFIX = "cc"
EXTENSION_NAMESPACE = "urn:coldchain:epcis:"
MEDIA_TYPE = "application/ld+json"

_STEPS: dict[MovementKind, tuple[str, str]] = {
    MovementKind.RECEIPT: ("receiving", "in_progress"),
    MovementKind.DISPATCH: ("shipping", "in_transit"),
    MovementKind.SHIPMENT_RECEIPT: ("receiving", "in_progress"),
    MovementKind.SHIPMENT_RETURN: ("shipping", "returned"),
    MovementKind.RETURN_RECEIPT: ("receiving", "non_sellable_other"),
    MovementKind.ADMINISTRATION: ("dispensing", "dispensed"),
    MovementKind.WASTAGE: ("destroying", "destroyed"),
    MovementKind.DESTRUCTION: ("destroying", "destroyed"),
    MovementKind.QUARANTINE: ("holding", "non_sellable_other"),
    MovementKind.RELEASE: ("holding", "available"),
}


@dataclass(frozen=True)
class TransportSummary:
    """The temperature record of a shipment's journey, from its loggers."""

    first_reading_at: datetime
    last_reading_at: datetime
    min_c: float
    max_c: float
    mean_c: float | None
    minutes_out_of_range: float
    alarmed: bool  # an excursion on the road raised an alarm


def epcis_document(
    events: list[LedgerEvent],
    created: datetime,
    transport: Mapping[int, TransportSummary] | None = None,
) -> dict[str, Any]:
    """The EPCIS document of ``events`` (``inventory.queries.ledger_events``), with the
    transport records of ``transport`` (by shipment id) on the shipments' receipts."""
    records = transport or {}
    return {
        "@context": [EPCIS_CONTEXT, {EXTENSION_PREFIX: EXTENSION_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(created),
        "epcisBody": {
            "eventList": [
                object_event(
                    e,
                    records.get(e.shipment_id)
                    if e.shipment_id is not None and e.kind is MovementKind.SHIPMENT_RECEIPT
                    else None,
                )
                for e in events
            ]
        },
    }


def sensor_element(record: TransportSummary) -> dict[str, Any]:
    report: dict[str, Any] = {
        "type": "Temperature",
        "minValue": record.min_c,
        "maxValue": record.max_c,
        "uom": "CEL",
    }
    if record.mean_c is not None:
        report["meanValue"] = record.mean_c
    if record.alarmed:
        report["exception"] = "ALARM_CONDITION"
    return {
        "sensorMetadata": {
            "startTime": _time(record.first_reading_at),
            "endTime": _time(record.last_reading_at),
        },
        "sensorReport": [report],
    }


def object_event(e: LedgerEvent, transport: TransportSummary | None = None) -> dict[str, Any]:
    step, disposition = _STEPS[e.kind]
    lot = e.lot
    place = {"id": facility_uri(e.place.code)}
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": event_uri(e.movement_id, lot.lot_id),
        "eventTime": _time(e.occurred_at),
        "eventTimeZoneOffset": _offset(e.occurred_at, e.place.timezone),
        "recordTime": _time(e.recorded_at),
        "epcList": [],
        "quantityList": [
            {
                "epcClass": lot_uri(lot.gtin, lot.product_code, lot.lot_number, lot.expiry),
                "quantity": float(Decimal(lot.doses) / Decimal(lot.doses_per_vial)),
            }
        ],
        "action": "OBSERVE",
        "bizStep": step,
        "disposition": disposition,
        "readPoint": place,
        "bizLocation": place,
        f"{EXTENSION_PREFIX}:doses": lot.doses,
        f"{EXTENSION_PREFIX}:lotExpiry": lot.expiry.isoformat(),
    }
    if e.shipment_id is not None:
        event["bizTransactionList"] = [{"bizTransaction": shipment_uri(e.shipment_id)}]
    if e.origin is not None and e.destination is not None:
        event["sourceList"] = [{"type": "location", "source": facility_uri(e.origin.code)}]
        event["destinationList"] = [
            {"type": "location", "destination": facility_uri(e.destination.code)}
        ]
    if e.wastage_reason:
        event[f"{EXTENSION_PREFIX}:wastageReason"] = e.wastage_reason
    if e.reason:
        event[f"{EXTENSION_PREFIX}:reason"] = e.reason
    if e.reference:
        event[f"{EXTENSION_PREFIX}:reference"] = e.reference
    if e.dose_number is not None:
        event[f"{EXTENSION_PREFIX}:doseNumber"] = e.dose_number
    if transport is not None:
        event["sensorElementList"] = [sensor_element(transport)]
        event[f"{EXTENSION_PREFIX}:minutesOutOfRange"] = transport.minutes_out_of_range
    if e.reversed_at is not None:
        event["errorDeclaration"] = {
            "declarationTime": _time(e.reversed_at),
            "reason": "incorrect_data",
            f"{EXTENSION_PREFIX}:comment": e.reversal_reason or "",
        }
    return event


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _offset(at: datetime, zone: str) -> str:
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = 0 if offset is None else int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
