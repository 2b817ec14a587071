"""Lot trace in one call: where a lot went, what happened to it, and whether it all adds up.

The trace reads the lot's rows of the ``balances`` read model (one per account the lot
touched: its balance, the doses that came in, the first arrival and the last line, all kept
in each posting's transaction; index on ``balances(lot_id)``), so its cost grows with the
places the lot went, not with the length of its history; plus its shipment lines.
Conservation is computed from those per-account figures:

    received from supplier = usable + held + in transit + administered + wasted + adjusted

where ``adjusted`` is the net of count differences, excess and unknown-lot receipts (doses
written off by counts are positive, doses found are negative). A lot number that belongs to
more than one product returns the candidates instead of guessing. That the read model
equals the sum of the lines is the ledger check's question (``verify_ledger``, run nightly),
not the trace's: ``projection_matches`` is false only for a balance row of no account.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from inventory import models as m
from inventory.domain.holds import LotStatus, lot_holds
from inventory.errors import NotFound
from inventory.queries.shipments import standing_decisions, standing_discrepancies
from inventory.queries.trace_model import (
    AccountTotals,
    Conservation,
    LotCandidate,
    LotCandidates,
    LotTrace,
    TraceFacility,
    TraceShipment,
    TraceUnit,
    conservation_of,
    facility_tree,
    lot_state,
    wastage_by_reason,
)
from inventory.queries.transit import sensors_of
from inventory.results import lot_view
from inventory.unit_of_work import UnitOfWork

__all__ = [
    "Conservation",
    "LotCandidate",
    "LotCandidates",
    "LotTrace",
    "TraceFacility",
    "TraceShipment",
    "TraceUnit",
    "trace_lot",
    "trace_lot_number",
]

UTC_ZONE = ZoneInfo("UTC")  # a lot's overall state; per-facility holds are in stock_on_hand


def trace_lot_number(
    uow: UnitOfWork, lot_number: str, product_id: int | None = None, at: datetime | None = None
) -> LotTrace | LotCandidates:
    """Trace by lot number; returns the candidates when several lots share the number."""
    with uow:
        stmt = (
            select(m.Lot.id, m.Product.id, m.Product.code, m.Lot.lot_number, m.Lot.expiry)
            .join(m.Product, m.Product.id == m.Lot.product_id)
            .where(m.Lot.lot_number == lot_number.strip())
            .order_by(m.Product.code, m.Lot.expiry)
        )
        if product_id is not None:
            stmt = stmt.where(m.Lot.product_id == product_id)
        found = [
            LotCandidate(i, p, code, number, expiry.isoformat())
            for i, p, code, number, expiry in uow.session.execute(stmt)
        ]
    if not found:
        raise NotFound(f"no lot numbered {lot_number!r}")
    if len(found) > 1:
        return LotCandidates(lot_number, tuple(found))
    return trace_lot(uow, found[0].lot_id, at)


def trace_lot(uow: UnitOfWork, lot_id: int, at: datetime | None = None) -> LotTrace:
    at = at or uow.clock()
    with uow:
        session = uow.session
        lot = session.get(m.Lot, lot_id)
        if lot is None:
            raise NotFound(f"lot {lot_id} does not exist")
        product = session.get(m.Product, lot.product_id)
        assert product is not None
        accounts = _accounts(session, lot_id)
        shipments = _shipments(session, lot_id)
        facilities = _facilities(session, lot_id)
        units = _unit_codes(session, lot_id)
        view = lot_view(lot)
        product_code = product.code
    conservation = conservation_of(accounts.values())
    status = LotStatus(
        view.id, view.lot_number, view.expiry, view.vvm_stage, view.recalled_at is not None
    )
    holds = tuple(h.value for h in lot_holds(status, at, UTC_ZONE))
    roots, tree = facility_tree(accounts.values(), shipments, facilities, units)
    return LotTrace(
        lot=view,
        product_code=product_code,
        state=lot_state(holds, conservation),
        holds=holds,
        roots=roots,
        facilities=tree,
        shipments=tuple(shipments),
        administered_by_facility=tuple(
            (f.facility_id, f.administered)
            for f in sorted(tree, key=lambda f: f.facility_id)
            if f.administered
        ),
        wastage_by_reason=wastage_by_reason(accounts.values()),
        held_now=tuple(
            sorted(
                (a.facility_id or 0, a.unit_id or 0, a.total)
                for a in accounts.values()
                if a.kind == "quarantine" and a.total > 0
            )
        ),
        conservation=conservation,
    )


def _accounts(session: Session, lot_id: int) -> dict[int, AccountTotals]:
    """The lot's share of every account it touched, from the ``balances`` read model (one
    row per account and lot, kept in each posting's transaction), not from its lines."""
    b, a = m.Balance, m.Account
    stmt = (
        select(
            b.account_id,
            a.kind,
            a.facility_id,
            a.storage_unit_id,
            a.shipment_id,
            a.reason,
            b.doses,
            b.doses_in,
            b.first_in,
            b.last_at,
        )
        .outerjoin(a, a.id == b.account_id)
        .where(b.lot_id == lot_id)
    )
    found: dict[int, AccountTotals] = {}
    for row in session.execute(stmt):
        account_id, kind, facility, unit, shipment, reason, total, d_in, first, last = row
        if kind is None:  # a balance without an account: the projection is broken
            found[account_id] = AccountTotals("unknown", None, None, None, None, balance=total)
            continue
        found[account_id] = AccountTotals(
            kind,
            facility,
            unit,
            shipment,
            reason,
            int(total),
            int(d_in),
            int(d_in) - int(total),
            first,
            last,
            int(total),
        )
    return found


def _shipments(session: Session, lot_id: int) -> list[TraceShipment]:
    line, s = m.ShipmentLine, m.Shipment
    origin, destination = aliased(m.Facility), aliased(m.Facility)
    stmt = (
        select(
            s.id,
            s.origin_facility_id,
            origin.code,
            s.destination_facility_id,
            destination.code,
            s.status,
            line.dispatched_doses,
            line.received_doses,
            s.dispatched_at,
            s.received_at,
            s.refused_at,
            line.returned_doses,
            s.returned_at,
        )
        .join(s, s.id == line.shipment_id)
        .join(origin, origin.id == s.origin_facility_id)
        .join(destination, destination.id == s.destination_facility_id)
        .where(line.lot_id == lot_id)
        .order_by(s.dispatched_at, s.id)
    )
    rows = list(session.execute(stmt))
    with_discrepancies = _shipments_with_discrepancies(session, lot_id)
    of_lot = select(line.shipment_id).where(line.lot_id == lot_id)
    sensors = sensors_of(session, of_lot)
    decisions = standing_decisions(session, of_lot)
    found = []
    for row in rows:
        sid, origin_id, o_code, dest_id, d_code, status, sent, got, sent_at, got_at = row[:10]
        refused_at, returned, returned_at = row[10:]
        discrepancies = (
            tuple(d for d in standing_discrepancies(session, sid) if d.lot_id == lot_id)
            if sid in with_discrepancies
            else ()
        )
        found.append(
            TraceShipment(
                sid,
                origin_id,
                o_code,
                dest_id,
                d_code,
                status,
                sent,
                got,
                sent_at,
                got_at,
                discrepancies,
                sensors.get(sid, ()),
                decisions.get(sid),
                refused_at,
                returned,
                returned_at,
            )
        )
    return found


def _shipments_with_discrepancies(session: Session, lot_id: int) -> set[int]:
    d = m.ShipmentDiscrepancy
    return set(session.scalars(select(d.shipment_id).where(d.lot_id == lot_id)))


def _accounts_of_lot(lot_id: int) -> Select[int]:
    """Ids of the accounts the lot touched (its ``balances`` rows)."""
    return select(m.Balance.account_id).where(m.Balance.lot_id == lot_id)


def _facilities(session: Session, lot_id: int) -> dict[int, tuple[str, str, str]]:
    """(code, name, level) by id of the facilities the lot's accounts and shipments name
    (sub-selects, not a list of thousands of ids sent back to the database)."""
    f, a, s, line = m.Facility, m.Account, m.Shipment, m.ShipmentLine
    shipped = select(s.id).join(line, line.shipment_id == s.id).where(line.lot_id == lot_id)
    stmt = select(f.id, f.code, f.name, f.level).where(
        or_(
            f.id.in_(select(a.facility_id).where(a.id.in_(_accounts_of_lot(lot_id)))),
            f.id.in_(select(s.origin_facility_id).where(s.id.in_(shipped))),
            f.id.in_(select(s.destination_facility_id).where(s.id.in_(shipped))),
        )
    )
    return {i: (code, name, level) for i, code, name, level in session.execute(stmt)}


def _unit_codes(session: Session, lot_id: int) -> dict[int, str]:
    a, unit = m.Account, m.StorageUnit
    stmt = select(unit.id, unit.code).where(
        unit.id.in_(select(a.storage_unit_id).where(a.id.in_(_accounts_of_lot(lot_id))))
    )
    return {i: code for i, code in session.execute(stmt)}
