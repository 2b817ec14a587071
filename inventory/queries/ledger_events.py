"""The ledger's events for interchange: what happened to which lots, where and when, one
entry per movement and lot, for a lot or a facility over a period.

An entry carries what an exchange standard needs and nothing of the ledger's inner accounts:
the movement's kind, its time, the facility where it happened (and its zone), the shipment's
origin and destination, the reason and reference, the lot's identity (product, GTIN, lot
number, expiry, doses per vial) and the doses it moved. A reversal is not an entry of its
own: the entry it reverses carries ``reversed_at`` and the reversal's reason, so a receiver
can mark the original as a mistake (EPCIS calls this an error declaration).

Kinds exported: receipts from the supplier, dispatches, shipment receipts, refusals and
the receipts of refused shipments back at the sender, administrations, wastage and
destruction, quarantine and release (``EXPORTED_KINDS``). A refusal and its return receipt
are the road back: their origin is the shipment's destination, their destination its
origin. Transfers between units of one facility, counts and recalls are inner facts of the
ledger (a recall shows as the quarantine it posts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased

from inventory import models as m
from inventory.domain.accounts import AccountKind
from inventory.domain.movements import MovementKind
from inventory.domain.time_window import local_days
from inventory.unit_of_work import UnitOfWork

EXPORTED_KINDS = frozenset(
    {
        MovementKind.RECEIPT,
        MovementKind.DISPATCH,
        MovementKind.SHIPMENT_RECEIPT,
        MovementKind.SHIPMENT_RETURN,
        MovementKind.RETURN_RECEIPT,
        MovementKind.ADMINISTRATION,
        MovementKind.WASTAGE,
        MovementKind.DESTRUCTION,
        MovementKind.QUARANTINE,
        MovementKind.RELEASE,
    }
)


_WASTING = {MovementKind.WASTAGE.value, MovementKind.DESTRUCTION.value}
_BACK = {MovementKind.SHIPMENT_RETURN.value, MovementKind.RETURN_RECEIPT.value}


@dataclass(frozen=True)
class EventLot:
    lot_id: int
    product_code: str
    product_name: str
    gtin: str | None
    lot_number: str
    expiry: date
    doses_per_vial: int
    doses: int


@dataclass(frozen=True)
class Place:
    facility_id: int
    code: str
    name: str
    timezone: str


@dataclass(frozen=True)
class LedgerEvent:
    movement_id: int
    kind: MovementKind
    occurred_at: datetime
    recorded_at: datetime
    place: Place
    lot: EventLot
    reason: str | None
    reference: str | None
    shipment_id: int | None
    origin: Place | None  # shipments: where the doses came from
    destination: Place | None  # and where they went
    dose_number: int | None
    wastage_reason: str | None  # wastage and destruction: the WastageReason
    reversed_at: datetime | None  # set when a reversal undid this movement
    reversal_reason: str | None


def ledger_events(
    uow: UnitOfWork,
    *,
    lot_id: int | None = None,
    facility_id: int | None = None,
    first: date | None = None,
    last: date | None = None,
) -> list[LedgerEvent]:
    """Entries in time order, for one lot (everywhere) or one facility (every lot), over
    local days ``first`` … ``last`` (both included, the facility's zone, or UTC for a lot);
    both bounds optional."""
    uow.window.check_days(first, last, ("first", "last"))
    with uow:
        if lot_id is not None:
            uow.repo.get(m.Lot, lot_id, "lot")
        zone = "UTC"
        if facility_id is not None:
            zone = uow.repo.get(m.Facility, facility_id, "facility").timezone
        mv, line, lot, product = m.Movement, m.MovementLine, m.Lot, m.Product
        reversal = aliased(m.Movement)
        columns = (
            mv.id.label("movement_id"),
            mv.kind,
            mv.occurred_at,
            mv.recorded_at,
            mv.facility_id,
            mv.reason,
            mv.reference,
            mv.shipment_id,
            mv.dose_number,
            reversal.recorded_at.label("reversed_at"),
            reversal.reason.label("reversal_reason"),
            lot.id.label("lot_id"),
            product.code.label("product_code"),
            product.name.label("product_name"),
            product.gtin,
            lot.lot_number,
            lot.expiry,
            product.doses_per_vial,
        )
        stmt = (
            select(*columns, func.sum(line.doses).filter(line.doses > 0).label("doses"))
            .join(line, line.movement_id == mv.id)
            .join(lot, lot.id == line.lot_id)
            .join(product, product.id == lot.product_id)
            .outerjoin(reversal, reversal.reverses_movement_id == mv.id)
            .where(mv.kind.in_([kind.value for kind in EXPORTED_KINDS]))
            .group_by(*columns)
            .order_by(mv.occurred_at, mv.id, lot.id)
        )
        conditions: list[ColumnElement[bool]] = []
        if lot_id is not None:
            conditions.append(line.lot_id == lot_id)
        if facility_id is not None:
            conditions.append(mv.facility_id == facility_id)
        if first is not None or last is not None:
            start, end = local_days(first or uow.window.earliest, last or uow.window.latest, zone)
            conditions.extend((mv.occurred_at >= start, mv.occurred_at < end))
        rows = list(uow.session.execute(stmt.where(*conditions)))
        wasted = _wastage_reasons(uow, {r.movement_id for r in rows if r.kind in _WASTING})
        shipments = _shipments(uow, {r.shipment_id for r in rows if r.shipment_id is not None})
        places = _places(
            uow,
            {r.facility_id for r in rows if r.facility_id is not None}
            | {fid for pair in shipments.values() for fid in pair},
        )
    events = []
    for r in rows:
        if r.facility_id is None:
            continue  # every exported kind happens at a facility
        origin, destination = shipments.get(r.shipment_id, (None, None))
        if r.kind in _BACK:
            origin, destination = destination, origin
        events.append(
            LedgerEvent(
                r.movement_id,
                MovementKind(r.kind),
                r.occurred_at,
                r.recorded_at,
                places[r.facility_id],
                EventLot(
                    r.lot_id,
                    r.product_code,
                    r.product_name,
                    r.gtin,
                    r.lot_number,
                    r.expiry,
                    r.doses_per_vial,
                    int(r.doses or 0),
                ),
                r.reason,
                r.reference,
                r.shipment_id,
                None if origin is None else places[origin],
                None if destination is None else places[destination],
                r.dose_number,
                wasted.get(r.movement_id),
                r.reversed_at,
                r.reversal_reason,
            )
        )
    return events


def _wastage_reasons(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    line, a = m.MovementLine, m.Account
    stmt = (
        select(line.movement_id, a.reason)
        .join(a, a.id == line.account_id)
        .where(line.movement_id.in_(ids), a.kind == AccountKind.WASTED.value)
    )
    return {mid: reason for mid, reason in uow.session.execute(stmt) if reason is not None}


def _shipments(uow: UnitOfWork, ids: set[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    s = m.Shipment
    stmt = select(s.id, s.origin_facility_id, s.destination_facility_id).where(s.id.in_(ids))
    return {sid: (origin, destination) for sid, origin, destination in uow.session.execute(stmt)}


def _places(uow: UnitOfWork, ids: set[int]) -> dict[int, Place]:
    f = m.Facility
    stmt = select(f.id, f.code, f.name, f.timezone).where(f.id.in_(ids))
    return {
        fid: Place(fid, code, name, zone) for fid, code, name, zone in uow.session.execute(stmt)
    }
