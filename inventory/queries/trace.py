"""Lot trace in one call: where a lot went, what happened to it, and whether it all adds up.

The trace reads the lot's ledger lines once, aggregated per account (index on
``movement_lines(lot_id, account_id)``), plus its shipment lines. Conservation is computed
from the lines and compared with the balance projection:

    received from supplier = usable + held + in transit + administered + wasted + adjusted

where ``adjusted`` is the net of count differences, excess and unknown-lot receipts (doses
written off by counts are positive, doses found are negative). A lot number that belongs to
more than one product returns the candidates instead of guessing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from inventory import models as m
from inventory.domain.holds import LotStatus, lot_holds
from inventory.errors import NotFound
from inventory.queries.shipments import standing_discrepancies
from inventory.results import DiscrepancyView, LotView, lot_view
from inventory.unit_of_work import UnitOfWork

UTC_ZONE = ZoneInfo("UTC")  # a lot's overall state; per-facility holds are in stock_on_hand


@dataclass(frozen=True)
class LotCandidate:
    lot_id: int
    product_id: int
    product_code: str
    lot_number: str
    expiry: str


@dataclass(frozen=True)
class LotCandidates:
    """The lot number is ambiguous: pick one of these and trace it by id."""

    lot_number: str
    candidates: tuple[LotCandidate, ...]


@dataclass(frozen=True)
class TraceUnit:
    storage_unit_id: int
    code: str
    usable: int
    held: int
    doses_in: int
    doses_out: int
    first_in: datetime | None
    last_movement: datetime | None


@dataclass(frozen=True)
class TraceFacility:
    facility_id: int
    code: str
    name: str
    level: str
    received_from: tuple[int, ...]  # facilities that shipped the lot here
    shipped_to: tuple[int, ...]
    received_from_supplier: int
    received_by_shipment: int
    dispatched: int
    administered: int
    wasted: tuple[tuple[str, int], ...]  # (reason, doses)
    adjusted: int
    usable: int
    held: int
    first_in: datetime | None
    last_movement: datetime | None
    units: tuple[TraceUnit, ...]


@dataclass(frozen=True)
class TraceShipment:
    shipment_id: int
    origin_facility_id: int
    origin_code: str
    destination_facility_id: int
    destination_code: str
    status: str
    dispatched: int
    received: int | None
    dispatched_at: datetime | None
    received_at: datetime | None
    discrepancies: tuple[DiscrepancyView, ...]


@dataclass(frozen=True)
class Conservation:
    received_from_supplier: int
    usable: int
    held: int
    in_transit: int
    administered: int
    wasted: int
    adjusted: int
    projection_matches: bool  # balances table == sum of lines for every account

    @property
    def on_hand(self) -> int:
        return self.usable + self.held

    @property
    def balanced(self) -> bool:
        accounted = self.on_hand + self.in_transit + self.administered + self.wasted + self.adjusted
        return self.received_from_supplier == accounted and self.projection_matches


@dataclass(frozen=True)
class LotTrace:
    lot: LotView
    product_code: str
    state: str  # active | expired | recalled | depleted | vvm_discard_point
    holds: tuple[str, ...]
    roots: tuple[int, ...]  # facilities that received the lot from the supplier
    facilities: tuple[TraceFacility, ...]  # depth-first from the roots along shipments
    shipments: tuple[TraceShipment, ...]
    administered_by_facility: tuple[tuple[int, int], ...]
    wastage_by_reason: tuple[tuple[str, int], ...]
    held_now: tuple[tuple[int, int, int], ...]  # (facility, storage unit, doses) quarantined
    conservation: Conservation


@dataclass
class _Acc:
    """Per-account aggregate of the lot's lines."""

    kind: str
    facility_id: int | None
    unit_id: int | None
    shipment_id: int | None
    reason: str | None
    total: int = 0
    doses_in: int = 0
    doses_out: int = 0
    first_in: datetime | None = None
    last: datetime | None = None
    balance: int = 0


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
        facility_ids = {a.facility_id for a in accounts.values() if a.facility_id} | {
            f for s in shipments for f in (s.origin_facility_id, s.destination_facility_id)
        }
        facilities = _facilities(session, facility_ids)
        units = _unit_codes(session, {a.unit_id for a in accounts.values() if a.unit_id})
        view = lot_view(lot)
        product_code = product.code
    conservation = _conservation(accounts.values())
    status = LotStatus(
        view.id, view.lot_number, view.expiry, view.vvm_stage, view.recalled_at is not None
    )
    holds = tuple(h.value for h in lot_holds(status, at, UTC_ZONE))
    nodes = _nodes(accounts.values(), shipments, facilities, units)
    roots = tuple(sorted(f for f, n in nodes.items() if n["supplier"] > 0))
    return LotTrace(
        lot=view,
        product_code=product_code,
        state=_state(holds, conservation),
        holds=holds,
        roots=roots,
        facilities=_ordered(nodes, roots, shipments),
        shipments=tuple(shipments),
        administered_by_facility=tuple(
            sorted((f, n["administered"]) for f, n in nodes.items() if n["administered"])
        ),
        wastage_by_reason=_wastage(accounts.values()),
        held_now=tuple(
            sorted(
                (a.facility_id or 0, a.unit_id or 0, a.total)
                for a in accounts.values()
                if a.kind == "quarantine" and a.total > 0
            )
        ),
        conservation=conservation,
    )


def _accounts(session: Session, lot_id: int) -> dict[int, _Acc]:
    """The lot's lines summed per account (index-only on ``ix_movement_lines_lot_account``)."""
    line, a = m.MovementLine, m.Account
    per_account = (
        select(
            line.account_id.label("account_id"),
            func.sum(line.doses).label("total"),
            func.sum(case((line.doses > 0, line.doses), else_=0)).label("doses_in"),
            func.min(case((line.doses > 0, line.occurred_at), else_=None)).label("first_in"),
            func.max(line.occurred_at).label("last"),
        )
        .where(line.lot_id == lot_id)
        .group_by(line.account_id)
        .subquery()
    )
    stmt = select(
        a.id,
        a.kind,
        a.facility_id,
        a.storage_unit_id,
        a.shipment_id,
        a.reason,
        per_account.c.total,
        per_account.c.doses_in,
        per_account.c.first_in,
        per_account.c.last,
    ).join(per_account, per_account.c.account_id == a.id)
    found: dict[int, _Acc] = {}
    for row in session.execute(stmt):
        account_id, kind, facility, unit, shipment, reason, total, d_in, first, last = row
        found[account_id] = _Acc(
            kind,
            facility,
            unit,
            shipment,
            reason,
            int(total),
            int(d_in),
            int(d_in) - int(total),
            _aware(first),
            _aware(last),
        )
    balances = select(m.Balance.account_id, m.Balance.doses).where(m.Balance.lot_id == lot_id)
    for account_id, doses in session.execute(balances):
        if account_id in found:
            found[account_id].balance = doses
        elif doses != 0:  # a balance without lines: the projection is broken
            found[account_id] = _Acc("unknown", None, None, None, None, balance=doses)
    return found


def _aware(value: Any) -> datetime | None:
    """Aggregates over CASE lose the column type on SQLite: parse and make aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
        )
        .join(s, s.id == line.shipment_id)
        .join(origin, origin.id == s.origin_facility_id)
        .join(destination, destination.id == s.destination_facility_id)
        .where(line.lot_id == lot_id)
        .order_by(s.dispatched_at, s.id)
    )
    rows = list(session.execute(stmt))
    with_discrepancies = _shipments_with_discrepancies(session, lot_id)
    found = []
    for sid, origin_id, o_code, dest_id, d_code, status, sent, got, sent_at, got_at in rows:
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
            )
        )
    return found


def _shipments_with_discrepancies(session: Session, lot_id: int) -> set[int]:
    d = m.ShipmentDiscrepancy
    return set(session.scalars(select(d.shipment_id).where(d.lot_id == lot_id)))


def _facilities(session: Session, ids: set[int]) -> dict[int, tuple[str, str, str]]:
    """(code, name, level) by id."""
    if not ids:
        return {}
    f = m.Facility
    stmt = select(f.id, f.code, f.name, f.level).where(f.id.in_(sorted(ids)))
    return {i: (code, name, level) for i, code, name, level in session.execute(stmt)}


def _unit_codes(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    stmt = select(m.StorageUnit.id, m.StorageUnit.code).where(m.StorageUnit.id.in_(wanted))
    return {i: code for i, code in session.execute(stmt)}


def _conservation(accounts: Any) -> Conservation:
    sums: dict[str, int] = defaultdict(int)
    matches = True
    for a in accounts:
        sums[a.kind] += a.total
        matches = matches and a.total == a.balance
    return Conservation(
        received_from_supplier=-sums["supplier"],
        usable=sums["stock"],
        held=sums["quarantine"],
        in_transit=sums["in_transit"],
        administered=sums["administered"],
        wasted=sums["wasted"],
        adjusted=sums["adjustment"],
        projection_matches=matches and "unknown" not in sums,
    )


def _nodes(
    accounts: Any,
    shipments: list[TraceShipment],
    facilities: dict[int, tuple[str, str, str]],
    units: dict[int, str],
) -> dict[int, dict[str, Any]]:
    nodes: dict[int, dict[str, Any]] = {
        f: {
            "supplier": 0,
            "administered": 0,
            "adjusted": 0,
            "usable": 0,
            "held": 0,
            "wasted": defaultdict(int),
            "units": {},
            "first": None,
            "last": None,
            "from": set(),
            "to": set(),
            "received": 0,
            "dispatched": 0,
        }
        for f in facilities
    }
    for a in accounts:
        if a.facility_id is None or a.facility_id not in nodes:
            continue
        node = nodes[a.facility_id]
        if a.kind == "supplier":
            node["supplier"] += -a.total
        elif a.kind == "administered":
            node["administered"] += a.total
        elif a.kind == "adjustment":
            node["adjusted"] += a.total
        elif a.kind == "wasted":
            node["wasted"][a.reason] += a.total
        elif a.kind in ("stock", "quarantine"):
            node["usable" if a.kind == "stock" else "held"] += a.total
            unit = node["units"].setdefault(a.unit_id, [0, 0, 0, 0, None, None])
            unit[0 if a.kind == "stock" else 1] += a.total
            unit[2] += a.doses_in
            unit[3] += a.doses_out
            unit[4] = _earliest(unit[4], a.first_in)
            unit[5] = _latest(unit[5], a.last)
            node["first"] = _earliest(node["first"], a.first_in)
        node["last"] = _latest(node["last"], a.last)
    for s in shipments:
        if s.dispatched_at is None:
            continue
        nodes[s.origin_facility_id]["to"].add(s.destination_facility_id)
        nodes[s.origin_facility_id]["dispatched"] += s.dispatched
        nodes[s.destination_facility_id]["from"].add(s.origin_facility_id)
        nodes[s.destination_facility_id]["received"] += s.received or 0
    for f, node in nodes.items():
        node["view"] = TraceFacility(
            facility_id=f,
            code=facilities[f][0],
            name=facilities[f][1],
            level=facilities[f][2],
            received_from=tuple(sorted(node["from"])),
            shipped_to=tuple(sorted(node["to"])),
            received_from_supplier=node["supplier"],
            received_by_shipment=node["received"],
            dispatched=node["dispatched"],
            administered=node["administered"],
            wasted=tuple(sorted((r, d) for r, d in node["wasted"].items() if d)),
            adjusted=node["adjusted"],
            usable=node["usable"],
            held=node["held"],
            first_in=node["first"],
            last_movement=node["last"],
            units=tuple(
                TraceUnit(u, units.get(u, str(u)), *values)
                for u, values in sorted(node["units"].items())
            ),
        )
    return nodes


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _ordered(
    nodes: dict[int, dict[str, Any]], roots: tuple[int, ...], shipments: list[TraceShipment]
) -> tuple[TraceFacility, ...]:
    """Depth-first along shipments from the roots; facilities reached otherwise come last."""
    seen: set[int] = set()
    order: list[int] = []
    stack = list(reversed(roots))
    while stack:
        f = stack.pop()
        if f in seen:
            continue
        seen.add(f)
        order.append(f)
        stack.extend(sorted(nodes[f]["to"] - seen, reverse=True))
    order += sorted(set(nodes) - seen)
    return tuple(nodes[f]["view"] for f in order)


def _wastage(accounts: Any) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = defaultdict(int)
    for a in accounts:
        if a.kind == "wasted" and a.reason:
            totals[a.reason] += a.total
    return tuple(sorted((r, d) for r, d in totals.items() if d))


def _state(holds: tuple[str, ...], conservation: Conservation) -> str:
    if "recalled" in holds:
        return "recalled"
    if conservation.on_hand + conservation.in_transit == 0 and conservation.received_from_supplier:
        return "depleted"
    if "expired" in holds:
        return "expired"
    if "vvm_discard_point" in holds:
        return "vvm_discard_point"
    return "active"
