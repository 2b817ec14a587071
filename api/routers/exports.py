"""Exports in open standards: GS1 EPCIS 2.0 events of a lot or a facility, HL7 FHIR R4B
``SupplyDelivery`` resources of a facility's received shipments and a lot's ``Medication``
(``interchange/``).

A lot's events are a lot-wide view: a scoped caller sees them only when its subtree holds
every facility they name (as for the trace); a facility's events need read access there.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from orjson import dumps

from api.deps import ApiDeps, CurrentPrincipal, Deps
from api.places import ensure_read_at, ensure_read_everywhere
from api.schemas.bounds import Id
from api.schemas.common import error_responses
from api.transport_records import TransportRecord
from ingest.queries import TelemetryUnavailable
from interchange import epcis, fhir
from inventory import queries
from inventory.domain.movements import MovementKind
from inventory.errors import InvalidInput
from inventory.queries import LedgerEvent

router = APIRouter(
    prefix="/exports", tags=["exports"], responses=error_responses(401, 403, 404, 422)
)

FIRST = Query(description="first local day (included; the facility's zone, UTC for a lot)")
LAST = Query(description="last local day (included)")


def _document(body: dict[str, Any], media_type: str, name: str) -> Response:
    return Response(
        dumps(body),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/epcis",
    response_class=Response,
    responses={200: {"content": {epcis.MEDIA_TYPE: {}}, "description": "an EPCISDocument"}},
)
def epcis_events(
    deps: Deps,
    who: CurrentPrincipal,
    lot_id: Annotated[Id | None, Query(description="every event of this lot")] = None,
    facility_id: Annotated[Id | None, Query(description="every event at this facility")] = None,
    first: Annotated[date | None, FIRST] = None,
    last: Annotated[date | None, LAST] = None,
) -> Response:
    """The ledger's shipping, receiving, dispensing, destroying and holding events as a GS1
    EPCIS 2.0 JSON-LD document: of one lot (``lot_id``) or at one facility
    (``facility_id``), optionally over a period of local days."""
    if (lot_id is None) == (facility_id is None):
        raise InvalidInput("name one of lot_id or facility_id")
    if facility_id is not None:
        ensure_read_at(deps, who, facility_id)
    uow = deps.inventory_uow()
    events = queries.ledger_events(
        uow, lot_id=lot_id, facility_id=facility_id, first=first, last=last
    )
    if lot_id is not None:
        places = {e.place.facility_id for e in events}
        places |= {p.facility_id for e in events for p in (e.origin, e.destination) if p}
        ensure_read_everywhere(deps, who, places, f"the events of lot {lot_id}")
    name = f"epcis-lot-{lot_id}.jsonld" if lot_id else f"epcis-facility-{facility_id}.jsonld"
    document = epcis.epcis_document(events, deps.clock(), _transport(deps, events))
    return _document(document, epcis.MEDIA_TYPE, name)


def _transport(deps: ApiDeps, events: list[LedgerEvent]) -> dict[int, epcis.TransportSummary]:
    """The transport records of the shipments received among ``events`` (rule 27): those
    whose loggers left readings; none when telemetry is not known or is down."""
    records = deps.transport_records
    received = {
        e.shipment_id
        for e in events
        if e.shipment_id is not None and e.kind is MovementKind.SHIPMENT_RECEIPT
    }
    if records is None or not received:
        return {}
    found: dict[int, epcis.TransportSummary] = {}
    try:
        for shipment_id in sorted(received):
            record = records.for_shipment(shipment_id)
            summary = _summary(record)
            if summary is not None:
                found[shipment_id] = summary
    except TelemetryUnavailable:
        return {}
    return found


def _summary(record: TransportRecord) -> epcis.TransportSummary | None:
    first, last = record.first_reading_at, record.last_reading_at
    if first is None or last is None or record.min_c is None or record.max_c is None:
        return None
    return epcis.TransportSummary(
        first_reading_at=first,
        last_reading_at=last,
        min_c=record.min_c,
        max_c=record.max_c,
        mean_c=record.mean_c,
        minutes_out_of_range=record.minutes_above + record.minutes_below,
        alarmed=any(a.severity == "alarm" for a in record.alarms),
    )


@router.get(
    "/fhir/supply-deliveries",
    response_class=Response,
    responses={200: {"content": {fhir.MEDIA_TYPE: {}}, "description": "a FHIR Bundle"}},
)
def fhir_supply_deliveries(
    deps: Deps,
    who: CurrentPrincipal,
    facility_id: Annotated[Id, Query(description="the receiving facility")],
    first: Annotated[date | None, FIRST] = None,
    last: Annotated[date | None, LAST] = None,
) -> Response:
    """The shipments a facility received, as a FHIR R4B ``collection`` Bundle of
    ``SupplyDelivery`` resources (one per shipment receipt and lot)."""
    ensure_read_at(deps, who, facility_id)
    events = queries.ledger_events(
        deps.inventory_uow(), facility_id=facility_id, first=first, last=last
    )
    bundle = fhir.supply_delivery_bundle(events, deps.clock())
    return _document(bundle, fhir.MEDIA_TYPE, f"supply-deliveries-{facility_id}.json")


@router.get(
    "/fhir/lots/{lot_id}/medication",
    response_class=Response,
    responses={200: {"content": {fhir.MEDIA_TYPE: {}}, "description": "a FHIR Medication"}},
)
def fhir_lot_medication(lot_id: Id, deps: Deps, who: CurrentPrincipal) -> Response:
    """A lot as a FHIR R4B ``Medication`` (vaccine code, lot number, expiry): what an
    ``Immunization`` cites. Any signed-in caller: a lot's identity is printed on its vials."""
    lot = queries.get_lot(deps.inventory_uow(), lot_id)
    product = queries.get_product(deps.inventory_uow(), lot.product_id)
    event_lot = queries.EventLot(
        lot.id,
        product.code,
        product.name,
        product.gtin,
        lot.lot_number,
        lot.expiry,
        product.doses_per_vial,
        0,
    )
    return _document(fhir.medication(event_lot), fhir.MEDIA_TYPE, f"medication-lot-{lot_id}.json")
