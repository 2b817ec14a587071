"""Picking lots: named strategies in a small registry; FEFO is the default.

FEFO order (rule 12): earliest expiry first; among equal expiry the more advanced VVM stage
first; then the lot received first; the lot id breaks any remaining tie so that a pick is
deterministic. Invariant: a pick takes exactly the requested doses or raises
``InsufficientStock`` (nothing is allocated halfway); only issuable candidates are passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from inventory.errors import InsufficientStock, InvalidInput

_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    """Issuable stock of one lot in one place."""

    lot_id: int
    lot_number: str
    expiry: date
    available: int
    vvm_stage: int | None = None
    first_received_at: datetime | None = None


@dataclass(frozen=True)
class Pick:
    lot_id: int
    doses: int


Strategy = Callable[[Sequence[Candidate]], list[Candidate]]


def fefo(candidates: Sequence[Candidate]) -> list[Candidate]:
    """First expiry, first out; then more advanced VVM; then first received."""
    return sorted(
        candidates,
        key=lambda c: (
            c.expiry,
            -(c.vvm_stage or 0),
            c.first_received_at or _NEVER,
            c.lot_id,
        ),
    )


def fifo(candidates: Sequence[Candidate]) -> list[Candidate]:
    """First received, first out (for products without a meaningful expiry spread)."""
    return sorted(candidates, key=lambda c: (c.first_received_at or _NEVER, c.expiry, c.lot_id))


STRATEGIES: dict[str, Strategy] = {"fefo": fefo, "fifo": fifo}
DEFAULT_STRATEGY = "fefo"


def get_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise InvalidInput(f"unknown picking strategy {name!r} (known: {known})") from None


def pick(
    candidates: Sequence[Candidate], doses: int, strategy: str = DEFAULT_STRATEGY, what: str = ""
) -> tuple[Pick, ...]:
    """Take ``doses`` from the candidates in strategy order, or raise without taking any."""
    if doses <= 0:
        raise InvalidInput(f"doses to pick must be positive, got {doses}")
    available = sum(c.available for c in candidates if c.available > 0)
    if available < doses:
        label = f" of {what}" if what else ""
        raise InsufficientStock(
            f"{doses} doses{label} requested but only {available} issuable doses are in stock"
        )
    picks: list[Pick] = []
    remaining = doses
    for candidate in get_strategy(strategy)(candidates):
        if remaining == 0:
            break
        take = min(candidate.available, remaining)
        if take > 0:
            picks.append(Pick(candidate.lot_id, take))
            remaining -= take
    return tuple(picks)


def first_out_of_order(
    candidates: Sequence[Candidate], requested: Mapping[int, int], strategy: str = DEFAULT_STRATEGY
) -> Candidate | None:
    """The lot that should go before the requested ones, or None if they follow the rule.

    The requested lots follow the strategy when they are exactly what the strategy would
    pick for the same total.
    """
    total = sum(requested.values())
    if total <= 0:
        return None
    by_lot = {c.lot_id: c for c in candidates}
    wanted = {p.lot_id: p.doses for p in pick(candidates, total, strategy)}
    for candidate in get_strategy(strategy)(candidates):
        if wanted.get(candidate.lot_id, 0) > requested.get(candidate.lot_id, 0):
            return by_lot[candidate.lot_id]
    return None
