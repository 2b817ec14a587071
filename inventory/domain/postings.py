"""How each movement kind posts: pure builders of balanced lines.

Invariant: every builder returns lines that ``check_balanced`` accepts; the stock side is
always a real (non-negative) account and the other side names where the doses went.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from inventory.domain import accounts as acc
from inventory.domain.accounts import AccountRef, WastageReason
from inventory.domain.movements import Line


def move(source: AccountRef, target: AccountRef, lot_id: int, doses: int) -> tuple[Line, Line]:
    """``doses`` of ``lot_id`` leave ``source`` and enter ``target``."""
    return (Line(source, lot_id, -doses), Line(target, lot_id, doses))


def receipt(
    facility_id: int, unit_id: int, lot_id: int, doses: int, *, held: bool = False
) -> tuple[Line, ...]:
    """From the supplier into a unit; a recalled lot lands in the unit's quarantine."""
    target = (acc.quarantine if held else acc.stock)(unit_id, facility_id)
    return move(acc.supplier(facility_id), target, lot_id, doses)


def dispatch(
    facility_id: int, unit_id: int, shipment_id: int, picks: Mapping[int, int]
) -> tuple[Line, ...]:
    source = acc.stock(unit_id, facility_id)
    return tuple(
        line
        for lot_id, doses in sorted(picks.items())
        for line in move(source, acc.in_transit(shipment_id), lot_id, doses)
    )


def transfer(
    facility_id: int, from_unit: int, to_unit: int, lot_id: int, doses: int, *, held: bool = False
) -> tuple[Line, ...]:
    """Usable stock to usable stock; ``held``: quarantine to quarantine (still DO NOT USE)."""
    account = acc.quarantine if held else acc.stock
    return move(account(from_unit, facility_id), account(to_unit, facility_id), lot_id, doses)


def administration(facility_id: int, unit_id: int, lot_id: int, doses: int) -> tuple[Line, ...]:
    return move(acc.stock(unit_id, facility_id), acc.administered(facility_id), lot_id, doses)


def wastage(
    facility_id: int, unit_id: int, lot_id: int, doses: int, reason: WastageReason
) -> tuple[Line, ...]:
    return move(acc.stock(unit_id, facility_id), acc.wasted(facility_id, reason), lot_id, doses)


def count(
    facility_id: int, unit_id: int, book: Mapping[int, int], counted: Mapping[int, int]
) -> tuple[Line, ...]:
    """Post ``counted - book`` per lot; a gain comes out of adjustment, a loss goes into it."""
    lines: list[Line] = []
    for lot_id in sorted(set(book) | set(counted)):
        difference = counted.get(lot_id, 0) - book.get(lot_id, 0)
        if difference:
            lines += [
                Line(acc.stock(unit_id, facility_id), lot_id, difference),
                Line(acc.adjustment(facility_id), lot_id, -difference),
            ]
    return tuple(lines)


def quarantine(facility_id: int, unit_id: int, lots: Mapping[int, int]) -> tuple[Line, ...]:
    source, target = acc.stock(unit_id, facility_id), acc.quarantine(unit_id, facility_id)
    return _moves(source, target, lots)


def release(facility_id: int, unit_id: int, lots: Mapping[int, int]) -> tuple[Line, ...]:
    source, target = acc.quarantine(unit_id, facility_id), acc.stock(unit_id, facility_id)
    return _moves(source, target, lots)


def destruction(
    facility_id: int, unit_id: int, lots: Mapping[int, int], reason: WastageReason
) -> tuple[Line, ...]:
    source, target = acc.quarantine(unit_id, facility_id), acc.wasted(facility_id, reason)
    return _moves(source, target, lots)


def recall(holdings: Iterable[tuple[int, int, int, int]]) -> tuple[Line, ...]:
    """``holdings`` are (facility_id, unit_id, lot_id, usable doses): all go to quarantine."""
    return tuple(
        line
        for facility_id, unit_id, lot_id, doses in sorted(holdings)
        if doses > 0
        for line in move(
            acc.stock(unit_id, facility_id), acc.quarantine(unit_id, facility_id), lot_id, doses
        )
    )


def shipment_lost(
    origin_facility_id: int, shipment_id: int, in_transit: Mapping[int, int]
) -> tuple[Line, ...]:
    """Everything still in transit is wasted as lost, charged to the shipping facility."""
    target = acc.wasted(origin_facility_id, WastageReason.LOST)
    return _moves(acc.in_transit(shipment_id), target, in_transit)


def shipment_return(shipment_id: int, in_transit: Mapping[int, int]) -> tuple[Line, ...]:
    """A refused shipment starts back to the sender: everything in transit goes onto the
    return leg (``in_transit_returned``), still on the road, owned by the sender again."""
    return _moves(acc.in_transit(shipment_id), acc.in_transit_returned(shipment_id), in_transit)


def shipment_lost_returning(
    origin_facility_id: int, shipment_id: int, returning: Mapping[int, int]
) -> tuple[Line, ...]:
    """A refused shipment lost on its way back: wasted as lost at the sender, its owner."""
    target = acc.wasted(origin_facility_id, WastageReason.LOST)
    return _moves(acc.in_transit_returned(shipment_id), target, returning)


def _moves(source: AccountRef, target: AccountRef, lots: Mapping[int, int]) -> tuple[Line, ...]:
    return tuple(
        line
        for lot_id, doses in sorted(lots.items())
        if doses > 0
        for line in move(source, target, lot_id, doses)
    )
