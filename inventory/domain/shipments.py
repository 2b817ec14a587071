"""Shipment states and the receipt rule: what arrived, what did not, and how each posts.

Invariant: a receipt empties the shipment's in-transit account exactly. Per lot:
received ≤ dispatched posts ``transit -> stock`` and the shortfall ``transit -> wasted(lost)``
at the shipping facility; an excess posts ``adjustment -> stock`` at the receiving facility;
an unknown lot posts ``adjustment -> stock``. Every shortfall, excess and unknown lot is a
discrepancy that must carry a reason.

The return of a refused shipment (``ReceiptContext.returning``) is received by the same rule
at the sender: out of its ``in_transit_returned`` account, every lot into the quarantine of
the receiving unit ("refused by the receiver, returned"; the sender releases or destroys it),
a shortfall wasted as lost at the sender, an excess or an unknown lot from the sender's
adjustment account; the shipment ends ``returned``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from inventory.domain import accounts as acc
from inventory.domain.accounts import WastageReason
from inventory.domain.movements import Line
from inventory.domain.postings import move
from inventory.domain.quantities import require_doses
from inventory.errors import InvalidInput, InvalidState

DEFAULT_OVERDUE_GRACE = timedelta(hours=24)
# Why the doses of a received return are held (the sender releases or destroys them).
RETURNED_REASON = "refused by the receiver, returned"


class ShipmentStatus(StrEnum):
    CREATED = "created"
    DISPATCHED = "dispatched"
    RECEIVED = "received"
    PARTIALLY_RECEIVED = "partially_received"
    LOST = "lost"
    REFUSED = "refused"  # the receiver refused it; its doses are on the way back to the sender
    RETURNED = "returned"  # the sender received the refused shipment back (held)


class DiscrepancyKind(StrEnum):
    SHORTFALL = "shortfall"
    EXCESS = "excess"
    UNKNOWN_LOT = "unknown_lot"


def require_status(shipment_id: int, status: ShipmentStatus, *allowed: ShipmentStatus) -> None:
    if status not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise InvalidState(f"shipment {shipment_id} is {status.value}; it must be {wanted}")


@dataclass(frozen=True)
class ReceivedLot:
    lot_id: int
    doses: int
    discrepancy_reason: str | None = None


@dataclass(frozen=True)
class Discrepancy:
    lot_id: int
    kind: DiscrepancyKind
    dispatched: int
    received: int
    reason: str

    @property
    def difference(self) -> int:
        """Received minus dispatched: negative for a shortfall."""
        return self.received - self.dispatched


@dataclass(frozen=True)
class ReceiptPlan:
    lines: tuple[Line, ...]
    received: Mapping[int, int]
    discrepancies: tuple[Discrepancy, ...]
    status: ShipmentStatus


@dataclass(frozen=True)
class ReceiptContext:
    shipment_id: int
    origin_facility_id: int
    destination_facility_id: int
    unit_id: int
    held_lots: frozenset[int] = frozenset()  # recalled lots land in quarantine
    returning: bool = False  # the sender receives a refused shipment back (all lots held)

    @property
    def transit(self) -> acc.AccountRef:
        """Where the doses travel: the road there, or (a refused shipment) the road back."""
        if self.returning:
            return acc.in_transit_returned(self.shipment_id)
        return acc.in_transit(self.shipment_id)

    @property
    def receiving_facility_id(self) -> int:
        return self.origin_facility_id if self.returning else self.destination_facility_id


def plan_receipt(
    ctx: ReceiptContext, dispatched: Mapping[int, int], received: Sequence[ReceivedLot]
) -> ReceiptPlan:
    """Turn what the receiver counted into lines and discrepancies (see module docstring)."""
    by_lot = _index_received(received)
    missing = sorted(set(dispatched) - set(by_lot))
    if missing:
        raise InvalidInput(
            f"lots {missing} were dispatched on shipment {ctx.shipment_id} but are not in the "
            "receipt; list each with the doses received (0 if none) and a discrepancy reason"
        )
    lines: list[Line] = []
    discrepancies: list[Discrepancy] = []
    for lot_id, item in sorted(by_lot.items()):
        sent = dispatched.get(lot_id, 0)
        kind = _discrepancy_kind(sent, item.doses)
        if kind is not None:
            reason = (item.discrepancy_reason or "").strip()
            if not reason:
                raise InvalidInput(
                    f"lot {lot_id}: {kind.value} on shipment {ctx.shipment_id} (dispatched "
                    f"{sent}, received {item.doses}) needs a discrepancy reason"
                )
            discrepancies.append(Discrepancy(lot_id, kind, sent, item.doses, reason))
        lines += _lot_lines(ctx, lot_id, sent, item.doses)
    shortfall = any(d.kind is DiscrepancyKind.SHORTFALL for d in discrepancies)
    status = ShipmentStatus.PARTIALLY_RECEIVED if shortfall else ShipmentStatus.RECEIVED
    if ctx.returning:
        status = ShipmentStatus.RETURNED
    return ReceiptPlan(
        tuple(lines),
        {lot: item.doses for lot, item in sorted(by_lot.items())},
        tuple(discrepancies),
        status,
    )


def _index_received(received: Sequence[ReceivedLot]) -> dict[int, ReceivedLot]:
    by_lot: dict[int, ReceivedLot] = {}
    for item in received:
        require_doses(item.doses, f"lot {item.lot_id}: received doses", least=0)
        if item.lot_id in by_lot:
            raise InvalidInput(f"lot {item.lot_id} appears twice in the receipt")
        by_lot[item.lot_id] = item
    if not by_lot:
        raise InvalidInput("a receipt needs at least one lot")
    return by_lot


def _discrepancy_kind(sent: int, got: int) -> DiscrepancyKind | None:
    if sent == 0:
        return DiscrepancyKind.UNKNOWN_LOT if got > 0 else None
    if got < sent:
        return DiscrepancyKind.SHORTFALL
    if got > sent:
        return DiscrepancyKind.EXCESS
    return None


def _lot_lines(ctx: ReceiptContext, lot_id: int, sent: int, got: int) -> list[Line]:
    held = ctx.returning or lot_id in ctx.held_lots
    facility = ctx.receiving_facility_id
    target = (acc.quarantine if held else acc.stock)(ctx.unit_id, facility)
    transit = ctx.transit
    lines: list[Line] = []
    arrived = min(sent, got)
    if arrived:
        lines += move(transit, target, lot_id, arrived)
    if sent > got:
        lost = acc.wasted(ctx.origin_facility_id, WastageReason.LOST)
        lines += move(transit, lost, lot_id, sent - got)
    if got > sent:
        lines += move(acc.adjustment(facility), target, lot_id, got - sent)
    return lines


def is_overdue(
    dispatched_at: datetime, lead_time: timedelta, now: datetime, grace: timedelta
) -> bool:
    """Not received within the expected lead time plus the grace period (diversion signal)."""
    return now > dispatched_at + lead_time + grace
