"""``coldchain trace LOT``: find the lot a person names, and draw its trace in the terminal.

The drawing is plain text with box-drawing characters: the lot header (product, lot,
expiry, state), the tree of facilities along shipments (quantities and dates, shortfalls
with reasons, doses given, wastage, stock on hand per unit, and a ``⚠ excursion`` line for
every excursion that overlapped the lot's stay in one of the facility's units), then doses
administered per facility, wastage by reason, held stock, what is on hand where now, what
is in transit, the excursions, and the conservation line (received = on hand + in transit
+ administered + wasted) with whether it holds.

Invariant: rendering is pure (a ``LotTrace`` and its ``LotExcursion`` values in, text out);
every number shown comes from them, nothing is recomputed from the database. A facility
reached by two shipments is drawn once; the second shipment points back to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from api.lot_excursions import LotExcursion
from api.transport_records import TransportRecord
from inventory import queries
from inventory.errors import NotFound
from inventory.queries import LotCandidates, LotTrace, TraceFacility, TraceShipment
from inventory.results import DiscrepancyView
from inventory.unit_of_work import UnitOfWork

# -- finding the lot ---------------------------------------------------------------------------


def looks_scanned(text: str) -> bool:
    """A GS1 string as printed ``(01)…`` or as a scanner sends it (``]d2…``, GS)."""
    return text.startswith(("(", "]", "\x1d"))


def find_trace(
    uow: UnitOfWork,
    lot: str,
    *,
    today: date,
    product: str | None = None,
    gtin: str | None = None,
) -> LotTrace | LotCandidates:
    """The trace of the lot named by number (narrowed by product code or GTIN) or by scan;
    the candidates when the number still names several lots."""
    if looks_scanned(lot):
        from api.lot_refs import lot_from_scan

        return queries.trace_lot(uow, lot_from_scan(uow, lot, today).id)
    product_id = None if gtin is None else queries.product_by_gtin(uow, gtin).id
    found = queries.trace_lot_number(uow, lot, product_id)
    if product is None:
        return found
    if isinstance(found, LotTrace):
        if found.product_code != product:
            raise NotFound(f"lot {lot} is a lot of product {found.product_code}, not {product}")
        return found
    matching = tuple(c for c in found.candidates if c.product_code == product)
    if not matching:
        codes = ", ".join(c.product_code for c in found.candidates)
        raise NotFound(f"no lot {lot} of product {product} (products with it: {codes})")
    if len(matching) > 1:
        return LotCandidates(found.lot_number, matching)
    return queries.trace_lot(uow, matching[0].lot_id)


# -- drawing -------------------------------------------------------------------------------------


@dataclass
class Node:
    """One entry of the tree: a label, notes under it, and children."""

    label: str
    notes: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


def draw(node: Node, prefix: str = "", last: bool = True, root: bool = True) -> list[str]:
    """The node and its subtree as lines: ``├─`` / ``└─`` before children, ``│`` between."""
    lines = [prefix + ("" if root else "└─ " if last else "├─ ") + node.label]
    inner = prefix + ("" if root else "   " if last else "│  ")
    lines += [inner + ("│  " if node.children else "   ") + note for note in node.notes]
    for i, child in enumerate(node.children):
        lines += draw(child, inner, i == len(node.children) - 1, root=False)
    return lines


def when(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_trace(
    trace: LotTrace,
    excursions: Sequence[LotExcursion] | None = None,
    journeys: Mapping[int, TransportRecord] | None = None,
) -> str:
    """The whole trace as text, one section after another; without ``excursions`` (None:
    not known) no excursion is drawn and the section is left out; each shipment in
    ``journeys`` gets a line of its transport record (rule 27)."""
    sections = [
        _header(trace),
        ["Where it went", *_tree_lines(trace, excursions or (), journeys or {})],
        _administered(trace),
        _wastage(trace),
        _held(trace),
        _on_hand(trace),
        _in_transit(trace),
        *([] if excursions is None else [_excursions(excursions)]),
        ["Conservation", "  " + conservation_line(trace)],
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def render_candidates(found: LotCandidates) -> str:
    width = max(len(c.product_code) for c in found.candidates)
    rows = [
        f"  {c.product_code:<{width}}  lot {c.lot_number}  expires {c.expiry}  (lot id {c.lot_id})"
        for c in found.candidates
    ]
    return (
        f"lot number {found.lot_number} names {len(found.candidates)} lots:\n"
        + "\n".join(rows)
        + "\nchoose one with --product CODE (or --gtin GTIN)\n"
    )


def conservation_line(trace: LotTrace) -> str:
    c = trace.conservation
    terms = [
        f"on hand {c.on_hand}",
        f"in transit {c.in_transit}",
        f"administered {c.administered}",
        f"wasted {c.wasted}",
    ]
    if c.adjusted:
        terms.append(f"adjusted {c.adjusted}")
    verdict = "holds ✓"
    if not c.balanced:
        accounted = c.on_hand + c.in_transit + c.administered + c.wasted + c.adjusted
        verdict = f"DOES NOT HOLD ✗ (off by {c.received_from_supplier - accounted})"
        if not c.projection_matches:
            verdict += "; the balances projection differs from the ledger lines"
    return f"received {c.received_from_supplier} = {' + '.join(terms)}: {verdict}"


def _header(trace: LotTrace) -> list[str]:
    lot = trace.lot
    holds = f" (holds: {', '.join(trace.holds)})" if trace.holds else ""
    lines = [
        f"Lot {lot.lot_number} · product {trace.product_code} · expires {lot.expiry.isoformat()}"
        f" · {trace.state}{holds}",
        f"  lot id {lot.id}; received from the supplier:"
        f" {trace.conservation.received_from_supplier} doses",
    ]
    if lot.recalled_at is not None:
        lines.append(
            f"  recalled {when(lot.recalled_at)} ({lot.recall_reference or 'no reference'})"
        )
    return lines


def excursion_line(x: LotExcursion) -> str:
    """``⚠ excursion <start> → <end> UTC, <minutes out of range>, MKT, <alarms> (<unit>:
    <doses of the lot there>; <doses quarantined for it>)``."""
    parts = [f"⚠ excursion {_span(x.start, x.end)}"]
    if x.open:
        parts.append("statistics when it closes")
    parts += _out_of_range(x)
    if x.mkt_c is not None:
        parts.append(f"MKT {x.mkt_c:.1f} °C")
    parts.append(", ".join(_alarm_text(a.rule, a.severity) for a in x.alarms) or "no alarm")
    held = f"; {x.quarantined_doses} quarantined for it" if x.quarantined else ""
    return ", ".join(parts) + f" ({x.unit}: {x.doses} doses of the lot{held})"


def _span(start: datetime, end: datetime | None) -> str:
    begin = when(start).removesuffix(" UTC")
    if end is None:
        return f"{begin} UTC → still open"
    finish = when(end).removesuffix(" UTC")
    if finish[:10] == begin[:10]:
        finish = finish[11:]
    return f"{begin} → {finish} UTC"


def _out_of_range(x: LotExcursion) -> list[str]:
    found = []
    for minutes, side, bound in (
        (x.minutes_above, "above", x.range_high_c),
        (x.minutes_below, "below", x.range_low_c),
    ):
        if minutes:
            found.append(
                f"{minutes:.0f} min {side} " + ("range" if bound is None else f"{bound:+.1f}")
            )
    if x.unknown_minutes:
        found.append(f"{x.unknown_minutes:.0f} min unknown")
    return found


def _alarm_text(rule: str, severity: str) -> str:
    return f"{rule} {'ALARM' if severity == 'alarm' else severity}"


def _excursions(excursions: Sequence[LotExcursion]) -> list[str]:
    title = "Excursions while the lot was there"
    if not excursions:
        return [title, "  (none)"]
    width = max(len(f"{x.facility} / {x.unit}") for x in excursions)
    return [
        title,
        *(
            f"  {f'{x.facility} / {x.unit}':<{width}}  {_span(x.start, x.end)}  "
            + (", ".join(_alarm_text(a.rule, a.severity) for a in x.alarms) or "no alarm")
            for x in excursions
        ),
    ]


def _tree_lines(
    trace: LotTrace,
    excursions: Sequence[LotExcursion],
    journeys: Mapping[int, TransportRecord],
) -> list[str]:
    by_id = {f.facility_id: f for f in trace.facilities}
    seen: dict[int, list[LotExcursion]] = {}
    for x in excursions:
        seen.setdefault(x.facility_id, []).append(x)
    sent: dict[int, list[TraceShipment]] = {}
    for s in trace.shipments:
        if s.dispatched_at is not None:
            sent.setdefault(s.origin_facility_id, []).append(s)
    drawn: set[int] = set()
    starts = [f for f in trace.roots if f in by_id]
    starts += [f.facility_id for f in trace.facilities if f.facility_id not in starts]
    lines: list[str] = []
    for start in starts:
        if start not in drawn:
            lines += draw(_facility_node(start, by_id, sent, drawn, seen, journeys))
    return lines or ["  (no movements)"]


def _facility_node(
    facility_id: int,
    by_id: dict[int, TraceFacility],
    sent: dict[int, list[TraceShipment]],
    drawn: set[int],
    seen: dict[int, list[LotExcursion]],
    journeys: Mapping[int, TransportRecord],
) -> Node:
    drawn.add(facility_id)
    f = by_id[facility_id]
    notes = _facility_notes(f) + [excursion_line(x) for x in seen.get(facility_id, [])]
    node = Node(f"{f.code} ({f.level})", notes)
    for s in sent.get(facility_id, []):
        record = journeys.get(s.shipment_id)
        child = Node(_shipment_label(s), _shipment_notes(s) + _record_notes(record))
        destination = s.destination_facility_id
        if destination in drawn or destination not in by_id:
            child.notes.append(f"to {s.destination_code} (shown above)")
        else:
            child.children.append(_facility_node(destination, by_id, sent, drawn, seen, journeys))
        node.children.append(child)
    return node


def _facility_notes(f: TraceFacility) -> list[str]:
    notes = []
    if f.received_from_supplier:
        notes.append(f"from the supplier: {f.received_from_supplier}")
    if f.administered:
        notes.append(f"administered: {f.administered}")
    if f.wasted:
        notes.append("wasted: " + ", ".join(f"{d} {reason}" for reason, d in f.wasted))
    if f.adjusted:
        notes.append(f"adjusted: {f.adjusted}")
    units = ", ".join(_unit_text(u.code, u.usable, u.held) for u in f.units if u.usable or u.held)
    notes.append(f"on hand: {f.usable + f.held}" + (f" ({units})" if units else ""))
    return notes


def _unit_text(code: str, usable: int, held: int) -> str:
    return f"{code} {usable}" + (f" + {held} held" if held else "")


def _shipment_label(s: TraceShipment) -> str:
    return f"shipment {s.shipment_id} → {s.destination_code} ({s.status.replace('_', ' ')})"


def _shipment_notes(s: TraceShipment) -> list[str]:
    notes = [f"sent {s.dispatched} on {when(s.dispatched_at)}"]
    if s.received is not None:
        notes.append(f"received {s.received} on {when(s.received_at)}")
    if s.refused_at is not None:
        notes.append(f"refused on {when(s.refused_at)}, sent back to {s.origin_code}")
    if s.returned is not None:
        notes.append(f"received back {s.returned} on {when(s.returned_at)}, held")
    return notes + [_discrepancy(d) for d in s.discrepancies]


def _record_notes(r: TransportRecord | None) -> list[str]:
    """The journey's transport record in one line, and why it does not cover the journey."""
    if r is None:
        return []
    if not r.loggers:
        return ["transport record: none (no logger)"]
    verdict = "covers the journey" if r.covers else "DOES NOT cover the journey"
    temps = "" if r.min_c is None or r.max_c is None else f", {r.min_c:+.1f}…{r.max_c:+.1f} °C"
    out = r.minutes_above + r.minutes_below
    alarms = sorted({a.type for a in r.alarms if a.severity == "alarm"})
    notes = [
        f"transport record: {verdict}{temps}, {out:.0f} min out of range"
        + (f", MKT {r.mkt_c:+.1f} °C" if r.mkt_c is not None else "")
        + (f", ⚠ {', '.join(alarms)}" if alarms else "")
    ]
    return notes + [f"! {problem}" for problem in r.problems]


def _discrepancy(d: DiscrepancyView) -> str:
    return f"! {d.kind.replace('_', ' ')}: {d.dispatched} sent, {d.received} received ({d.reason})"


def _codes(trace: LotTrace) -> dict[int, str]:
    return {f.facility_id: f.code for f in trace.facilities}


def _table(title: str, rows: Iterable[tuple[str, int]]) -> list[str]:
    rows = list(rows)
    if not rows:
        return [title, "  (none)"]
    width = max(len(name) for name, _ in rows)
    return [title, *(f"  {name:<{width}}  {doses:>8}" for name, doses in rows)]


def _administered(trace: LotTrace) -> list[str]:
    codes = _codes(trace)
    rows = [(codes.get(f, str(f)), d) for f, d in trace.administered_by_facility]
    return _table("Doses administered", rows)


def _wastage(trace: LotTrace) -> list[str]:
    return _table("Wastage by reason", trace.wastage_by_reason)


def _unit_codes(trace: LotTrace) -> dict[int, str]:
    return {u.storage_unit_id: u.code for f in trace.facilities for u in f.units}


def _held(trace: LotTrace) -> list[str]:
    codes, units = _codes(trace), _unit_codes(trace)
    rows = [(f"{codes.get(f, str(f))} / {units.get(u, str(u))}", d) for f, u, d in trace.held_now]
    return _table("Held (quarantined, DO NOT USE)", rows)


def _on_hand(trace: LotTrace) -> list[str]:
    rows = [
        (f"{f.code} / {u.code}" + (f" ({u.held} held)" if u.held else ""), u.usable + u.held)
        for f in trace.facilities
        for u in f.units
        if u.usable or u.held
    ]
    return _table("On hand now", rows)


def _in_transit(trace: LotTrace) -> list[str]:
    rows = [
        (f"shipment {s.shipment_id} {s.origin_code} → {s.destination_code}", s.dispatched)
        for s in trace.shipments
        if s.status == "dispatched"
    ] + [
        (f"shipment {s.shipment_id} {s.destination_code} → {s.origin_code} (refused)", s.dispatched)
        for s in trace.shipments
        if s.status == "refused"
    ]
    return _table("In transit", rows)
