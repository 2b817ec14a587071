"""Use cases on the stock of one storage unit: receipt from the supplier, transfer between
units, doses administered, wastage and physical counts.

Invariant: each function is one transaction that posts one balanced movement (or nothing,
raising a named error); stock is taken only from usable stock, and never below zero.
"""

from __future__ import annotations

from inventory.commands import (
    AdministerDoses,
    ReceiveFromSupplier,
    RecordCount,
    RecordWastage,
    TransferStock,
)
from inventory.domain import accounts as acc
from inventory.domain import postings
from inventory.domain.accounts import WastageReason
from inventory.domain.facilities import parse_enum
from inventory.domain.holds import require_issuable
from inventory.domain.movements import MovementKind, check_balanced, require_positive
from inventory.domain.quantities import MAX_DOSE_NUMBER, require_doses, require_whole
from inventory.errors import InvalidInput
from inventory.results import MovementView
from inventory.services._runner import (
    Context,
    load_movement_view,
    load_unit,
    lot_status,
    refuse_if_quarantined,
    run_movement,
)
from inventory.unit_of_work import UnitOfWork

MAX_COUNT_REASON = 500  # characters of one lot's reason for a count difference


def receive_from_supplier(uow: UnitOfWork, command: ReceiveFromSupplier) -> MovementView:
    """Doses arrive from the manufacturer/supplier into a unit (a recalled lot into quarantine)."""

    def body(ctx: Context) -> int:
        doses = require_positive(command.doses)
        where = load_unit(uow, command.storage_unit_id)
        lot = uow.repo.lock_lots([command.lot_id])[command.lot_id]
        occurred = ctx.occurred(command.occurred_at)
        lines = postings.receipt(
            where.facility.id, where.unit.id, lot.id, doses, held=lot.recalled_at is not None
        )
        header = ctx.header(
            MovementKind.RECEIPT.value,
            occurred,
            facility_id=where.facility.id,
            reference=command.reference,
        )
        return uow.repo.post(header, check_balanced(MovementKind.RECEIPT, lines))

    return run_movement(uow, command, body, load_movement_view)


def transfer_stock(uow: UnitOfWork, command: TransferStock) -> MovementView:
    """Move doses between two units of the same facility (use a shipment otherwise): usable
    ones, or with ``held`` quarantined ones, which arrive quarantined."""

    def body(ctx: Context) -> int:
        doses = require_positive(command.doses)
        source = load_unit(uow, command.from_unit_id)
        target = load_unit(uow, command.to_unit_id)
        if source.unit.id == target.unit.id:
            raise InvalidInput("a transfer needs two different storage units")
        if source.facility.id != target.facility.id:
            raise InvalidInput(
                f"units {source.unit.code} and {target.unit.code} belong to different "
                "facilities; move stock between facilities with a shipment"
            )
        lot = uow.repo.lock_lots([command.lot_id])[command.lot_id]
        if not command.held:
            refuse_if_quarantined(uow, source, lot, doses, "transferred")
        lines = postings.transfer(
            source.facility.id,
            source.unit.id,
            target.unit.id,
            command.lot_id,
            doses,
            held=command.held,
        )
        header = ctx.header(
            MovementKind.TRANSFER.value,
            ctx.occurred(command.occurred_at),
            facility_id=source.facility.id,
            reason=command.reason,
        )
        return uow.repo.post(header, check_balanced(MovementKind.TRANSFER, lines))

    return run_movement(uow, command, body, load_movement_view)


def administer_doses(uow: UnitOfWork, command: AdministerDoses) -> MovementView:
    """Doses given to people (a session or a daily total); refused for a lot on hold."""

    def body(ctx: Context) -> int:
        doses = require_positive(command.doses)
        if command.dose_number is not None:
            require_whole(command.dose_number, "dose_number", least=1, most=MAX_DOSE_NUMBER)
        where = load_unit(uow, command.storage_unit_id)
        lot = uow.repo.lock_lots([command.lot_id])[command.lot_id]
        occurred = ctx.occurred(command.occurred_at)
        require_issuable(lot_status(lot), occurred, where.tz, "administered")
        refuse_if_quarantined(uow, where, lot, doses, "administered")
        lines = postings.administration(where.facility.id, where.unit.id, lot.id, doses)
        header = ctx.header(
            MovementKind.ADMINISTRATION.value,
            occurred,
            facility_id=where.facility.id,
            dose_number=command.dose_number,
        )
        return uow.repo.post(header, check_balanced(MovementKind.ADMINISTRATION, lines))

    return run_movement(uow, command, body, load_movement_view)


def record_wastage(uow: UnitOfWork, command: RecordWastage) -> MovementView:
    """Usable doses discarded for a reason (expired, broken, opened vial, ...)."""

    def body(ctx: Context) -> int:
        doses = require_positive(command.doses)
        reason = parse_enum(WastageReason, str(command.reason), "wastage reason")
        where = load_unit(uow, command.storage_unit_id)
        uow.repo.lock_lots([command.lot_id])
        lines = postings.wastage(where.facility.id, where.unit.id, command.lot_id, doses, reason)
        header = ctx.header(
            MovementKind.WASTAGE.value,
            ctx.occurred(command.occurred_at),
            facility_id=where.facility.id,
            reason=command.note,
        )
        return uow.repo.post(header, check_balanced(MovementKind.WASTAGE, lines))

    return run_movement(uow, command, body, load_movement_view)


def record_count(uow: UnitOfWork, command: RecordCount) -> MovementView:
    """A physical count of usable stock: each difference from the books goes to adjustment.

    The books are read at ``occurred_at`` on the ledger's time line; a count that matches
    is still recorded (a movement without lines). Every lot that differs is kept as a count
    difference (books, counted, the lot's own reason) with the movement.
    """

    def body(ctx: Context) -> int:
        counted = _counted(command)
        reasons = {item.lot_id: item.reason for item in command.counts}
        where = load_unit(uow, command.storage_unit_id)
        occurred = ctx.occurred(command.occurred_at)
        stock_account = uow.repo.account_id(acc.stock(where.unit.id, where.facility.id))
        uow.repo.lock_lots(counted)
        uow.repo.lock_account_balances(stock_account)
        lots = set(counted)
        if command.full:
            lots |= uow.repo.lots_in_account(stock_account)
            counted = {lot: counted.get(lot, 0) for lot in lots}
        book = {lot: uow.repo.balance_at(stock_account, lot, occurred) for lot in sorted(lots)}
        lines = postings.count(where.facility.id, where.unit.id, book, counted)
        header = ctx.header(
            MovementKind.COUNT.value, occurred, facility_id=where.facility.id, reason=command.note
        )
        movement_id = uow.repo.post(header, check_balanced(MovementKind.COUNT, lines))
        uow.repo.add_count_differences(
            movement_id,
            [
                (lot, book[lot], counted[lot], reasons.get(lot))
                for lot in sorted(lots)
                if counted[lot] != book[lot]
            ],
        )
        return movement_id

    return run_movement(uow, command, body, load_movement_view)


def _counted(command: RecordCount) -> dict[int, int]:
    counted: dict[int, int] = {}
    for item in command.counts:
        require_doses(item.doses, f"lot {item.lot_id}: counted doses", least=0)
        if item.reason is not None and not 1 <= len(item.reason) <= MAX_COUNT_REASON:
            raise InvalidInput(f"lot {item.lot_id}: a reason is 1 to {MAX_COUNT_REASON} characters")
        if item.lot_id in counted:
            raise InvalidInput(f"lot {item.lot_id} is counted twice")
        counted[item.lot_id] = item.doses
    if not counted and not command.full:
        raise InvalidInput("a count needs at least one lot (or full=True for an empty unit)")
    return counted
