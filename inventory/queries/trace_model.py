"""The lot trace as frozen read models, and its pure assembly from per-account totals.

Invariant: every figure is derived from the lot's per-account line totals (its ``balances``
rows, ``AccountRow``) and its shipment lines; the facility tree follows
shipments depth-first from the facilities that received the lot from the supplier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


# One ``balances`` row of the lot with its account: (facility, storage unit, account kind,
# wastage reason, doses, doses in, first arrival, last line); kind None: a balance row whose
# account is missing (the projection is broken). Plain tuples: a trace reads thousands.
AccountRow = tuple[
    int | None, int | None, str | None, str | None, int, int, datetime | None, datetime | None
]


class _Node:
    """A facility being assembled."""

    __slots__ = (
        "adjusted",
        "administered",
        "came_from",
        "dispatched",
        "first",
        "held",
        "last",
        "names",
        "received",
        "supplier",
        "units",
        "usable",
        "wasted",
        "went_to",
    )

    def __init__(self, names: tuple[str, str, str]) -> None:
        self.names = names
        self.supplier = self.administered = self.adjusted = 0
        self.usable = self.held = self.received = self.dispatched = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.wasted: dict[str, int] = {}
        # unit -> [usable, held, doses in, first in, last line]
        self.units: dict[int, list[Any]] = {}
        self.came_from: set[int] = set()
        self.went_to: set[int] = set()


def conservation_of(rows: Iterable[AccountRow]) -> Conservation:
    sums: dict[str | None, int] = defaultdict(int)
    for _, _, kind, _, doses, _, _, _ in rows:
        sums[kind] += doses
    return Conservation(
        received_from_supplier=-sums["supplier"],
        usable=sums["stock"],
        held=sums["quarantine"],
        in_transit=sums["in_transit"] + sums["in_transit_returned"],  # either way on the road
        administered=sums["administered"],
        wasted=sums["wasted"],
        adjusted=sums["adjustment"],
        projection_matches=None not in sums,
    )


def facility_tree(
    rows: Iterable[AccountRow],
    shipments: Iterable[TraceShipment],
    facilities: dict[int, tuple[str, str, str]],
    units: dict[int, str],
) -> tuple[tuple[int, ...], tuple[TraceFacility, ...]]:
    """(roots, facilities in depth-first order along shipments from the roots): the
    facilities of ``facilities`` ((code, name, level) of every facility the accounts and the
    shipments name), their accounts' figures summed per unit and per facility."""
    nodes: dict[int, _Node] = {f: _Node(names) for f, names in facilities.items()}
    for facility, unit, kind, reason, doses, doses_in, first, last in rows:
        node = nodes.get(facility) if facility is not None else None
        if node is None:
            continue
        if unit is not None:  # its stock or quarantine account
            figures = node.units.get(unit)
            if figures is None:
                figures = node.units[unit] = [0, 0, 0, None, None]
            if kind == "stock":
                node.usable += doses
                figures[0] += doses
            else:
                node.held += doses
                figures[1] += doses
            figures[2] += doses_in
            if first is not None:
                if figures[3] is None or first < figures[3]:
                    figures[3] = first
                if node.first is None or first < node.first:
                    node.first = first
            if last is not None and (figures[4] is None or last > figures[4]):
                figures[4] = last
        elif kind == "supplier":
            node.supplier -= doses
        elif kind == "administered":
            node.administered += doses
        elif kind == "adjustment":
            node.adjusted += doses
        elif kind == "wasted" and reason:
            node.wasted[reason] = node.wasted.get(reason, 0) + doses
        if last is not None and (node.last is None or last > node.last):
            node.last = last
    for s in shipments:
        if s.dispatched_at is not None:
            origin, destination = nodes[s.origin_facility_id], nodes[s.destination_facility_id]
            origin.went_to.add(s.destination_facility_id)
            origin.dispatched += s.dispatched
            destination.came_from.add(s.origin_facility_id)
            destination.received += s.received or 0
    roots = tuple(sorted(f for f, n in nodes.items() if n.supplier > 0))
    order = _depth_first(nodes, roots)
    return roots, tuple(_view(f, nodes[f], units) for f in order)


def _view(facility_id: int, node: _Node, codes: dict[int, str]) -> TraceFacility:
    code, name, level = node.names
    return TraceFacility(
        facility_id=facility_id,
        code=code,
        name=name,
        level=level,
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
            TraceUnit(u, codes.get(u, str(u)), f[0], f[1], f[2], f[2] - f[0] - f[1], f[3], f[4])
            for u, f in sorted(node.units.items())
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
        went_to = nodes[f].went_to
        if went_to:
            stack.extend(sorted(went_to - seen, reverse=True))
    return order + sorted(set(nodes) - seen)


def wastage_by_reason(facilities: Iterable[TraceFacility]) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = defaultdict(int)
    for f in facilities:
        for reason, doses in f.wasted:
            totals[reason] += doses
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


@dataclass(frozen=True, slots=True)
class TraceBranch:
    """One facility of a trace as a branch of the tree along shipments: where it hangs (the
    facility it was first reached from, depth-first from the roots, as ``facilities`` is
    ordered; None for a root or a facility reached otherwise), its children in that tree,
    and its subtree's figures summed (itself included)."""

    facility_id: int
    parent: int | None
    depth: int
    children: tuple[int, ...]
    facilities: int
    administered: int
    wasted: int
    on_hand: int
    held: int


def trace_branches(trace: LotTrace) -> dict[int, TraceBranch]:
    """Every facility of the trace as a branch, in the trace's order (a facility reached by
    two shipments hangs where the depth-first walk reached it first; each appears once)."""
    by_id = {f.facility_id: f for f in trace.facilities}
    parent: dict[int, int | None] = {}
    children: dict[int, list[int]] = {f: [] for f in by_id}
    starts = [f for f in trace.roots if f in by_id] + list(by_id)  # then those reached otherwise
    for start in starts:  # the walk of ``_depth_first``, remembering who reached whom
        stack: list[tuple[int, int | None]] = [(start, None)]
        while stack:
            f, came_from = stack.pop()
            if f in parent:
                continue
            parent[f] = came_from
            if came_from is not None:
                children[came_from].append(f)
            stack.extend(
                (c, f) for c in reversed(by_id[f].shipped_to) if c in by_id and c not in parent
            )
    depth: dict[int, int] = {}
    for f in parent:  # parents are assigned before their children
        p = parent[f]
        depth[f] = 0 if p is None else depth[p] + 1
    sums: dict[int, list[int]] = {}
    for f in sorted(parent, key=lambda f: -depth[f]):  # the deepest first
        own = by_id[f]
        total = [
            1,
            own.administered,
            sum(d for _, d in own.wasted),
            own.usable + own.held,
            own.held,
        ]
        for c in children[f]:
            total = [a + b for a, b in zip(total, sums[c], strict=True)]
        sums[f] = total
    return {
        f.facility_id: TraceBranch(
            f.facility_id,
            parent[f.facility_id],
            depth[f.facility_id],
            tuple(children[f.facility_id]),
            *sums[f.facility_id],
        )
        for f in trace.facilities
    }
