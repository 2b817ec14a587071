"""Movements and their lines: the double-entry rule, checked before anything is written.

Invariant: every line moves a non-zero integer number of doses of one lot into (+) or out
of (-) one account, and a movement's lines sum to zero for every lot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from inventory.domain.accounts import AccountRef
from inventory.domain.quantities import MAX_LINE_DOSES, require_doses
from inventory.errors import InvalidInput, UnbalancedMovement


class MovementKind(StrEnum):
    RECEIPT = "receipt"  # from the supplier
    DISPATCH = "dispatch"  # stock -> in transit (shipment)
    SHIPMENT_RECEIPT = "shipment_receipt"  # in transit -> stock (+ discrepancies)
    SHIPMENT_LOST = "shipment_lost"  # in transit -> wasted (lost)
    SHIPMENT_RETURN = "shipment_return"  # refused: in transit -> in transit back to the sender
    RETURN_RECEIPT = "return_receipt"  # the sender receives the return: -> its quarantine
    TRANSFER = "transfer"  # stock -> stock, between units of one facility
    ADMINISTRATION = "administration"
    WASTAGE = "wastage"
    COUNT = "count"  # physical count: differences to adjustment
    QUARANTINE = "quarantine"
    RELEASE = "release"
    DESTRUCTION = "destruction"
    RECALL = "recall"
    REVERSAL = "reversal"


# Kinds that may legitimately carry no line: a count that matched, a recall of a lot held
# nowhere. Both are still facts worth recording.
MAY_BE_EMPTY = frozenset({MovementKind.COUNT, MovementKind.RECALL})
# A reversal cannot be reversed (post the movement again instead); a recall is a lot state.
NOT_REVERSIBLE = frozenset({MovementKind.REVERSAL, MovementKind.RECALL})


@dataclass(frozen=True)
class Line:
    account: AccountRef
    lot_id: int
    doses: int


def check_balanced(kind: MovementKind, lines: Iterable[Line]) -> tuple[Line, ...]:
    """Return the lines if they are a valid movement of ``kind``; raise otherwise."""
    lines = tuple(lines)
    if not lines and kind not in MAY_BE_EMPTY:
        raise UnbalancedMovement(f"a {kind.value} movement needs at least one line")
    totals: dict[int, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.doses, int) or isinstance(line.doses, bool):
            raise InvalidInput(f"doses must be an integer, got {line.doses!r}")
        if line.doses == 0:
            raise UnbalancedMovement(f"a line of lot {line.lot_id} moves zero doses")
        if abs(line.doses) > MAX_LINE_DOSES:
            raise InvalidInput(
                f"a line of lot {line.lot_id} moves {abs(line.doses)} doses;"
                f" one line moves at most {MAX_LINE_DOSES}"
            )
        totals[line.lot_id] += line.doses
    off = {lot: total for lot, total in sorted(totals.items()) if total != 0}
    if off:
        detail = ", ".join(f"lot {lot}: {total:+d}" for lot, total in off.items())
        raise UnbalancedMovement(f"{kind.value} lines do not sum to zero per lot ({detail})")
    return lines


def reversal_lines(original: Iterable[Line]) -> tuple[Line, ...]:
    """The lines that cancel ``original`` exactly: same accounts and lots, doses negated."""
    return tuple(Line(line.account, line.lot_id, -line.doses) for line in original)


def net_by_account_and_lot(lines: Iterable[Line]) -> dict[tuple[AccountRef, int], int]:
    """Sum lines per (account, lot), dropping pairs that net to zero."""
    totals: dict[tuple[AccountRef, int], int] = defaultdict(int)
    for line in lines:
        totals[(line.account, line.lot_id)] += line.doses
    return {pair: doses for pair, doses in totals.items() if doses != 0}


def require_positive(doses: int, what: str = "doses") -> int:
    """A positive whole quantity, at most ``MAX_DOSES`` (the domain bound)."""
    return require_doses(doses, what)
