"""Reversal: the one way to correct the ledger.

A reversal is a new movement whose lines negate the original's exactly, referencing it,
with a reason and a user. It takes effect at the original's ``occurred_at``: it says the
original never happened, so balances and storage histories read as if it had not.
Invariants: a movement is reversed at most once (also a unique constraint); reversals and
recalls cannot be reversed; a reversal that would make a stock balance negative at any
time is refused; reversing a shipment movement steps the shipment back one state (a
refusal: back to dispatched, refused only while its return has not been received or lost; a
return receipt: back to refused; a loss on the way back: back to refused).
"""

from __future__ import annotations

from inventory import models as m
from inventory.commands import ReverseMovement
from inventory.domain.accounts import AccountKind, AccountRef, WastageReason
from inventory.domain.movements import (
    NOT_REVERSIBLE,
    Line,
    MovementKind,
    check_balanced,
    reversal_lines,
)
from inventory.domain.shipments import ShipmentStatus, require_status
from inventory.errors import AlreadyReversed, InvalidState
from inventory.results import MovementView
from inventory.services._runner import Context, load_movement_view, required_text, run_movement
from inventory.unit_of_work import UnitOfWork


def reverse_movement(uow: UnitOfWork, command: ReverseMovement) -> MovementView:
    """Post the exact opposite of movement ``command.movement_id``."""

    def body(ctx: Context) -> int:
        reason = required_text(command.reason, "a reversal reason")
        original = uow.repo.get(m.Movement, command.movement_id, "movement", lock=True)
        kind = MovementKind(original.kind)
        if kind in NOT_REVERSIBLE:
            raise InvalidState(f"a {kind.value} movement cannot be reversed")
        earlier = uow.repo.reversal_of(original.id)
        if earlier is not None:
            raise AlreadyReversed(
                f"movement {original.id} was already reversed by movement {earlier}"
            )
        lines = [
            Line(_ref(account), line.lot_id, line.doses)
            for line, account in uow.repo.movement_lines(original.id)
        ]
        if original.shipment_id is not None:
            _step_shipment_back(uow, original, lines)
        uow.repo.lock_lots(line.lot_id for line in lines)
        header = ctx.header(
            MovementKind.REVERSAL.value,
            original.occurred_at,
            facility_id=original.facility_id,
            shipment_id=original.shipment_id,
            reason=reason,
            reverses_movement_id=original.id,
        )
        return uow.repo.post(header, check_balanced(MovementKind.REVERSAL, reversal_lines(lines)))

    return run_movement(uow, command, body, load_movement_view)


def _step_shipment_back(uow: UnitOfWork, original: m.Movement, lines: list[Line]) -> None:
    assert original.shipment_id is not None
    shipment = uow.repo.get(m.Shipment, original.shipment_id, "shipment", lock=True)
    status = ShipmentStatus(shipment.status)
    kind = MovementKind(original.kind)
    if kind is MovementKind.DISPATCH:
        require_status(shipment.id, status, ShipmentStatus.DISPATCHED)
        uow.repo.clear_shipment_lines(shipment.id)
        shipment.status, shipment.dispatched_at = ShipmentStatus.CREATED.value, None
    elif kind is MovementKind.SHIPMENT_RECEIPT:
        require_status(
            shipment.id, status, ShipmentStatus.RECEIVED, ShipmentStatus.PARTIALLY_RECEIVED
        )
        uow.repo.clear_received(shipment.id)
        shipment.status, shipment.received_at = ShipmentStatus.DISPATCHED.value, None
    elif kind is MovementKind.SHIPMENT_LOST:
        require_status(shipment.id, status, ShipmentStatus.LOST)
        returning = any(x.account.kind is AccountKind.IN_TRANSIT_RETURNED for x in lines)
        back = ShipmentStatus.REFUSED if returning else ShipmentStatus.DISPATCHED
        shipment.status = back.value
    elif kind is MovementKind.SHIPMENT_RETURN:
        _require_return_open(uow, shipment.id, status, lines)
        shipment.status, shipment.refused_at = ShipmentStatus.DISPATCHED.value, None
        shipment.returned_at = None
        uow.repo.clear_returned(shipment.id)
    elif kind is MovementKind.RETURN_RECEIPT:
        require_status(shipment.id, status, ShipmentStatus.RETURNED)
        uow.repo.clear_returned(shipment.id)
        shipment.status, shipment.returned_at = ShipmentStatus.REFUSED.value, None
    uow.session.flush()


def _require_return_open(
    uow: UnitOfWork, shipment_id: int, status: ShipmentStatus, lines: list[Line]
) -> None:
    """A refusal is undone only while its doses are still on the road back: not once the
    sender received them or wrote them off (undo that first). A refusal recorded before the
    return leg existed posted straight into the sender's quarantine and is undone as such."""
    direct = not any(x.account.kind is AccountKind.IN_TRANSIT_RETURNED for x in lines)
    if status is ShipmentStatus.REFUSED or (direct and status is ShipmentStatus.RETURNED):
        return
    if status is ShipmentStatus.RETURNED:
        found = uow.repo.standing_movement(shipment_id, MovementKind.RETURN_RECEIPT.value)
        raise InvalidState(
            f"shipment {shipment_id}'s return was received back"
            + ("" if found is None else f" (movement {found.id})")
            + ": reverse that return receipt first, then the refusal"
        )
    if status is ShipmentStatus.LOST:
        found = uow.repo.standing_movement(shipment_id, MovementKind.SHIPMENT_LOST.value)
        raise InvalidState(
            f"shipment {shipment_id} was marked lost on its way back"
            + ("" if found is None else f" (movement {found.id})")
            + ": reverse that loss first, then the refusal"
        )
    require_status(shipment_id, status, ShipmentStatus.REFUSED)


def _ref(account: m.Account) -> AccountRef:
    return AccountRef(
        AccountKind(account.kind),
        storage_unit_id=account.storage_unit_id,
        facility_id=account.facility_id,
        shipment_id=account.shipment_id,
        reason=WastageReason(account.reason) if account.reason else None,
    )
