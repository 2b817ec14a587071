"""The lot trace as frozen read models, and its pure assembly from per-account totals.

Invariant: every figure is derived from the lot's per-account line totals (summed per unit
and per facility in SQL, ``PlaceFigures``) and its shipment lines; the facility tree follows
shipments depth-first from the facilities that received the lot from the supplier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

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


class PlaceFigures(NamedTuple):
    """The lot's share of the accounts of one place, summed in SQL from the ``balances``
    read model: one storage unit (``unit_id`` set: its stock and quarantine accounts), or a
    facility's own accounts (``unit_id`` None: supplier, administered, adjustment, and one
    row per wastage reason), or accounts of no facility (``facility_id`` None: in transit,
    and any balance row whose account is missing, counted in ``orphans``). A named tuple:
    thousands are made per trace, straight from the rows."""

    facility_id: int | None
    code: str | None  # the facility's
    name: str | None
    level: str | None
    unit_id: int | None
    unit_code: str | None
    reason: str | None  # wastage reason (rows of wasted accounts)
    usable: int
    held: int
    doses_in: int  # into the unit (physical accounts)
    first_in: datetime | None  # first arrival in the unit
    last: datetime | None  # latest line on any of the rows' accounts
    supplier: int
    administered: int
    adjusted: int
    wasted: int
    in_transit: int
    orphans: int


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
        self.units: list[TraceUnit] = []
        self.came_from: set[int] = set()
        self.went_to: set[int] = set()


def conservation_of(places: Iterable[PlaceFigures]) -> Conservation:
    supplier = usable = held = in_transit = administered = wasted = adjusted = orphans = 0
    for p in places:
        supplier += p.supplier
        usable += p.usable
        held += p.held
        in_transit += p.in_transit
        administered += p.administered
        wasted += p.wasted
        adjusted += p.adjusted
        orphans += p.orphans
    return Conservation(
        received_from_supplier=-supplier,
        usable=usable,
        held=held,
        in_transit=in_transit,
        administered=administered,
        wasted=wasted,
        adjusted=adjusted,
        projection_matches=orphans == 0,
    )


def facility_tree(
    places: Iterable[PlaceFigures],
    shipments: Iterable[TraceShipment],
    facilities: dict[int, tuple[str, str, str]],
) -> tuple[tuple[int, ...], tuple[TraceFacility, ...]]:
    """(roots, facilities in depth-first order along shipments from the roots); the
    facilities are those the places and the shipments name (``facilities``: the names of
    facilities that only shipments name)."""
    nodes: dict[int, _Node] = {f: _Node(names) for f, names in facilities.items()}
    for p in places:
        if p.facility_id is None:
            continue
        node = nodes.get(p.facility_id)
        if node is None:
            node = nodes[p.facility_id] = _Node((p.code or "", p.name or "", p.level or ""))
        if p.unit_id is not None:
            node.usable += p.usable
            node.held += p.held
            node.units.append(
                TraceUnit(
                    p.unit_id,
                    p.unit_code or str(p.unit_id),
                    p.usable,
                    p.held,
                    p.doses_in,
                    p.doses_in - p.usable - p.held,
                    p.first_in,
                    p.last,
                )
            )
            if p.first_in is not None and (node.first is None or p.first_in < node.first):
                node.first = p.first_in
        node.supplier -= p.supplier
        node.administered += p.administered
        node.adjusted += p.adjusted
        if p.reason is not None and p.wasted:
            node.wasted[p.reason] = node.wasted.get(p.reason, 0) + p.wasted
        if p.last is not None and (node.last is None or p.last > node.last):
            node.last = p.last
    for s in shipments:
        if s.dispatched_at is not None:
            origin, destination = nodes[s.origin_facility_id], nodes[s.destination_facility_id]
            origin.went_to.add(s.destination_facility_id)
            origin.dispatched += s.dispatched
            destination.came_from.add(s.origin_facility_id)
            destination.received += s.received or 0
    roots = tuple(sorted(f for f, n in nodes.items() if n.supplier > 0))
    order = _depth_first(nodes, roots)
    return roots, tuple(_view(f, nodes[f]) for f in order)


def _view(facility_id: int, node: _Node) -> TraceFacility:
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
        units=tuple(sorted(node.units, key=lambda u: u.storage_unit_id)),
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
