"""Quarantine what was exposed to an excursion: every exposed lot held in ONE transaction.

``quarantine_exposed(uow, QuarantineRequest)`` posts one ``quarantine`` movement,
stock(u) → quarantine(u), of every usable dose in the excursion's unit of each lot named
(the lots ``queries.exposure.unit_exposure`` found), citing the excursion
(``ExcursionRef``) as its reference.

Invariants: all lots or none (one movement, one transaction); idempotent on the excursion —
the first movement's key is ``ExcursionRef.quarantine_key()``, so a second request citing
the same excursion with the same lots (or fewer) posts nothing and answers with the first
movement (a retry may compute the exposure after later movements). A request that names a
lot no movement citing the excursion holds yet (a late reading moved the excursion's start
earlier and the revised window exposed one more lot) holds that lot too, in a movement keyed
on the excursion and those lots, so a repeat adds nothing again. Lots a ledger written
before this service already holds citing the excursion (one movement per lot) are left as
they are. A lot with no usable dose left in the unit (given, moved or already held) is
skipped; when no lot has any, nothing is posted and the answer is the excursion's first
movement, or ``movement`` None when there is none.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from inventory.commands import QuarantineRequest
from inventory.domain import accounts as acc
from inventory.domain import postings
from inventory.domain.movements import MovementKind, check_balanced
from inventory.errors import IdempotencyConflict, InvalidInput, InventoryError
from inventory.results import ExposureQuarantine, MovementView
from inventory.services._runner import (
    Context,
    load_movement_view,
    load_unit,
    required_text,
    run_movement,
)
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class _Citing:
    """What ``run_movement`` keys and fingerprints: the excursion and who asked (a second
    request by someone else answers with the first movement too)."""

    user: str
    idempotency_key: str
    reference: str


class _NothingToHold(InventoryError):
    """No exposed lot has a usable dose left in the unit: nothing is posted."""


def quarantine_exposed(uow: UnitOfWork, request: QuarantineRequest) -> ExposureQuarantine:
    """Hold every usable dose of the exposed lots in the excursion's unit, in one movement."""
    ref = request.excursion
    lot_ids = _lot_ids(request.lot_ids)
    with uow:
        unit_id = uow.repo.storage_unit_by_code(ref.unit).id  # NotFound: not a ledger unit

    def body(ctx: Context) -> int:
        reason = required_text(request.reason, "a quarantine reason")
        where = load_unit(uow, unit_id)
        stock = uow.repo.account_id(acc.stock(unit_id, where.facility.id))
        held = uow.repo.account_id(acc.quarantine(unit_id, where.facility.id))
        wanted = sorted(set(lot_ids) - uow.repo.lots_held_citing(held, ref.render()))
        uow.repo.lock_lots(wanted)  # lots before balances, as every movement does
        usable = uow.repo.lock_balances([(stock, lot) for lot in wanted])
        lots = {lot: doses for (_, lot), doses in usable.items() if doses > 0}
        if not lots:
            raise _NothingToHold(f"no exposed lot has a usable dose in {ref.unit}")
        header = ctx.header(
            MovementKind.QUARANTINE.value,
            ctx.occurred(request.occurred_at),
            facility_id=where.facility.id,
            reason=reason,
            reference=ref.render(),
        )
        lines = postings.quarantine(where.facility.id, unit_id, lots)
        return uow.repo.post(header, check_balanced(MovementKind.QUARANTINE, lines))

    key = _key(uow, unit_id, ref.quarantine_key(), ref.render(), lot_ids)
    if key is None:  # every lot named is held citing the excursion already
        return ExposureQuarantine(ref, unit_id, _first(uow, ref.quarantine_key()))
    keyed = _Citing(request.user, key, ref.render())
    try:
        movement = run_movement(uow, keyed, body, load_movement_view)
    except _NothingToHold:
        return ExposureQuarantine(ref, unit_id, _first_or_none(uow, ref.quarantine_key()))
    except IdempotencyConflict:
        # The key is the excursion's (and its lots'); the first movement with it is the
        # answer, whoever asked for it first.
        movement = _first(uow, key)
    return ExposureQuarantine(ref, unit_id, movement)


def _key(
    uow: UnitOfWork, unit_id: int, base: str, reference: str, lot_ids: tuple[int, ...]
) -> str | None:
    """The excursion's key for its first movement; for a later one, the key of the lots it
    names that no movement citing the excursion holds yet (None: there are none)."""
    with uow:
        if uow.repo.movement_by_key(base) is None:
            return base
        where = load_unit(uow, unit_id)
        held = uow.repo.account_id(acc.quarantine(unit_id, where.facility.id))
        missing = sorted(set(lot_ids) - uow.repo.lots_held_citing(held, reference))
    if not missing:
        return None
    digest = hashlib.sha256(",".join(map(str, missing)).encode()).hexdigest()[:16]
    return f"{base}+{digest}"


def _first_or_none(uow: UnitOfWork, key: str) -> MovementView | None:
    with uow:
        existing = uow.repo.movement_by_key(key)
        return None if existing is None else load_movement_view(uow, existing.id)


def _first(uow: UnitOfWork, key: str) -> MovementView:
    with uow:
        existing = uow.repo.movement_by_key(key)
        if existing is None:  # pragma: no cover - a conflict names a row that exists
            raise InvalidInput(f"idempotency key {key!r} is in use; retry")
        return load_movement_view(uow, existing.id)


def _lot_ids(lot_ids: tuple[int, ...]) -> tuple[int, ...]:
    if not all(isinstance(lot, int) and not isinstance(lot, bool) for lot in lot_ids):
        raise InvalidInput("lot_ids must be lot ids (integers)")
    return tuple(lot_ids)
