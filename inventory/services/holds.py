"""Held stock: quarantine ("DO NOT USE", stays in the unit), release, destroy, and recall.

Invariants: quarantined doses sit in the unit's quarantine account, so they can never be
picked, dispatched or administered; a release needs a reference (manufacturer/programme)
and is refused for a recalled lot; a recall quarantines the lot in every unit in one
transaction and reports who held it; receipts of a recalled lot land in quarantine.
"""

from __future__ import annotations

from inventory import models as m
from inventory.commands import DestroyStock, QuarantineStock, RecallLot, ReleaseStock
from inventory.domain import accounts as acc
from inventory.domain import postings
from inventory.domain.accounts import WastageReason
from inventory.domain.facilities import parse_enum
from inventory.domain.movements import MovementKind, check_balanced, require_positive
from inventory.errors import InsufficientStock, InvalidState, LotOnHold
from inventory.results import Holding, MovementView, RecallResult, TransitHolding
from inventory.services._runner import (
    Context,
    UnitContext,
    load_movement_view,
    load_unit,
    required_text,
    run_movement,
)
from inventory.unit_of_work import UnitOfWork


def quarantine_stock(uow: UnitOfWork, command: QuarantineStock) -> MovementView:
    """Hold usable stock in a unit (one lot, or every lot when ``lot_id`` is None).

    Raises ``InvalidState`` when the unit holds no usable stock to quarantine.
    """

    def body(ctx: Context) -> int:
        reason = required_text(command.reason, "a quarantine reason")
        where = load_unit(uow, command.storage_unit_id)
        account = uow.repo.account_id(acc.stock(where.unit.id, where.facility.id))
        lots = _amounts(uow, where, account, command.lot_id, command.doses, "usable")
        if not lots:
            raise InvalidState(
                f"storage unit {where.unit.code} holds no usable stock to quarantine"
            )
        lines = postings.quarantine(where.facility.id, where.unit.id, lots)
        header = ctx.header(
            MovementKind.QUARANTINE.value,
            ctx.occurred(command.occurred_at),
            facility_id=where.facility.id,
            reason=reason,
            reference=command.reference,
        )
        return uow.repo.post(header, check_balanced(MovementKind.QUARANTINE, lines))

    return run_movement(uow, command, body, load_movement_view)


def release_stock(uow: UnitOfWork, command: ReleaseStock) -> MovementView:
    """Return held doses to usable stock, citing the reference that allows it."""

    def body(ctx: Context) -> int:
        reference = required_text(command.reference, "a release reference")
        where = load_unit(uow, command.storage_unit_id)
        lot = uow.repo.lock_lots([command.lot_id])[command.lot_id]
        if lot.recalled_at is not None:
            raise LotOnHold(
                f"lot {lot.lot_number} is recalled and cannot be released", ("recalled",)
            )
        account = uow.repo.account_id(acc.quarantine(where.unit.id, where.facility.id))
        lots = _amounts(uow, where, account, lot.id, command.doses, "quarantined")
        lines = postings.release(where.facility.id, where.unit.id, lots)
        header = ctx.header(
            MovementKind.RELEASE.value,
            ctx.occurred(command.occurred_at),
            facility_id=where.facility.id,
            reason=command.reason,
            reference=reference,
        )
        return uow.repo.post(header, check_balanced(MovementKind.RELEASE, lines))

    return run_movement(uow, command, body, load_movement_view)


def destroy_stock(uow: UnitOfWork, command: DestroyStock) -> MovementView:
    """Destroy held doses: they become wastage (temperature damage unless said otherwise)."""

    def body(ctx: Context) -> int:
        reason = parse_enum(WastageReason, str(command.reason), "wastage reason")
        where = load_unit(uow, command.storage_unit_id)
        uow.repo.lock_lots([command.lot_id])
        account = uow.repo.account_id(acc.quarantine(where.unit.id, where.facility.id))
        lots = _amounts(uow, where, account, command.lot_id, command.doses, "quarantined")
        lines = postings.destruction(where.facility.id, where.unit.id, lots, reason)
        header = ctx.header(
            MovementKind.DESTRUCTION.value,
            ctx.occurred(command.occurred_at),
            facility_id=where.facility.id,
            reason=reason.value,
            reference=command.reference,
        )
        return uow.repo.post(header, check_balanced(MovementKind.DESTRUCTION, lines))

    return run_movement(uow, command, body, load_movement_view)


def _amounts(
    uow: UnitOfWork,
    where: UnitContext,
    account: int,
    lot_id: int | None,
    doses: int | None,
    what: str,
) -> dict[int, int]:
    """Doses to move per lot: the named amount, or everything the account holds."""
    uow.repo.lock_lots([lot_id] if lot_id is not None else uow.repo.lots_in_account(account))
    held = uow.repo.lock_account_balances(account)
    if lot_id is None:
        if doses is not None:
            raise InvalidState("give a lot_id with doses, or neither to move every lot")
        return {lot: d for lot, d in held.items() if d > 0}
    have = held.get(lot_id, 0)
    wanted = have if doses is None else require_positive(doses)
    if wanted == 0 or wanted > have:
        number = uow.repo.lot_number(lot_id)
        raise InsufficientStock(
            f"storage unit {where.unit.code} holds {have} {what} doses of lot {number}"
            + ("" if doses is None else f"; {doses} requested")
        )
    return {lot_id: wanted}


def recall_lot(uow: UnitOfWork, command: RecallLot) -> RecallResult:
    """Recall a lot everywhere: quarantine it in every unit and report who holds it."""

    def body(ctx: Context) -> int:
        reference = required_text(command.reference, "a recall reference")
        lot = uow.repo.lock_lots([command.lot_id], exclusive=True)[command.lot_id]
        if lot.recalled_at is not None:
            raise InvalidState(
                f"lot {lot.lot_number} was already recalled at {lot.recalled_at.isoformat()}"
            )
        occurred = ctx.occurred(command.occurred_at)
        holdings = uow.repo.lock_usable_holdings(lot.id)
        lines = postings.recall(holdings)
        header = ctx.header(
            MovementKind.RECALL.value, occurred, reason=command.reason, reference=reference
        )
        movement_id = uow.repo.post(header, check_balanced(MovementKind.RECALL, lines))
        lot.recalled_at = occurred
        lot.recall_reference = reference
        lot.recall_movement_id = movement_id
        uow.session.flush()
        return movement_id

    return run_movement(uow, command, body, _recall_result)


def _recall_result(uow: UnitOfWork, movement_id: int) -> RecallResult:
    movement = load_movement_view(uow, movement_id)
    row = uow.repo.get(m.Movement, movement_id, "movement")
    lot_id = uow.repo.recalled_lot(movement_id)
    holders = tuple(Holding(*h) for h in uow.repo.physical_holders_at(lot_id, row))
    moving = tuple(TransitHolding(*t) for t in uow.repo.in_transit_at(lot_id, row))
    return RecallResult(lot_id, movement, holders, moving)
