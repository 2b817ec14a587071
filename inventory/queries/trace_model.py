"""The lot trace as frozen read models, and its pure assembly from per-account totals.

Invariant: every figure is derived from the lot's per-account line totals and its shipment
lines; the facility tree follows shipments depth-first from the facilities that received
the lot from the supplier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from inventory.results import DiscrepancyView, LotView, ShipmentDecisionView


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
    # Rule 27: the loggers that travelled with it, and the receiver's standing decision.
    loggers: tuple[str, ...] = ()
    decision: ShipmentDecisionView | None = None
    # A refused journey's return leg: refused (on the road back), then received back by the
    # sender (``returned``: the doses of the lot it counted back).
    refused_at: datetime | None = None
    returned: int | None = None
    returned_at: datetime | None = None


@dataclass(frozen=True)
class Conservation:
    received_from_supplier: int
    usable: int
    held: int
    in_transit: int  # on the road: to a receiver, or refused and on its way back
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
class AccountTotals:
    """One account's share of a lot: its lines summed, and the projected balance."""

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


@dataclass
class _Node:
    """A facility being assembled."""

    supplier: int = 0
    administered: int = 0
    adjusted: int = 0
    usable: int = 0
    held: int = 0
    received: int = 0
    dispatched: int = 0
    first: datetime | None = None
    last: datetime | None = None
    wasted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    units: dict[int, _Unit] = field(default_factory=dict)
    came_from: set[int] = field(default_factory=set)
    went_to: set[int] = field(default_factory=set)


@dataclass
class _Unit:
    usable: int = 0
    held: int = 0
    doses_in: int = 0
    doses_out: int = 0
    first: datetime | None = None
    last: datetime | None = None


def conservation_of(accounts: Iterable[AccountTotals]) -> Conservation:
    sums: dict[str, int] = defaultdict(int)
    matches = True
    for a in accounts:
        sums[a.kind] += a.total
        matches = matches and a.total == a.balance
    return Conservation(
        received_from_supplier=-sums["supplier"],
        usable=sums["stock"],
        held=sums["quarantine"],
        in_transit=sums["in_transit"] + sums["in_transit_returned"],  # either way on the road
        administered=sums["administered"],
        wasted=sums["wasted"],
        adjusted=sums["adjustment"],
        projection_matches=matches and "unknown" not in sums,
    )


def facility_tree(
    accounts: Iterable[AccountTotals],
    shipments: Iterable[TraceShipment],
    facilities: dict[int, tuple[str, str, str]],
    units: dict[int, str],
) -> tuple[tuple[int, ...], tuple[TraceFacility, ...]]:
    """(roots, facilities in depth-first order along shipments from the roots)."""
    nodes = {f: _Node() for f in facilities}
    for a in accounts:
        if a.facility_id in nodes:
            _add_account(nodes[a.facility_id], a)
    for s in shipments:
        if s.dispatched_at is not None:
            nodes[s.origin_facility_id].went_to.add(s.destination_facility_id)
            nodes[s.origin_facility_id].dispatched += s.dispatched
            nodes[s.destination_facility_id].came_from.add(s.origin_facility_id)
            nodes[s.destination_facility_id].received += s.received or 0
    roots = tuple(sorted(f for f, n in nodes.items() if n.supplier > 0))
    order = _depth_first(nodes, roots)
    return roots, tuple(_view(f, nodes[f], facilities[f], units) for f in order)


def _add_account(node: _Node, a: AccountTotals) -> None:
    if a.kind == "supplier":
        node.supplier -= a.total
    elif a.kind == "administered":
        node.administered += a.total
    elif a.kind == "adjustment":
        node.adjusted += a.total
    elif a.kind == "wasted" and a.reason:
        node.wasted[a.reason] += a.total
    elif a.kind in ("stock", "quarantine") and a.unit_id is not None:
        unit = node.units.setdefault(a.unit_id, _Unit())
        if a.kind == "stock":
            node.usable += a.total
            unit.usable += a.total
        else:
            node.held += a.total
            unit.held += a.total
        unit.doses_in += a.doses_in
        unit.doses_out += a.doses_out
        unit.first = _earliest(unit.first, a.first_in)
        unit.last = _latest(unit.last, a.last)
        node.first = _earliest(node.first, a.first_in)
    node.last = _latest(node.last, a.last)


def _view(
    facility_id: int, node: _Node, names: tuple[str, str, str], units: dict[int, str]
) -> TraceFacility:
    return TraceFacility(
        facility_id=facility_id,
        code=names[0],
        name=names[1],
        level=names[2],
        received_from=tuple(sorted(node.came_from)),
        shipped_to=tuple(sorted(node.went_to)),
        received_from_supplier=node.supplier,
        received_by_shipment=node.received,
        dispatched=node.dispatched,
        administered=node.administered,
        wasted=tuple(sorted((r, d) for r, d in node.wasted.items() if d)),
        adjusted=node.adjusted,
        usable=node.usable,
        held=node.held,
        first_in=node.first,
        last_movement=node.last,
        units=tuple(
            TraceUnit(
                u, units.get(u, str(u)), v.usable, v.held, v.doses_in, v.doses_out, v.first, v.last
            )
            for u, v in sorted(node.units.items())
        ),
    )


def _depth_first(nodes: dict[int, _Node], roots: tuple[int, ...]) -> list[int]:
    """Along shipments from the roots; facilities reached otherwise come last."""
    seen: set[int] = set()
    order: list[int] = []
    stack = list(reversed(roots))
    while stack:
        f = stack.pop()
        if f in seen:
            continue
        seen.add(f)
        order.append(f)
        stack.extend(sorted(nodes[f].went_to - seen, reverse=True))
    return order + sorted(set(nodes) - seen)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def wastage_by_reason(accounts: Iterable[AccountTotals]) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = defaultdict(int)
    for a in accounts:
        if a.kind == "wasted" and a.reason:
            totals[a.reason] += a.total
    return tuple(sorted((r, d) for r, d in totals.items() if d))


def lot_state(holds: tuple[str, ...], conservation: Conservation) -> str:
    if "recalled" in holds:
        return "recalled"
    if conservation.on_hand + conservation.in_transit == 0 and conservation.received_from_supplier:
        return "depleted"
    if "expired" in holds:
        return "expired"
    if "vvm_discard_point" in holds:
        return "vvm_discard_point"
    return "active"
