"""Lot trace in one call: where a lot went, what happened to it, and whether it all adds up.

The trace reads the lot's rows of the ``balances`` read model (one per account the lot
touched: its balance, the doses that came in, the first arrival and the last line, all kept
in each posting's transaction; index on ``balances(lot_id)``), so its cost grows with the
places the lot went, not with the length of its history; plus its shipment lines. The rows
are summed in SQL per storage unit and per facility (the earliest and latest dates too), and
read as plain columns, never as ORM entities: the widest lot of a national ledger (3 166
facilities, 3 165 shipments) is a few thousand short rows in a handful of statements.
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
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from inventory import models as m
from inventory.domain.accounts import AccountKind
from inventory.domain.holds import LotStatus, lot_holds
from inventory.errors import NotFound
from inventory.queries.shipments import standing_decisions
from inventory.queries.trace_model import (
    AccountRow,
    Conservation,
    LotCandidate,
    LotCandidates,
    LotTrace,
    TraceBranch,
    TraceFacility,
    TraceShipment,
    TraceUnit,
    conservation_of,
    facility_tree,
    lot_state,
    trace_branches,
    wastage_by_reason,
)
from inventory.queries.transit import sensors_of
from inventory.results import DiscrepancyView, lot_view
from inventory.unit_of_work import UnitOfWork

__all__ = [
    "Conservation",
    "LotCandidate",
    "LotCandidates",
    "LotTrace",
    "TraceBranch",
    "TraceFacility",
    "TraceShipment",
    "TraceUnit",
    "trace_branches",
    "trace_lot",
    "trace_lot_number",
]

_ROAD = (AccountKind.IN_TRANSIT.value, AccountKind.IN_TRANSIT_RETURNED.value)
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
        shipments, named = _shipments(session, lot_id)
        facilities, units = _names(session, lot_id, named)
        view = lot_view(lot)
        product_code = product.code
    conservation = conservation_of(accounts)
    status = LotStatus(
        view.id, view.lot_number, view.expiry, view.vvm_stage, view.recalled_at is not None
    )
    holds = tuple(h.value for h in lot_holds(status, at, UTC_ZONE))
    roots, tree = facility_tree(accounts, shipments, facilities, units)
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
        wastage_by_reason=wastage_by_reason(tree),
        held_now=tuple(
            sorted(
                (facility or 0, unit or 0, doses)
                for facility, unit, kind, _, doses, _, _, _ in accounts
                if kind == "quarantine" and doses > 0
            )
        ),
        conservation=conservation,
    )


def _accounts(session: Session, lot_id: int) -> list[AccountRow]:
    """The lot's share of every account it touched, from the ``balances`` read model (one
    row per account and lot, kept in each posting's transaction), not from its lines; plain
    columns through the connection (no ORM result machinery)."""
    b, a = m.Balance, m.Account
    stmt = (
        select(
            a.facility_id,
            a.storage_unit_id,
            a.kind,
            a.reason,
            b.doses,
            b.doses_in,
            b.first_in,
            b.last_at,
        )
        .select_from(b)
        .outerjoin(a, a.id == b.account_id)
        .where(
            b.lot_id == lot_id,
            # a journey's account emptied by its receipt adds nothing: a trace of a lot in
            # 3 166 facilities skips its 3 165 (kept: a row of no account, kind NULL)
            or_(b.doses != 0, a.kind.is_(None), a.kind.not_in(_ROAD)),
        )
    )
    return cast(list[AccountRow], session.connection().execute(stmt).all())


def _accounts_of_lot(lot_id: int) -> Select[int]:
    """Ids of the accounts the lot touched (its ``balances`` rows)."""
    return select(m.Balance.account_id).where(m.Balance.lot_id == lot_id)


def _names(
    session: Session, lot_id: int, named: dict[int, tuple[str, str, str]]
) -> tuple[dict[int, tuple[str, str, str]], dict[int, str]]:
    """(code, name, level) of the facilities the lot's accounts name, added to ``named`` (the
    shipments' ends), and the codes of its storage units (sub-selects, not thousands of ids
    sent back to the database)."""
    f, a, unit = m.Facility, m.Account, m.StorageUnit
    of_lot = _accounts_of_lot(lot_id)
    facilities = session.connection().execute(
        select(f.id, f.code, f.name, f.level).where(
            f.id.in_(select(a.facility_id).where(a.id.in_(of_lot)))
        )
    )
    for i, code, name, level in facilities.all():
        named.setdefault(i, (code, name, level))
    units = session.connection().execute(
        select(unit.id, unit.code).where(
            unit.id.in_(select(a.storage_unit_id).where(a.id.in_(of_lot)))
        )
    )
    return named, dict(units.all())  # type: ignore[arg-type]


def _shipments(
    session: Session, lot_id: int
) -> tuple[list[TraceShipment], dict[int, tuple[str, str, str]]]:
    """The lot's shipments (plain columns), and the (code, name, level) of the facilities
    at their ends."""
    line, s = m.ShipmentLine, m.Shipment
    origin, destination = aliased(m.Facility), aliased(m.Facility)
    stmt = (
        select(
            s.id,
            s.origin_facility_id,
            origin.code,
            origin.name,
            origin.level,
            s.destination_facility_id,
            destination.code,
            destination.name,
            destination.level,
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
    rows = session.connection().execute(stmt).all()
    discrepancies = _discrepancies(session, lot_id)
    of_lot = select(line.shipment_id).where(line.lot_id == lot_id)
    sensors = sensors_of(session, of_lot)
    decisions = standing_decisions(session, of_lot)
    named: dict[int, tuple[str, str, str]] = {}
    found = []
    for (
        sid,
        origin_id,
        o_code,
        o_name,
        o_level,
        dest_id,
        d_code,
        d_name,
        d_level,
        status,
        sent,
        got,
        sent_at,
        got_at,
        refused_at,
        returned,
        returned_at,
    ) in rows:
        if origin_id not in named:
            named[origin_id] = (o_code, o_name, o_level)
        if dest_id not in named:
            named[dest_id] = (d_code, d_name, d_level)
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
                discrepancies.get(sid, ()),
                sensors.get(sid, ()),
                decisions.get(sid),
                refused_at,
                returned,
                returned_at,
            )
        )
    return found, named


def _discrepancies(session: Session, lot_id: int) -> dict[int, tuple[DiscrepancyView, ...]]:
    """The lot's standing discrepancies (of receipts not reversed) by shipment, in one query."""
    d = m.ShipmentDiscrepancy
    reversal = aliased(m.Movement)
    stmt = (
        select(d.shipment_id, d.lot_id, d.kind, d.dispatched_doses, d.received_doses, d.reason)
        .outerjoin(reversal, reversal.reverses_movement_id == d.movement_id)
        .where(d.lot_id == lot_id, reversal.id.is_(None))
        .order_by(d.id)
    )
    found: dict[int, list[DiscrepancyView]] = {}
    for shipment_id, lot, kind, sent, got, reason in session.execute(stmt):
        found.setdefault(shipment_id, []).append(DiscrepancyView(lot, kind, sent, got, reason))
    return {shipment_id: tuple(views) for shipment_id, views in found.items()}
