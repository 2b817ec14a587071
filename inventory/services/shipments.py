"""Shipments between facilities: create, dispatch (FEFO picking), receive, mark lost, refuse,
and receive a refused shipment back at the sender.

Invariants: ``created -> dispatched -> received | partially_received | lost | refused``,
``refused -> returned | lost`` (the road back: ``in_transit_returned``); a dispatch
takes exactly the requested doses from one unit of the origin or nothing (FEFO by default;
named lots that break FEFO need a reason); a receipt empties the shipment's in-transit
account exactly (see ``domain/shipments.py`` for how discrepancies post).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from inventory import models as m
from inventory.commands import (
    CreateShipment,
    DispatchItem,
    DispatchShipment,
    MarkShipmentLost,
    ReceiveReturn,
    ReceiveShipment,
    RefuseShipment,
)
from inventory.domain import accounts as acc
from inventory.domain import postings
from inventory.domain.fefo import Candidate, first_out_of_order, get_strategy, pick
from inventory.domain.holds import lot_holds, require_issuable
from inventory.domain.movements import MovementKind, check_balanced, require_positive
from inventory.domain.shipments import (
    RETURNED_REASON,
    DiscrepancyKind,
    ReceiptContext,
    ShipmentStatus,
    plan_receipt,
    require_status,
)
from inventory.domain.transit import ReceiptDecision, check_acceptance
from inventory.errors import FefoViolation, IdempotencyConflict, InsufficientStock, InvalidInput
from inventory.queries.shipments import shipment_view
from inventory.results import DiscrepancyView, ShipmentPosted, ShipmentView
from inventory.services._runner import (
    Context,
    UnitContext,
    check_key,
    fingerprint,
    load_movement_view,
    load_unit,
    lot_status,
    once_more_if_raced,
    refuse_if_quarantined,
    required_text,
    run_movement,
)
from inventory.services.transit import detach_open_loggers, pending_holds
from inventory.unit_of_work import UnitOfWork


def create_shipment(uow: UnitOfWork, command: CreateShipment) -> ShipmentView:
    """A planned shipment (no ledger effect until it is dispatched). With an idempotency
    key, the same request again returns that shipment as it is now and creates nothing;
    another request with the key raises ``IdempotencyConflict``."""
    if command.origin_facility_id == command.destination_facility_id:
        raise InvalidInput("a shipment needs two different facilities")
    if command.expected_lead_time < timedelta(0):
        raise InvalidInput("the expected lead time cannot be negative")
    user = required_text(command.user, "user")
    key = None if command.idempotency_key is None else check_key(command.idempotency_key)
    digest = fingerprint(command) if key is not None else None
    return once_more_if_raced(lambda: _create_shipment(uow, command, user, key, digest))


def _create_shipment(
    uow: UnitOfWork, command: CreateShipment, user: str, key: str | None, digest: str | None
) -> ShipmentView:
    with uow:
        if key is not None and (existing := uow.repo.shipment_by_key(key)) is not None:
            if existing.request_fingerprint != digest:
                raise IdempotencyConflict(
                    f"idempotency key {key!r} was already used by shipment {existing.id}"
                    " for a different request"
                )
            return shipment_view(uow.session, existing.id)
        uow.repo.get(m.Facility, command.origin_facility_id, "facility")
        uow.repo.get(m.Facility, command.destination_facility_id, "facility")
        row = m.Shipment(
            origin_facility_id=command.origin_facility_id,
            destination_facility_id=command.destination_facility_id,
            status=ShipmentStatus.CREATED.value,
            lead_time_minutes=int(command.expected_lead_time.total_seconds() // 60),
            reference=command.reference,
            created_at=uow.clock(),
            created_by=user,
            idempotency_key=key,
            request_fingerprint=digest,
        )
        uow.repo.add(row)
        view = shipment_view(uow.session, row.id)
        uow.commit()
        return view


def dispatch_shipment(uow: UnitOfWork, command: DispatchShipment) -> ShipmentPosted:
    """Take the items from one unit of the origin facility into transit."""

    def body(ctx: Context) -> int:
        get_strategy(command.strategy)
        shipment = uow.repo.get(m.Shipment, command.shipment_id, "shipment", lock=True)
        require_status(shipment.id, ShipmentStatus(shipment.status), ShipmentStatus.CREATED)
        where = load_unit(uow, command.storage_unit_id)
        if where.facility.id != shipment.origin_facility_id:
            raise InvalidInput(
                f"storage unit {where.unit.code} is not at the origin facility of shipment "
                f"{shipment.id}"
            )
        occurred = ctx.occurred(command.occurred_at)
        picks = _pick_items(uow, where, command, occurred)
        lines = postings.dispatch(where.facility.id, where.unit.id, shipment.id, picks)
        header = ctx.header(
            MovementKind.DISPATCH.value,
            occurred,
            facility_id=where.facility.id,
            shipment_id=shipment.id,
            reason=command.fefo_override_reason,
        )
        movement_id = uow.repo.post(header, check_balanced(MovementKind.DISPATCH, lines))
        uow.repo.set_shipment_lines(shipment.id, picks)
        shipment.status = ShipmentStatus.DISPATCHED.value
        shipment.dispatched_at = occurred
        uow.session.flush()
        return movement_id

    return run_movement(uow, command, body, _posted)


def _pick_items(
    uow: UnitOfWork, where: UnitContext, command: DispatchShipment, occurred: datetime
) -> dict[int, int]:
    if not command.items:
        raise InvalidInput("a dispatch needs at least one item")
    for item in command.items:
        require_positive(item.doses)
    account = uow.repo.account_id(acc.stock(where.unit.id, where.facility.id))
    named = {item.lot_id for item in command.items if item.lot_id is not None}
    lots = uow.repo.lock_lots(set(uow.repo.lots_in_account(account)) | named)
    available = uow.repo.lock_account_balances(account)
    first_in = uow.repo.first_received(account)
    picks: dict[int, int] = defaultdict(int)
    for product_id, items in _by_product(command.items).items():
        candidates = [
            Candidate(
                lot.id,
                lot.lot_number,
                lot.expiry,
                available.get(lot.id, 0),
                lot.vvm_stage,
                first_in.get(lot.id),
            )
            for lot in lots.values()
            if lot.product_id == product_id
            and available.get(lot.id, 0) > 0
            and not lot_holds(lot_status(lot), occurred, where.tz)
        ]
        named_doses = _named_lots(uow, items, lots, product_id, available, where, occurred)
        if named_doses and not (command.fefo_override_reason or "").strip():
            _require_fefo(candidates, named_doses, command.strategy)
        for lot_id, doses in named_doses.items():
            picks[lot_id] += doses
        wanted = sum(item.doses for item in items if item.lot_id is None)
        if wanted:
            rest = [
                Candidate(
                    c.lot_id,
                    c.lot_number,
                    c.expiry,
                    c.available - named_doses.get(c.lot_id, 0),
                    c.vvm_stage,
                    c.first_received_at,
                )
                for c in candidates
            ]
            label = f"product {uow.repo.product_code(product_id)} in {where.unit.code}"
            for p in pick(rest, wanted, command.strategy, label):
                picks[p.lot_id] += p.doses
    return dict(picks)


def _by_product(items: tuple[DispatchItem, ...]) -> dict[int, list[DispatchItem]]:
    grouped: dict[int, list[DispatchItem]] = defaultdict(list)
    for item in items:
        grouped[item.product_id].append(item)
    return dict(grouped)


def _named_lots(
    uow: UnitOfWork,
    items: list[DispatchItem],
    lots: dict[int, m.Lot],
    product_id: int,
    available: dict[int, int],
    where: UnitContext,
    occurred: datetime,
) -> dict[int, int]:
    named: dict[int, int] = defaultdict(int)
    for item in items:
        if item.lot_id is None:
            continue
        lot = lots[item.lot_id]
        if lot.product_id != product_id:
            raise InvalidInput(f"lot {lot.lot_number} is not a lot of product {product_id}")
        require_issuable(lot_status(lot), occurred, where.tz, "dispatched")
        named[lot.id] += item.doses
    for lot_id, doses in named.items():
        refuse_if_quarantined(uow, where, lots[lot_id], doses, "dispatched")
    for lot_id, doses in named.items():
        if doses > available.get(lot_id, 0):
            raise InsufficientStock(
                f"{doses} doses of lot {lots[lot_id].lot_number} requested but storage unit "
                f"{where.unit.code} holds {available.get(lot_id, 0)} usable doses of it"
            )
    return dict(named)


def _require_fefo(candidates: list[Candidate], named: dict[int, int], strategy: str) -> None:
    first = first_out_of_order(candidates, named, strategy)
    if first is not None:
        numbers = ", ".join(c.lot_number for c in candidates if c.lot_id in named)
        raise FefoViolation(
            f"lot {first.lot_number} (expiry {first.expiry.isoformat()}) should go first "
            f"under {strategy.upper()}; dispatching {numbers} instead needs "
            "fefo_override_reason",
            should_go_first=first.lot_id,
        )


def receive_shipment(uow: UnitOfWork, command: ReceiveShipment) -> ShipmentPosted:
    """Count what arrived into one unit of the destination; discrepancies need reasons."""

    decision = parse_decision(command.decision)
    if decision is ReceiptDecision.REFUSE:
        raise InvalidInput("a refused shipment is not received: refuse it (refuse_shipment)")

    def body(ctx: Context) -> int:
        shipment = uow.repo.get(m.Shipment, command.shipment_id, "shipment", lock=True)
        require_status(shipment.id, ShipmentStatus(shipment.status), ShipmentStatus.DISPATCHED)
        override = check_acceptance(shipment.id, command.record_complete, command.override_reason)
        where = load_unit(uow, command.storage_unit_id)
        if where.facility.id != shipment.destination_facility_id:
            raise InvalidInput(
                f"storage unit {where.unit.code} is not at the destination facility of "
                f"shipment {shipment.id}"
            )
        occurred = ctx.occurred(command.occurred_at)
        if shipment.dispatched_at is not None and occurred < shipment.dispatched_at:
            raise InvalidInput("a shipment cannot be received before it was dispatched")
        dispatched = uow.repo.dispatched_lots(shipment.id)
        lots = uow.repo.lock_lots(set(dispatched) | {item.lot_id for item in command.lots})
        context = ReceiptContext(
            shipment.id,
            shipment.origin_facility_id,
            shipment.destination_facility_id,
            where.unit.id,
            frozenset(lot.id for lot in lots.values() if lot.recalled_at is not None)
            | pending_holds(uow, shipment.id)
            | (set(dispatched) if decision is ReceiptDecision.ACCEPT_QUARANTINED else set()),
        )
        plan = plan_receipt(context, dispatched, command.lots)
        header = ctx.header(
            MovementKind.SHIPMENT_RECEIPT.value,
            occurred,
            facility_id=where.facility.id,
            shipment_id=shipment.id,
        )
        movement_id = uow.repo.post(
            header, check_balanced(MovementKind.SHIPMENT_RECEIPT, plan.lines)
        )
        uow.repo.record_received(shipment.id, plan.received)
        uow.repo.add_discrepancies(shipment.id, movement_id, plan.discrepancies)
        shipment.status = plan.status.value
        shipment.received_at = occurred
        detach_open_loggers(uow, shipment.id, occurred, ctx.user)
        record_decision(
            uow, ctx, shipment.id, movement_id, decision, command.record_complete, override
        )
        return movement_id

    return run_movement(uow, command, body, _posted)


def mark_shipment_lost(uow: UnitOfWork, command: MarkShipmentLost) -> ShipmentPosted:
    """Nothing arrived: all in transit is wasted as lost at the shipping facility. A refused
    shipment can be lost on its way back too (the sender owns it): the same, from its
    ``in_transit_returned`` account."""

    def body(ctx: Context) -> int:
        reason = required_text(command.reason, "a reason")
        shipment = uow.repo.get(m.Shipment, command.shipment_id, "shipment", lock=True)
        status = ShipmentStatus(shipment.status)
        require_status(shipment.id, status, ShipmentStatus.DISPATCHED, ShipmentStatus.REFUSED)
        occurred = ctx.occurred(command.occurred_at)
        returning = status is ShipmentStatus.REFUSED
        since = shipment.refused_at if returning else shipment.dispatched_at
        if since is not None and occurred < since:
            what = "refused" if returning else "dispatched"
            raise InvalidInput(f"a shipment cannot be lost before it was {what}")
        dispatched = uow.repo.dispatched_lots(shipment.id)
        uow.repo.lock_lots(dispatched)
        build = postings.shipment_lost_returning if returning else postings.shipment_lost
        lines = build(shipment.origin_facility_id, shipment.id, dispatched)
        header = ctx.header(
            MovementKind.SHIPMENT_LOST.value,
            occurred,
            facility_id=shipment.origin_facility_id,
            shipment_id=shipment.id,
            reason=reason,
        )
        movement_id = uow.repo.post(header, check_balanced(MovementKind.SHIPMENT_LOST, lines))
        shipment.status = ShipmentStatus.LOST.value
        detach_open_loggers(uow, shipment.id, occurred, ctx.user)
        uow.session.flush()
        return movement_id

    return run_movement(uow, command, body, _posted)


def refuse_shipment(uow: UnitOfWork, command: RefuseShipment) -> ShipmentPosted:
    """The receiver refuses the delivery (rule 27): every dose in transit goes onto the
    road back to the sender (``in_transit_returned``; the shipment is ``refused`` until the
    sender receives the return, ``receive_return``); the loggers stay on for the journey
    back, so the sender reads its temperature too (``leg="return"`` of the record)."""

    def body(ctx: Context) -> int:
        reason = required_text(command.reason, "a reason for refusing")
        shipment = uow.repo.get(m.Shipment, command.shipment_id, "shipment", lock=True)
        require_status(shipment.id, ShipmentStatus(shipment.status), ShipmentStatus.DISPATCHED)
        occurred = ctx.occurred(command.occurred_at)
        if shipment.dispatched_at is not None and occurred < shipment.dispatched_at:
            raise InvalidInput("a shipment cannot be refused before it was dispatched")
        dispatched = uow.repo.dispatched_lots(shipment.id)
        uow.repo.lock_lots(dispatched)
        lines = postings.shipment_return(shipment.id, dispatched)
        header = ctx.header(
            MovementKind.SHIPMENT_RETURN.value,
            occurred,
            facility_id=shipment.destination_facility_id,
            shipment_id=shipment.id,
            reason=reason,
        )
        movement_id = uow.repo.post(header, check_balanced(MovementKind.SHIPMENT_RETURN, lines))
        shipment.status = ShipmentStatus.REFUSED.value
        shipment.refused_at = occurred
        record_decision(
            uow, ctx, shipment.id, movement_id, ReceiptDecision.REFUSE, command.record_complete
        )
        return movement_id

    return run_movement(uow, command, body, _posted)


def receive_return(uow: UnitOfWork, command: ReceiveReturn) -> ShipmentPosted:
    """The sender receives a refused shipment back (rule 27): per lot what came back goes
    from the return leg into the quarantine of a unit of the origin (default: the unit it
    was dispatched from), held "refused by the receiver, returned" until the sender releases
    or destroys it; discrepancies post as at a receipt (a shortfall is wasted as lost at the
    sender). The shipment ends ``returned``."""

    def body(ctx: Context) -> int:
        shipment = uow.repo.get(m.Shipment, command.shipment_id, "shipment", lock=True)
        require_status(shipment.id, ShipmentStatus(shipment.status), ShipmentStatus.REFUSED)
        unit_id = command.storage_unit_id or uow.repo.dispatch_unit(shipment.id)
        where = load_unit(uow, unit_id)
        if where.facility.id != shipment.origin_facility_id:
            raise InvalidInput(
                f"storage unit {where.unit.code} is not at the origin facility of shipment "
                f"{shipment.id}: a refused shipment is received back where it came from"
            )
        occurred = ctx.occurred(command.occurred_at)
        if shipment.refused_at is not None and occurred < shipment.refused_at:
            raise InvalidInput("a refused shipment cannot be received back before its refusal")
        dispatched = uow.repo.dispatched_lots(shipment.id)
        uow.repo.lock_lots(set(dispatched) | {item.lot_id for item in command.lots})
        context = ReceiptContext(
            shipment.id,
            shipment.origin_facility_id,
            shipment.destination_facility_id,
            where.unit.id,
            returning=True,
        )
        plan = plan_receipt(context, dispatched, command.lots)
        header = ctx.header(
            MovementKind.RETURN_RECEIPT.value,
            occurred,
            facility_id=where.facility.id,
            shipment_id=shipment.id,
            reason=f"{RETURNED_REASON}: {_refusal_reason(uow, shipment.id)}",
        )
        movement_id = uow.repo.post(header, check_balanced(MovementKind.RETURN_RECEIPT, plan.lines))
        uow.repo.record_returned(shipment.id, plan.received)
        uow.repo.add_discrepancies(shipment.id, movement_id, plan.discrepancies)
        shipment.status = plan.status.value
        shipment.returned_at = occurred
        detach_open_loggers(uow, shipment.id, occurred, ctx.user)  # the journey back ends
        uow.session.flush()
        return movement_id

    return run_movement(uow, command, body, _posted)


def _refusal_reason(uow: UnitOfWork, shipment_id: int) -> str:
    """Why the receiver refused it (the standing refusal's reason)."""
    found = uow.repo.standing_movement(shipment_id, MovementKind.SHIPMENT_RETURN.value)
    return (found.reason if found is not None else None) or "no reason recorded"


def parse_decision(value: str) -> ReceiptDecision:
    try:
        return ReceiptDecision(value)
    except ValueError:
        wanted = ", ".join(d.value for d in ReceiptDecision)
        raise InvalidInput(f"decision must be one of {wanted}, not {value!r}") from None


def record_decision(
    uow: UnitOfWork,
    ctx: Context,
    shipment_id: int,
    movement_id: int,
    decision: ReceiptDecision,
    record_complete: bool | None,
    override: str | None = None,
) -> None:
    uow.repo.add(
        m.ShipmentDecision(
            shipment_id=shipment_id,
            movement_id=movement_id,
            decision=decision.value,
            record_complete=record_complete,
            override_reason=override,
            override_by=ctx.user if override else None,
            decided_by=ctx.user,
            decided_at=ctx.now,
        )
    )


_STATUS_OF_KIND = {
    MovementKind.DISPATCH.value: ShipmentStatus.DISPATCHED,
    MovementKind.SHIPMENT_LOST.value: ShipmentStatus.LOST,
    MovementKind.SHIPMENT_RETURN.value: ShipmentStatus.REFUSED,
    MovementKind.RETURN_RECEIPT.value: ShipmentStatus.RETURNED,
}


def _posted(uow: UnitOfWork, movement_id: int) -> ShipmentPosted:
    movement = load_movement_view(uow, movement_id)
    assert movement.shipment_id is not None
    discrepancies = tuple(
        DiscrepancyView(d.lot_id, d.kind, d.dispatched_doses, d.received_doses, d.reason)
        for d in uow.repo.discrepancies_of(movement_id)
    )
    status = _STATUS_OF_KIND.get(movement.kind)
    if status is None:
        shortfall = any(d.kind == DiscrepancyKind.SHORTFALL.value for d in discrepancies)
        status = ShipmentStatus.PARTIALLY_RECEIVED if shortfall else ShipmentStatus.RECEIVED
    return ShipmentPosted(movement.shipment_id, status.value, movement, discrepancies)
