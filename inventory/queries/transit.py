"""Read side of shipments on the road (domain rule 27): loggers, the journeys' transit units
and what was in them.

- ``shipment_loggers(uow, shipment)``: the loggers attached to it, oldest first.
- ``transit_bindings(uow)``: every logger window as the sensor registry needs it (sensor,
  interval, the origin's facility code, the transit unit code, from, to).
- ``transit_places(uow, shipment ids)``: what detection needs of a transit unit (origin and
  destination codes, the origin's time zone, the transport profile, the logger interval).
- ``transit_exposure(uow, shipment, start, end)``: the lots and doses in the shipment's
  in-transit account at some moment of ``[start, end)``, from the ledger's history (rule 20
  for the road: what travelled during the excursion, not what is there now).
- ``shipment_holds(uow, shipment)``: the holds excursions on the road asked for.

Invariants: nothing here writes; each function is one short read transaction; a shipment
that does not exist is ``NotFound`` (the look-ups by many ids leave unknown ids out).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from inventory import models as m
from inventory.domain.transit import (
    DEFAULT_LOGGER_INTERVAL_S,
    transit_unit_code,
    transport_profile,
)
from inventory.errors import NotFound
from inventory.queries.exposure import LotExposure, exposed_doses, lot_details
from inventory.queries.history import StorageInterval, read_intervals
from inventory.results import ShipmentLoggerView
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TransitBinding:
    """A logger's window on one shipment, as a sensor binding."""

    sensor_id: str
    reporting_interval_s: int
    facility: str  # the origin's code (the sender owns the doses on the road)
    unit: str  # the transit unit code, ``shipment-{id}``
    valid_from: datetime
    valid_to: datetime | None


@dataclass(frozen=True)
class TransitPlace:
    shipment_id: int
    unit: str  # transit unit code
    facility: str  # origin facility code
    destination: str  # destination facility code
    time_zone: str  # the origin's IANA zone
    profile: str  # the transport profile (rule 27)
    reporting_interval_s: int  # the shortest interval of its loggers (default 300 s)
    status: str
    dispatched_at: datetime | None
    received_at: datetime | None


@dataclass(frozen=True)
class TransitHoldView:
    lot_id: int
    lot_number: str
    reference: str  # the excursion that asked for it
    reason: str
    requested_at: datetime


def shipment_loggers(uow: UnitOfWork, shipment_id: int) -> list[ShipmentLoggerView]:
    with uow:
        if uow.session.get(m.Shipment, shipment_id) is None:
            raise NotFound(f"shipment {shipment_id} does not exist")
        return loggers_of(uow.session, shipment_id)


def loggers_of(session: Session, shipment_id: int) -> list[ShipmentLoggerView]:
    """The shipment's loggers, oldest first; the caller holds the transaction."""
    rows = session.scalars(
        select(m.ShipmentLogger)
        .where(m.ShipmentLogger.shipment_id == shipment_id)
        .order_by(m.ShipmentLogger.attached_at, m.ShipmentLogger.id)
    ).all()
    return [logger_view(row) for row in rows]


def sensors_of(session: Session, shipment_ids: Select[Any]) -> dict[int, tuple[str, ...]]:
    """The sensors of every shipment in ``shipment_ids`` (a sub-select), oldest logger
    first, in one query (a lot trace names thousands of shipments)."""
    lg = m.ShipmentLogger
    rows = (
        session.connection()
        .execute(
            select(lg.shipment_id, lg.sensor_id)
            .where(lg.shipment_id.in_(shipment_ids))
            .order_by(lg.shipment_id, lg.attached_at, lg.id)
        )
        .all()
    )
    found: dict[int, list[str]] = {}
    for shipment_id, sensor_id in rows:
        found.setdefault(shipment_id, []).append(sensor_id)
    return {shipment_id: tuple(sensors) for shipment_id, sensors in found.items()}


def transit_bindings(uow: UnitOfWork) -> list[TransitBinding]:
    """Every logger window, by sensor then start."""
    lg, s, f = m.ShipmentLogger, m.Shipment, m.Facility
    stmt = (
        select(
            lg.sensor_id,
            lg.reporting_interval_s,
            f.code,
            lg.shipment_id,
            lg.attached_at,
            lg.detached_at,
        )
        .join(s, s.id == lg.shipment_id)
        .join(f, f.id == s.origin_facility_id)
        .order_by(lg.sensor_id, lg.attached_at)
    )
    with uow:
        rows = uow.session.execute(stmt).all()
    return [
        TransitBinding(sensor, interval, facility, transit_unit_code(shipment), start, end)
        for sensor, interval, facility, shipment, start, end in rows
    ]


def transit_places(uow: UnitOfWork, shipment_ids: Collection[int]) -> dict[int, TransitPlace]:
    """The known shipments among ``shipment_ids``, by id."""
    ids = sorted(set(shipment_ids))
    if not ids:
        return {}
    s = m.Shipment
    origin, destination = aliased(m.Facility), aliased(m.Facility)
    stmt = (
        select(s, origin.code, origin.timezone, destination.code)
        .join(origin, origin.id == s.origin_facility_id)
        .join(destination, destination.id == s.destination_facility_id)
        .where(s.id.in_(ids))
    )
    profiles_stmt = (
        select(m.ShipmentLine.shipment_id, m.Product.profile)
        .join(m.Lot, m.Lot.id == m.ShipmentLine.lot_id)
        .join(m.Product, m.Product.id == m.Lot.product_id)
        .where(m.ShipmentLine.shipment_id.in_(ids), m.ShipmentLine.dispatched_doses > 0)
    )
    intervals_stmt = select(
        m.ShipmentLogger.shipment_id, m.ShipmentLogger.reporting_interval_s
    ).where(m.ShipmentLogger.shipment_id.in_(ids))
    with uow:
        rows = [
            (r.id, r.status, r.dispatched_at, r.received_at, origin_code, zone, destination_code)
            for r, origin_code, zone, destination_code in uow.session.execute(stmt)
        ]
        profiles: dict[int, list[str]] = {}
        for shipment_id, profile in uow.session.execute(profiles_stmt):
            profiles.setdefault(shipment_id, []).append(profile)
        intervals: dict[int, int] = {}
        for shipment_id, interval in uow.session.execute(intervals_stmt):
            intervals[shipment_id] = min(interval, intervals.get(shipment_id, interval))
    return {
        sid: TransitPlace(
            shipment_id=sid,
            unit=transit_unit_code(sid),
            facility=origin_code,
            destination=destination_code,
            time_zone=zone,
            profile=transport_profile(profiles.get(sid, [])),
            reporting_interval_s=intervals.get(sid, DEFAULT_LOGGER_INTERVAL_S),
            status=status,
            dispatched_at=dispatched_at,
            received_at=received_at,
        )
        for sid, status, dispatched_at, received_at, origin_code, zone, destination_code in rows
    }


def transit_exposure(
    uow: UnitOfWork, shipment_id: int, start: datetime, end: datetime
) -> list[LotExposure]:
    """The lots in the shipment's in-transit account at some moment of ``[start, end)``,
    by lot id (``storage_unit_id`` 0: no storage unit held them)."""
    uow.window.check_range(start, end)
    with uow:
        if uow.session.get(m.Shipment, shipment_id) is None:
            raise NotFound(f"shipment {shipment_id} does not exist")
        where = m.Account.shipment_id == shipment_id
        spans = read_intervals(uow.session, where, start, end, ("in_transit",))
        by_lot: dict[int, list[StorageInterval]] = {}
        for span in spans:
            by_lot.setdefault(span.lot_id, []).append(span)
        details = lot_details(uow, set(by_lot))
    return [
        LotExposure(
            storage_unit_id=0,
            lot_id=lot_id,
            product_id=details[lot_id][0],
            product=details[lot_id][1],
            lot_number=details[lot_id][2],
            expiry=details[lot_id][3],
            freeze_sensitive=details[lot_id][4],
            doses=exposed_doses(lot_spans),
            held_doses=0,
            present_from=lot_spans[0].start,
            present_to=lot_spans[-1].end,
        )
        for lot_id, lot_spans in sorted(by_lot.items())
    ]


def shipment_holds(uow: UnitOfWork, shipment_id: int) -> list[TransitHoldView]:
    h, lot = m.ShipmentHold, m.Lot
    stmt = (
        select(h.lot_id, lot.lot_number, h.reference, h.reason, h.requested_at)
        .join(lot, lot.id == h.lot_id)
        .where(h.shipment_id == shipment_id)
        .order_by(h.requested_at, h.id)
    )
    with uow:
        return [TransitHoldView(*row) for row in uow.session.execute(stmt)]


def logger_view(row: m.ShipmentLogger) -> ShipmentLoggerView:
    return ShipmentLoggerView(
        shipment_id=row.shipment_id,
        sensor_id=row.sensor_id,
        unit=transit_unit_code(row.shipment_id),
        reporting_interval_s=row.reporting_interval_s,
        attached_at=row.attached_at,
        attached_by=row.attached_by,
        detached_at=row.detached_at,
        detached_by=row.detached_by,
    )
