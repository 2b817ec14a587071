"""Shipments on the road (domain rule 27): the loggers that travel with a shipment, its
transport record, and the refusal of a delivery.

A logger is attached at the origin (by its sensor id or a scan of its label) once the
shipment is dispatched, and detached at either end (a receipt or a refusal detaches it
too). The record is read from either end; refusing is the destination's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from access.errors import Forbidden
from access.principal import Principal
from api.deps import ApiDeps, CurrentPrincipal, Deps, WriterPrincipal, telemetry
from api.idempotency import IdempotencyKey, ledger_key
from api.places import ensure_read_shipment, ensure_write_at, shipment
from api.schemas.bounds import Id
from api.schemas.common import WRITE, error_responses
from api.schemas.shipments import ShipmentPostedPublic
from api.schemas.telemetry import ReadingsPublic
from api.schemas.transit import (
    LoggerAttach,
    LoggerDetach,
    LoggerPublic,
    SensorId,
    ShipmentRefusalCreate,
    TransportRecordPublic,
)
from api.transport_records import Leg, record_covers, record_of
from inventory import queries, services
from inventory.commands import AttachLogger, DetachLogger, RefuseShipment
from inventory.domain.transit import logger_from_scan, transit_unit_code
from inventory.errors import InvalidState

router = APIRouter(
    prefix="/shipments", tags=["shipments"], responses=error_responses(401, 403, 404, 422)
)


@router.post(
    "/{shipment_id}/loggers",
    response_model=LoggerPublic,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE,
)
def attach(shipment_id: Id, body: LoggerAttach, deps: Deps, who: WriterPrincipal) -> LoggerPublic:
    """Put a logger on the dispatched shipment; its readings from ``attached_at`` (default:
    the dispatch) to its detachment are the shipment's. The same logger again answers
    with it as it is."""
    found = shipment(deps, shipment_id)
    ensure_write_at(deps, who, found.origin_facility_id)
    sensor = body.sensor_id or logger_from_scan(body.scan or "", deps.today())
    command = AttachLogger(
        shipment_id, sensor, who.name, body.reporting_interval_s, body.attached_at
    )
    return LoggerPublic.of(services.attach_logger(deps.inventory_uow(), command))


@router.get("/{shipment_id}/loggers", response_model=list[LoggerPublic])
def loggers(shipment_id: Id, deps: Deps, who: CurrentPrincipal) -> list[LoggerPublic]:
    ensure_read_shipment(deps, who, shipment(deps, shipment_id))
    return [LoggerPublic.of(x) for x in queries.shipment_loggers(deps.inventory_uow(), shipment_id)]


@router.post(
    "/{shipment_id}/loggers/{sensor_id}/detach", response_model=LoggerPublic, responses=WRITE
)
def detach(
    shipment_id: Id,
    sensor_id: Annotated[SensorId, Path()],
    body: LoggerDetach,
    deps: Deps,
    who: WriterPrincipal,
) -> LoggerPublic:
    """Take the logger off the shipment (at either end)."""
    found = shipment(deps, shipment_id)
    _ensure_write_at_either(deps, who, found.origin_facility_id, found.destination_facility_id)
    command = DetachLogger(shipment_id, sensor_id, who.name, body.detached_at)
    return LoggerPublic.of(services.detach_logger(deps.inventory_uow(), command))


@router.get(
    "/{shipment_id}/transport-record",
    response_model=TransportRecordPublic,
    responses=error_responses(409, 503),
)
def transport_record(
    shipment_id: Id,
    deps: Deps,
    who: CurrentPrincipal,
    until: Annotated[
        datetime | None, Query(description="on the road: the journey so far (default now)")
    ] = None,
    leg: Annotated[
        Leg,
        Query(
            description="outbound: dispatch to receipt or refusal; return: a refused "
            "shipment's journey back, refusal to the sender's receipt (409 if not refused)"
        ),
    ] = "outbound",
) -> TransportRecordPublic:
    """What the receiver reads first: the readings' coverage of the journey, min/max,
    minutes out of range, MKT, the shipment's excursions and alarms; of a refused
    shipment's journey back too (``leg=return``: what the sender reads when it receives
    the doses back and decides to release or destroy them)."""
    ensure_read_shipment(deps, who, shipment(deps, shipment_id))
    return TransportRecordPublic.of(record_of(deps, shipment_id, until, leg))


@router.get(
    "/{shipment_id}/readings",
    response_model=ReadingsPublic,
    responses=error_responses(409, 503),
)
def journey_readings(
    shipment_id: Id,
    deps: Deps,
    who: CurrentPrincipal,
    every: Annotated[int, Query(ge=60, le=86_400, description="bucket width, seconds")] = 600,
) -> ReadingsPublic:
    """The journey's readings (dispatch to receipt, or to now on the road): count, min,
    max and mean per bucket of ``every`` seconds, for a chart beside the record."""
    found = shipment(deps, shipment_id)
    ensure_read_shipment(deps, who, found)
    if found.dispatched_at is None:
        raise InvalidState(f"shipment {shipment_id} is {found.status}: no journey yet")
    start, end = found.dispatched_at, found.received_at or deps.clock()
    end = max(end, start + timedelta(seconds=every))
    unit = transit_unit_code(shipment_id)
    buckets = telemetry(deps).buckets(unit=unit, start=start, end=end, every_s=every)
    return ReadingsPublic.of(buckets, unit=unit, sensor=None, start=start, end=end, every_s=every)


@router.post(
    "/{shipment_id}/refusal",
    response_model=ShipmentPostedPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**WRITE, **error_responses(503)},
)
def refuse(
    shipment_id: Id,
    body: ShipmentRefusalCreate,
    deps: Deps,
    who: WriterPrincipal,
    key: IdempotencyKey,
) -> ShipmentPostedPublic:
    """The receiver refuses the delivery: every dose goes back to the sender, held in the
    unit it left from until the sender releases or destroys it."""
    ensure_write_at(deps, who, shipment(deps, shipment_id).destination_facility_id)
    command = RefuseShipment(
        shipment_id,
        body.reason,
        who.name,
        ledger_key(who, key),
        body.occurred_at,
        record_covers(deps, shipment_id, body.occurred_at),
    )
    return ShipmentPostedPublic.of(services.refuse_shipment(deps.inventory_uow(), command))


def _ensure_write_at_either(deps: ApiDeps, who: Principal, origin: int, destination: int) -> None:
    try:
        ensure_write_at(deps, who, origin)
    except Forbidden:
        ensure_write_at(deps, who, destination)
