"""Shipments on the road (domain rule 27): loggers attached at dispatch and detached at
receipt, and the holds an excursion in transit asks for.

- ``attach_logger``: a logger (by sensor id) onto a *dispatched* shipment, from the dispatch
  (or a later ``attached_at``) on. Attaching the same logger again answers with it as it is.
- ``detach_logger``: off the shipment at ``detached_at``; a receipt, a loss or the sender's
  receipt of a refused shipment detaches the loggers still on the shipment at its own time
  (``detach_open_loggers``). A refusal does not: the loggers watch the journey back.
- ``hold_transit_exposure``: the lots an excursion on the road exposed are held — at the
  receipt while the shipment travels (``shipment_holds``; the receipt lands them in the
  receiving unit's quarantine), at once in the receiving unit when it has arrived (one
  ``quarantine`` movement citing the excursion).

Invariants: a logger is on at most one open shipment (also a partial unique index) and on
one shipment once; its window ``[attached_at, detached_at)`` lies within the journey's
``[dispatched_at, now]`` and is never empty; every refusal writes nothing; a hold is
idempotent by its excursion (``ExcursionRef``): asking again adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from inventory import models as m
from inventory.commands import AttachLogger, DetachLogger, HoldTransitExposure
from inventory.domain import accounts as acc
from inventory.domain import postings
from inventory.domain.movements import MovementKind, check_balanced
from inventory.domain.shipments import ShipmentStatus
from inventory.domain.transit import (
    require_logger_interval,
    require_sensor_id,
    shipment_of,
)
from inventory.errors import IdempotencyConflict, InvalidInput, InvalidState, NotFound
from inventory.queries.transit import logger_view
from inventory.results import MovementView, ShipmentLoggerView, TransitHoldResult
from inventory.services._runner import (
    Context,
    load_movement_view,
    load_unit,
    once_more_if_raced,
    required_text,
    run_movement,
)
from inventory.unit_of_work import UnitOfWork

_TICK = timedelta(microseconds=1)


def attach_logger(uow: UnitOfWork, command: AttachLogger) -> ShipmentLoggerView:
    """Put the logger on the dispatched shipment (see the module docstring)."""
    sensor = require_sensor_id(command.sensor_id)
    interval = require_logger_interval(command.reporting_interval_s)
    user = required_text(command.user, "user")
    return once_more_if_raced(lambda: _attach(uow, command, sensor, interval, user))


def _attach(
    uow: UnitOfWork, command: AttachLogger, sensor: str, interval: int, user: str
) -> ShipmentLoggerView:
    with uow:
        shipment = uow.repo.get(m.Shipment, command.shipment_id, "shipment", lock=True)
        mine = _logger_row(uow, shipment.id, sensor)
        if mine is not None and mine.detached_at is None:
            return logger_view(mine)  # attached already: the same scan twice
        if mine is not None:
            raise InvalidState(
                f"logger {sensor} was on shipment {shipment.id} until "
                f"{_iso(mine.detached_at)}; a logger is attached to a shipment once"
            )
        status = ShipmentStatus(shipment.status)
        on_the_road = status in (ShipmentStatus.DISPATCHED, ShipmentStatus.REFUSED)
        if not on_the_road or shipment.dispatched_at is None:
            raise InvalidState(
                f"shipment {shipment.id} is {status.value}: a logger is attached to a "
                "shipment on the road (dispatched, or refused and on its way back)"
            )
        elsewhere = uow.session.scalars(
            select(m.ShipmentLogger).where(
                m.ShipmentLogger.sensor_id == sensor, m.ShipmentLogger.detached_at.is_(None)
            )
        ).first()
        if elsewhere is not None:
            raise InvalidState(
                f"logger {sensor} is on shipment {elsewhere.shipment_id} (attached "
                f"{_iso(elsewhere.attached_at)}); detach it there first"
            )
        now = uow.clock()
        attached = command.attached_at or shipment.dispatched_at
        uow.window.check_occurred(attached, now)
        if attached < shipment.dispatched_at:
            raise InvalidInput(
                f"a logger is attached from the dispatch of shipment {shipment.id} "
                f"({_iso(shipment.dispatched_at)}) on, not before it"
            )
        row = m.ShipmentLogger(
            shipment_id=shipment.id,
            sensor_id=sensor,
            reporting_interval_s=interval,
            attached_at=attached,
            attached_by=user,
        )
        uow.repo.add(row)
        view = logger_view(row)
        uow.commit()  # a concurrent twin's row: IntegrityError, and once_more_if_raced
        return view


def detach_logger(uow: UnitOfWork, command: DetachLogger) -> ShipmentLoggerView:
    """Take the logger off the shipment at ``detached_at`` (default now)."""
    sensor = require_sensor_id(command.sensor_id)
    user = required_text(command.user, "user")
    with uow:
        shipment = uow.repo.get(m.Shipment, command.shipment_id, "shipment", lock=True)
        row = _logger_row(uow, shipment.id, sensor)
        if row is None:
            raise NotFound(f"logger {sensor} is not attached to shipment {shipment.id}")
        if row.detached_at is not None:
            raise InvalidState(
                f"logger {sensor} was detached from shipment {shipment.id} at "
                f"{_iso(row.detached_at)}"
            )
        now = uow.clock()
        detached = command.detached_at or now
        uow.window.check_occurred(detached, now)
        if detached <= row.attached_at:
            raise InvalidInput(
                f"logger {sensor} was attached at {_iso(row.attached_at)}; it is detached "
                "after that"
            )
        row.detached_at, row.detached_by = detached, user
        uow.session.flush()
        view = logger_view(row)
        uow.commit()
        return view


def detach_open_loggers(uow: UnitOfWork, shipment_id: int, at: datetime, user: str) -> None:
    """In the caller's transaction: every logger still on the shipment comes off at ``at``
    (a receipt, a loss or the return receipt ends the journey)."""
    rows = uow.session.scalars(
        select(m.ShipmentLogger).where(
            m.ShipmentLogger.shipment_id == shipment_id, m.ShipmentLogger.detached_at.is_(None)
        )
    ).all()
    for row in rows:
        row.detached_at, row.detached_by = max(at, row.attached_at + _TICK), user
    uow.session.flush()


def pending_holds(uow: UnitOfWork, shipment_id: int) -> set[int]:
    """In the caller's transaction: the lots an excursion on the road asked to hold."""
    stmt = select(m.ShipmentHold.lot_id).where(m.ShipmentHold.shipment_id == shipment_id)
    return set(uow.session.scalars(stmt))


def hold_transit_exposure(uow: UnitOfWork, command: HoldTransitExposure) -> TransitHoldResult:
    """Hold the exposed lots of a shipment's excursion (see the module docstring)."""
    ref = command.excursion
    shipment_id = shipment_of(ref.unit)
    if shipment_id is None:
        raise InvalidInput(f"{ref.unit!r} is not a shipment's transit unit")
    reason = required_text(command.reason, "a quarantine reason")
    user = required_text(command.user, "user")
    with uow:
        shipment = uow.repo.get(m.Shipment, shipment_id, "shipment", lock=True)
        status = ShipmentStatus(shipment.status)
        dispatched = uow.repo.dispatched_lots(shipment.id)
        wanted = sorted(set(command.lot_ids) & set(dispatched))
        known = set(
            uow.session.scalars(
                select(m.ShipmentHold.lot_id).where(m.ShipmentHold.reference == ref.render())
            )
        )
        for lot_id in wanted:
            if lot_id not in known:
                uow.repo.add(
                    m.ShipmentHold(
                        shipment_id=shipment.id,
                        lot_id=lot_id,
                        reference=ref.render(),
                        reason=reason,
                        requested_at=uow.clock(),
                        requested_by=user,
                    )
                )
        uow.commit()
    if status is not ShipmentStatus.RECEIVED and status is not ShipmentStatus.PARTIALLY_RECEIVED:
        pending = tuple(wanted) if status is ShipmentStatus.DISPATCHED else ()
        return TransitHoldResult(shipment_id, ref.render(), pending, None)
    return TransitHoldResult(
        shipment_id, ref.render(), (), _hold_received(uow, command, shipment_id, wanted, reason)
    )


def _hold_received(
    uow: UnitOfWork,
    command: HoldTransitExposure,
    shipment_id: int,
    lot_ids: list[int],
    reason: str,
) -> MovementView | None:
    """The shipment arrived before the excursion was known (a logger's backlog uploaded
    late): hold, in the unit that received it, what is still usable of what arrived."""
    ref = command.excursion

    def body(ctx: Context) -> int:
        unit_id, received = _receipt_of(uow, shipment_id)
        where = load_unit(uow, unit_id)
        stock = uow.repo.account_id(acc.stock(unit_id, where.facility.id))
        uow.repo.lock_lots(lot_ids)
        usable = uow.repo.lock_balances([(stock, lot) for lot in lot_ids])
        lots = {
            lot: min(doses, received.get(lot, 0))
            for (_, lot), doses in usable.items()
            if min(doses, received.get(lot, 0)) > 0
        }
        if not lots:
            raise _Nothing(f"nothing of shipment {shipment_id} is usable in {where.unit.code}")
        header = ctx.header(
            MovementKind.QUARANTINE.value,
            ctx.now,
            facility_id=where.facility.id,
            reason=reason,
            reference=ref.render(),
        )
        lines = postings.quarantine(where.facility.id, unit_id, lots)
        return uow.repo.post(header, check_balanced(MovementKind.QUARANTINE, lines))

    keyed = _Citing(command.user, ref.quarantine_key(), ref.render())
    try:
        return run_movement(uow, keyed, body, load_movement_view)
    except _Nothing:
        return None
    except IdempotencyConflict:
        with uow:
            existing = uow.repo.movement_by_key(ref.quarantine_key())
            return None if existing is None else load_movement_view(uow, existing.id)


def _receipt_of(uow: UnitOfWork, shipment_id: int) -> tuple[int, dict[int, int]]:
    """The unit the standing receipt put the shipment into, and the doses of each lot."""
    line, account, movement = m.MovementLine, m.Account, m.Movement
    undone = aliased(m.Movement)
    reversal = select(undone.reverses_movement_id).where(undone.reverses_movement_id.is_not(None))
    stmt = (
        select(account.storage_unit_id, line.lot_id, line.doses)
        .join(account, account.id == line.account_id)
        .join(movement, movement.id == line.movement_id)
        .where(
            movement.shipment_id == shipment_id,
            movement.kind == MovementKind.SHIPMENT_RECEIPT.value,
            movement.id.not_in(reversal),
            account.kind.in_(["stock", "quarantine"]),
            line.doses > 0,
        )
    )
    unit: int | None = None
    received: dict[int, int] = {}
    for unit_id, lot_id, doses in uow.session.execute(stmt):
        unit = unit_id
        received[lot_id] = received.get(lot_id, 0) + doses
    if unit is None:
        raise NotFound(f"shipment {shipment_id} has no standing receipt")
    return unit, received


class _Nothing(Exception):
    pass


@dataclass(frozen=True)
class _Citing:
    """What ``run_movement`` keys and fingerprints: the excursion and who asked."""

    user: str
    idempotency_key: str
    reference: str


def _logger_row(uow: UnitOfWork, shipment_id: int, sensor: str) -> m.ShipmentLogger | None:
    return uow.session.scalars(
        select(m.ShipmentLogger).where(
            m.ShipmentLogger.shipment_id == shipment_id, m.ShipmentLogger.sensor_id == sensor
        )
    ).first()


def _iso(moment: datetime | None) -> str:
    return "?" if moment is None else moment.isoformat()
