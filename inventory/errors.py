"""Named errors of the ledger; each carries a message that says what was wrong.

The API maps them once: ``NotFound`` -> 404, ``InvalidInput`` / ``UnbalancedMovement`` ->
422, ``InsufficientStock`` / ``LotOnHold`` / ``FefoViolation`` / ``IdempotencyConflict`` /
``InvalidState`` -> 409. A refused operation has written nothing.
"""

from __future__ import annotations


class InventoryError(Exception):
    """Base of every error the ledger raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(InventoryError):
    """A facility, storage unit, product, lot, shipment or movement does not exist."""


class InvalidInput(InventoryError):
    """The request is malformed or contradicts the domain (e.g. a negative quantity)."""


class InvalidState(InventoryError):
    """The request is valid but the object is not in a state that allows it (409)."""


class UnbalancedMovement(InventoryError):
    """A movement's lines do not sum to zero for some lot."""


class InsufficientStock(InventoryError):
    """Posting would take more doses from a stock account than it holds (at any time)."""


class LotOnHold(InventoryError):
    """The lot is expired, at VVM discard point, quarantined or recalled here."""

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reasons = reasons


class FefoViolation(InventoryError):
    """Explicitly named lots break the issuing rule and no override reason was given."""

    def __init__(self, message: str, should_go_first: int | None = None) -> None:
        super().__init__(message)
        self.should_go_first = should_go_first


class IdempotencyConflict(InventoryError):
    """The idempotency key was already used for a different request."""


class AlreadyReversed(InvalidState):
    """A movement can be reversed once."""
