"""Running a movement-creating use case: idempotency, one transaction, retries, error mapping.

Invariants: a key seen before with the same request returns the first result and posts
nothing; the same key with a different request raises ``IdempotencyConflict``; a request
that fails because a concurrent twin with the same key won is answered as a replay; a
deadlock or serialization failure is retried from the start; a database constraint that
fires is reported as the domain error it stands for, never as a raw ``IntegrityError``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, IntegrityError

from inventory import models as m
from inventory.domain import accounts as acc
from inventory.domain.holds import LotStatus
from inventory.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    InsufficientStock,
    InvalidInput,
    InventoryError,
    LotOnHold,
)
from inventory.repository import MovementHeader
from inventory.results import MovementView, movement_view
from inventory.unit_of_work import UnitOfWork

R = TypeVar("R")
MAX_ATTEMPTS = 5
_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


class MovementCommand(Protocol):
    @property
    def user(self) -> str: ...

    @property
    def idempotency_key(self) -> str: ...


class _KeyTaken(Exception):
    """A concurrent transaction committed a movement with our idempotency key first."""


@dataclass(frozen=True)
class Context:
    """What a use case body needs besides the command: the transaction and the clock."""

    uow: UnitOfWork
    now: datetime
    user: str
    idempotency_key: str
    fingerprint: str

    def occurred(self, occurred_at: datetime | None) -> datetime:
        """``occurred_at`` checked (aware, inside the programme window, not in the
        future), defaulting to now."""
        if occurred_at is None:
            return self.now
        return self.uow.window.check_occurred(occurred_at, self.now)

    def header(self, kind: str, occurred_at: datetime, **fields: Any) -> MovementHeader:
        return MovementHeader(
            kind=kind,
            occurred_at=occurred_at,
            recorded_at=self.now,
            user=self.user,
            idempotency_key=self.idempotency_key,
            fingerprint=self.fingerprint,
            **fields,
        )


def fingerprint(command: object) -> str:
    """A stable hash of the request: its type and every field but the idempotency key."""
    assert dataclasses.is_dataclass(command) and not isinstance(command, type)
    fields = dataclasses.asdict(command)
    fields.pop("idempotency_key", None)
    payload = json.dumps([type(command).__name__, _canonical(fields)], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def run_movement(
    uow: UnitOfWork,
    command: MovementCommand,
    body: Callable[[Context], int],
    rebuild: Callable[[UnitOfWork, int], R],
) -> R:
    """Run ``body`` (which posts one movement and returns its id) once per idempotency key."""
    key = check_key(command.idempotency_key)
    if not command.user or not command.user.strip():
        raise InvalidInput("a movement needs the user who records it")
    digest = fingerprint(command)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with uow:
                existing = uow.repo.movement_by_key(key)
                if existing is not None:
                    return _replay(uow, existing, digest, rebuild)
                ctx = Context(uow, uow.clock(), command.user.strip(), key, digest)
                movement_id = _mapped(functools.partial(body, ctx))
                result = rebuild(uow, movement_id)
                _mapped(uow.commit)
                return result
        except IdempotencyConflict:
            raise
        except (InventoryError, _KeyTaken) as exc:
            replayed = _replay_if_taken(uow, key, digest, rebuild)
            if replayed is not None:
                return replayed[0]
            if isinstance(exc, _KeyTaken):  # pragma: no cover - the twin's row vanished
                raise InvalidInput(f"idempotency key {key!r} is in use; retry") from exc
            raise
        except DBAPIError as exc:
            if attempt == MAX_ATTEMPTS or not _retryable(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def check_key(key: str) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise InvalidInput("idempotency_key must be a non-empty string of at most 200 characters")
    return key


def _replay(
    uow: UnitOfWork, existing: m.Movement, digest: str, rebuild: Callable[[UnitOfWork, int], R]
) -> R:
    if existing.request_fingerprint != digest:
        raise IdempotencyConflict(
            f"idempotency key {existing.idempotency_key!r} was already used by movement "
            f"{existing.id} ({existing.kind}) for a different request"
        )
    return rebuild(uow, existing.id)


def _replay_if_taken(
    uow: UnitOfWork, key: str, digest: str, rebuild: Callable[[UnitOfWork, int], R]
) -> tuple[R] | None:
    with uow:
        existing = uow.repo.movement_by_key(key)
        if existing is None:
            return None
        return (_replay(uow, existing, digest, rebuild),)


def once_more_if_raced(call: Callable[[], R]) -> R:
    """Run ``call`` (one transaction) and, if a concurrent twin's row made it break a unique
    constraint, once more: the second run finds that row (an upsert updates it, a keyed
    create answers as its replay). Anything else, or a second failure, propagates."""
    try:
        return call()
    except IntegrityError:
        return call()


def _mapped(call: Callable[[], R]) -> R:
    try:
        return call()
    except IntegrityError as exc:
        mapped = _domain_error(exc)
        if mapped is exc:
            raise
        raise mapped from exc


def _domain_error(exc: IntegrityError) -> Exception:
    text = f"{_constraint_name(exc)} {exc.orig}"
    if "ck_balances_nonnegative" in text:
        return InsufficientStock(
            "the database refused a negative balance: a concurrent movement took the stock first"
        )
    if "idempotency_key" in text:
        return _KeyTaken()
    if "reverses_movement_id" in text:
        return AlreadyReversed("the movement was reversed concurrently; it can be reversed once")
    return exc


def _constraint_name(exc: DBAPIError) -> str:
    diag = getattr(exc.orig, "diag", None)
    return str(getattr(diag, "constraint_name", "") or "")


def _retryable(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None)
    return state in _RETRYABLE_SQLSTATES or "database is locked" in str(exc.orig)


# -- shared lookups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitContext:
    unit: m.StorageUnit
    facility: m.Facility

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.facility.timezone)


def load_unit(uow: UnitOfWork, unit_id: int) -> UnitContext:
    unit = uow.repo.get(m.StorageUnit, unit_id, "storage unit")
    facility = uow.repo.get(m.Facility, unit.facility_id, "facility")
    return UnitContext(unit, facility)


def lot_status(lot: m.Lot) -> LotStatus:
    return LotStatus(lot.id, lot.lot_number, lot.expiry, lot.vvm_stage, lot.recalled_at is not None)


def refuse_if_quarantined(
    uow: UnitOfWork, where: UnitContext, lot: m.Lot, doses: int, action: str
) -> None:
    """Say ``LotOnHold`` (not just "insufficient") when the missing doses are quarantined."""
    stock_id = uow.repo.account_id(acc.stock(where.unit.id, where.facility.id))
    held_id = uow.repo.account_id(acc.quarantine(where.unit.id, where.facility.id))
    balances = uow.repo.lock_balances([(stock_id, lot.id), (held_id, lot.id)])
    usable, held = balances[(stock_id, lot.id)], balances[(held_id, lot.id)]
    if doses > usable and held > 0:
        raise LotOnHold(
            f"lot {lot.lot_number} cannot be {action} from storage unit {where.unit.code}: "
            f"{held} of its doses there are quarantined (DO NOT USE) and only {usable} are usable",
            ("quarantined",),
        )


def load_movement_view(uow: UnitOfWork, movement_id: int) -> MovementView:
    movement = uow.repo.get(m.Movement, movement_id, "movement")
    return movement_view(movement, uow.repo.movement_lines(movement_id))


def required_text(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput(f"{what} is required")
    return value.strip()
