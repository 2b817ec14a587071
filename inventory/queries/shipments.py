"""Read side of shipments: one shipment, a facility's shipments, overdue ones.

Invariant: a shipment's discrepancies are those of its standing receipt (a reversed receipt's
discrepancies are history, not state).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from inventory import models as m
from inventory.domain.shipments import DEFAULT_OVERDUE_GRACE, ShipmentStatus, is_overdue
from inventory.errors import NotFound
from inventory.results import (
    DiscrepancyView,
    ShipmentDecisionView,
    ShipmentLineView,
    ShipmentView,
)
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OverdueShipment:
    shipment_id: int
    origin_facility_id: int
    origin_code: str
    destination_facility_id: int
    destination_code: str
    dispatched_at: datetime
    due_at: datetime
    overdue_by: timedelta
    reference: str | None
    destination_parent_code: str | None = None  # who supervises the receiver (None: a root)
    # a refused shipment whose return the sender has not received: due back by its refusal
    # + lead time + grace
    refused_at: datetime | None = None

    @property
    def returning(self) -> bool:
        return self.refused_at is not None


def get_shipment(uow: UnitOfWork, shipment_id: int) -> ShipmentView:
    with uow:
        return shipment_view(uow.session, shipment_id)


def list_shipments(
    uow: UnitOfWork, facility_id: int, status: str | None = None
) -> list[ShipmentView]:
    """Shipments from or to a facility, newest first."""
    with uow:
        s = m.Shipment
        stmt = select(s.id).where(
            or_(s.origin_facility_id == facility_id, s.destination_facility_id == facility_id)
        )
        if status is not None:
            stmt = stmt.where(s.status == status)
        ids = list(uow.session.scalars(stmt.order_by(s.id.desc())))
        return [shipment_view(uow.session, i) for i in ids]


def overdue_shipments(
    uow: UnitOfWork,
    now: datetime,
    grace: timedelta = DEFAULT_OVERDUE_GRACE,
    facility_path: str | None = None,
) -> list[OverdueShipment]:
    """Dispatched shipments not received within lead time + ``grace`` (diversion signal),
    and refused ones whose return the sender has not received within lead time + ``grace``
    of the refusal (``returning``).

    ``facility_path`` (a facility's ``path``) limits them to shipments from or to that subtree.
    """
    origin, destination = aliased(m.Facility), aliased(m.Facility)
    parent = aliased(m.Facility)
    s = m.Shipment
    stmt = (
        select(s, origin.code, destination.code, parent.code)
        .join(origin, origin.id == s.origin_facility_id)
        .join(destination, destination.id == s.destination_facility_id)
        .outerjoin(parent, parent.id == destination.parent_id)
        .where(s.status.in_([ShipmentStatus.DISPATCHED.value, ShipmentStatus.REFUSED.value]))
        .order_by(s.dispatched_at, s.id)
    )
    if facility_path is not None:
        stmt = stmt.where(
            or_(origin.path.startswith(facility_path), destination.path.startswith(facility_path))
        )
    found: list[OverdueShipment] = []
    with uow:
        for row, origin_code, destination_code, parent_code in uow.session.execute(stmt):
            returning = row.status == ShipmentStatus.REFUSED.value
            since = row.refused_at if returning else row.dispatched_at
            if since is None or row.dispatched_at is None:
                continue
            lead = timedelta(minutes=row.lead_time_minutes)
            if is_overdue(since, lead, now, grace):
                due = since + lead + grace
                found.append(
                    OverdueShipment(
                        row.id,
                        row.origin_facility_id,
                        origin_code,
                        row.destination_facility_id,
                        destination_code,
                        row.dispatched_at,
                        due,
                        now - due,
                        row.reference,
                        parent_code,
                        since if returning else None,
                    )
                )
    return found


def shipment_view(session: Session, shipment_id: int) -> ShipmentView:
    row = session.get(m.Shipment, shipment_id)
    if row is None:
        raise NotFound(f"shipment {shipment_id} does not exist")
    line, lot = m.ShipmentLine, m.Lot
    lines = session.execute(
        select(
            line.lot_id,
            lot.lot_number,
            lot.product_id,
            line.dispatched_doses,
            line.received_doses,
            line.returned_doses,
        )
        .join(lot, lot.id == line.lot_id)
        .where(line.shipment_id == shipment_id)
        .order_by(line.lot_id)
    )
    return ShipmentView(
        id=row.id,
        origin_facility_id=row.origin_facility_id,
        destination_facility_id=row.destination_facility_id,
        status=row.status,
        expected_lead_time=timedelta(minutes=row.lead_time_minutes),
        reference=row.reference,
        created_at=row.created_at,
        created_by=row.created_by,
        dispatched_at=row.dispatched_at,
        received_at=row.received_at,
        lines=tuple(ShipmentLineView(*values) for values in lines),
        discrepancies=standing_discrepancies(session, shipment_id),
        decision=standing_decision(session, shipment_id),
        refused_at=row.refused_at,
        returned_at=row.returned_at,
    )


def standing_decision(session: Session, shipment_id: int) -> ShipmentDecisionView | None:
    """The decision of the shipment's standing receipt or refusal (None: none, or it was
    reversed)."""
    d = m.ShipmentDecision
    reversal = aliased(m.Movement)
    row = session.scalars(
        select(d)
        .outerjoin(reversal, reversal.reverses_movement_id == d.movement_id)
        .where(d.shipment_id == shipment_id, reversal.id.is_(None))
        .order_by(d.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _decision_view(row)


def standing_decisions(
    session: Session, shipment_ids: Select[Any]
) -> dict[int, ShipmentDecisionView]:
    """``standing_decision`` of every shipment in ``shipment_ids`` (a sub-select), in one
    query: a lot trace names thousands of shipments."""
    d = m.ShipmentDecision
    reversal = aliased(m.Movement)
    rows = (
        session.connection()
        .execute(
            select(
                d.shipment_id,
                d.decision,
                d.record_complete,
                d.override_reason,
                d.override_by,
                d.decided_by,
                d.decided_at,
            )  # plain columns: thousands of ORM rows cost more than the query
            .outerjoin(reversal, reversal.reverses_movement_id == d.movement_id)
            .where(d.shipment_id.in_(shipment_ids), reversal.id.is_(None))
            .order_by(d.id)
        )
        .all()
    )
    return {row[0]: ShipmentDecisionView(*row[1:]) for row in rows}  # the latest stands


def _decision_view(row: m.ShipmentDecision) -> ShipmentDecisionView:
    return ShipmentDecisionView(
        row.decision,
        row.record_complete,
        row.override_reason,
        row.override_by,
        row.decided_by,
        row.decided_at,
    )


def standing_discrepancies(session: Session, shipment_id: int) -> tuple[DiscrepancyView, ...]:
    d = m.ShipmentDiscrepancy
    reversal = aliased(m.Movement)
    stmt = (
        select(d)
        .outerjoin(reversal, reversal.reverses_movement_id == d.movement_id)
        .where(d.shipment_id == shipment_id, reversal.id.is_(None))
        .order_by(d.id)
    )
    return tuple(
        DiscrepancyView(x.lot_id, x.kind, x.dispatched_doses, x.received_doses, x.reason)
        for x in session.scalars(stmt)
    )
