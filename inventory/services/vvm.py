"""VVM readings as observations: recorded by someone, somewhere, for a reason; corrected by
a voiding entry, never edited.

Invariants: ``vvm_observations`` is append-only; a reading is voided at most once (unique
``voids_id``) and a voiding entry is never voided itself; ``lots.vvm_stage`` is the highest
stage among the lot's readings not voided (None without one), rewritten in the same
transaction as every entry, under an exclusive lock on the lot row so concurrent entries
serialise. A reading is taken where the lot is: at a facility (a unit of it when named)
that holds stock of the lot, or at a root facility, which receives lots from the supplier.
A reading below the lot's stage is refused: a VVM never goes back, a wrong reading is voided.
"""

from __future__ import annotations

from sqlalchemy import func, select

from inventory import models as m
from inventory.commands import RecordVvmObservation, VoidVvmObservation
from inventory.domain.accounts import AccountKind
from inventory.domain.lots import validate_vvm_stage
from inventory.errors import InvalidInput, InvalidState, NotFound
from inventory.results import VvmObservationView, vvm_observation_view
from inventory.services._runner import required_text
from inventory.unit_of_work import UnitOfWork

_HOLDING = (AccountKind.STOCK.value, AccountKind.QUARANTINE.value)


def record_vvm_observation(uow: UnitOfWork, command: RecordVvmObservation) -> VvmObservationView:
    """Record a reading and raise the lot's effective stage to it."""
    stage = validate_vvm_stage(command.stage)
    if stage is None:
        raise InvalidInput("a VVM observation needs a stage (1-4)")
    reason = required_text(command.reason, "a reason")
    user = required_text(command.user, "user")
    with uow:
        lot = uow.repo.lock_lots([command.lot_id], exclusive=True)[command.lot_id]
        row = add_reading(uow, lot, stage, reason, user, command)
        uow.commit()
        return vvm_observation_view(row, lot.vvm_stage)


def add_reading(
    uow: UnitOfWork,
    lot: m.Lot,
    stage: int,
    reason: str,
    user: str,
    command: RecordVvmObservation,
) -> m.VvmObservation:
    """Append a reading of the locked ``lot`` and update its projection (no commit)."""
    facility = uow.repo.get(m.Facility, command.facility_id, "facility")
    if command.storage_unit_id is not None:
        unit = uow.repo.get(m.StorageUnit, command.storage_unit_id, "storage unit")
        if unit.facility_id != facility.id:
            raise InvalidInput(f"storage unit {unit.code} is not at facility {facility.code}")
    if facility.parent_id is not None and not _holds_stock(uow, lot.id, command):
        where = (
            f"storage unit {command.storage_unit_id}"
            if command.storage_unit_id is not None
            else f"facility {facility.code}"
        )
        raise InvalidInput(
            f"lot {lot.lot_number}: {where} holds no stock of it, so no VVM reading of the lot"
            " can be taken there (readings are taken where the lot is, or at a root facility"
            " that receives it from the supplier)"
        )
    current = effective_stage(uow, lot.id)
    if current is not None and stage < current:
        raise InvalidState(
            f"lot {lot.lot_number}: a VVM cannot go back from stage {current} to {stage};"
            " a supervisor voids a wrong reading"
        )
    now = uow.clock()
    observed = now if command.observed_at is None else command.observed_at
    uow.window.check_occurred(observed, now)  # inside the programme window, not ahead
    row = m.VvmObservation(
        lot_id=lot.id,
        stage=stage,
        facility_id=facility.id,
        storage_unit_id=command.storage_unit_id,
        observed_at=observed,
        recorded_at=now,
        user=user,
        reason=reason,
    )
    uow.repo.add(row)
    lot.vvm_stage = max(stage, current or 0)
    uow.session.flush()
    return row


def void_vvm_observation(uow: UnitOfWork, command: VoidVvmObservation) -> VvmObservationView:
    """Void a reading with a reason and recompute the lot's effective stage from the rest."""
    reason = required_text(command.reason, "a reason")
    user = required_text(command.user, "user")
    with uow:
        target = _observation(uow, command.observation_id)
        lot = uow.repo.lock_lots([target.lot_id], exclusive=True)[target.lot_id]
        if target.stage is None:
            raise InvalidState(f"VVM entry {target.id} is itself a void; it cannot be voided")
        if _void_of(uow, target.id) is not None:
            raise InvalidState(f"VVM observation {target.id} is already voided")
        now = uow.clock()
        row = m.VvmObservation(
            lot_id=lot.id,
            stage=None,
            voids_id=target.id,
            facility_id=target.facility_id,
            storage_unit_id=target.storage_unit_id,
            observed_at=now,
            recorded_at=now,
            user=user,
            reason=reason,
        )
        uow.repo.add(row)
        uow.session.flush()
        lot.vvm_stage = effective_stage(uow, lot.id)
        uow.session.flush()
        uow.commit()
        return vvm_observation_view(row, lot.vvm_stage)


def observation_facility(uow: UnitOfWork, observation_id: int) -> int:
    """The facility an entry was recorded at (for the caller's scope check)."""
    with uow:
        return _observation(uow, observation_id).facility_id


def list_vvm_observations(uow: UnitOfWork, lot_id: int) -> list[VvmObservationView]:
    """Every reading and void of the lot, oldest first, each reading with its void's id."""
    with uow:
        lot = uow.repo.get(m.Lot, lot_id, "lot")
        rows = uow.session.scalars(
            select(m.VvmObservation)
            .where(m.VvmObservation.lot_id == lot_id)
            .order_by(m.VvmObservation.id)
        ).all()
        voided_by = {r.voids_id: r.id for r in rows if r.voids_id is not None}
        return [vvm_observation_view(r, lot.vvm_stage, voided_by.get(r.id)) for r in rows]


def effective_stage(uow: UnitOfWork, lot_id: int) -> int | None:
    """The highest stage among the lot's readings that no entry voids."""
    void = m.VvmObservation.__table__.alias("void")
    stmt = select(func.max(m.VvmObservation.stage)).where(
        m.VvmObservation.lot_id == lot_id,
        m.VvmObservation.stage.is_not(None),
        ~select(void.c.id).where(void.c.voids_id == m.VvmObservation.id).exists(),
    )
    return uow.session.scalar(stmt)


def _observation(uow: UnitOfWork, observation_id: int) -> m.VvmObservation:
    row = uow.session.get(m.VvmObservation, observation_id)
    if row is None:
        raise NotFound(f"VVM observation {observation_id} does not exist")
    return row


def _void_of(uow: UnitOfWork, observation_id: int) -> int | None:
    return uow.session.scalar(
        select(m.VvmObservation.id).where(m.VvmObservation.voids_id == observation_id)
    )


def _holds_stock(uow: UnitOfWork, lot_id: int, command: RecordVvmObservation) -> bool:
    stmt = (
        select(func.coalesce(func.sum(m.Balance.doses), 0))
        .join(m.Account, m.Account.id == m.Balance.account_id)
        .where(
            m.Balance.lot_id == lot_id,
            m.Account.kind.in_(_HOLDING),
            m.Account.facility_id == command.facility_id,
        )
    )
    if command.storage_unit_id is not None:
        stmt = stmt.where(m.Account.storage_unit_id == command.storage_unit_id)
    return (uow.session.scalar(stmt) or 0) > 0
