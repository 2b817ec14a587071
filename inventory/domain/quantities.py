"""How many doses one request may name: the domain bound on every quantity.

Invariant: every quantity a caller sends (a receipt, transfer, administration, wastage,
count, quarantine, release, destruction, dispatch or shipment receipt, an allocation, a
daily target) is a whole number no larger than ``MAX_DOSES``, and a target population no
larger than ``MAX_POPULATION``. The limits are far below any column's, the same on SQLite
and PostgreSQL, so a balance (the sum of many bounded lines) stays an exact integer.
"""

from __future__ import annotations

from inventory.errors import InvalidInput

MAX_DOSES = 10_000_000
"""Most doses one movement line, quota or daily target may name (a province's year of a
vaccine is a few million doses)."""

MAX_POPULATION = 1_000_000_000
"""Most people a dose target may be meant to cover."""

MAX_LINE_DOSES = 2**31 - 1
"""Most doses one posted line may move (its column is 32-bit on PostgreSQL). Lines that
move a whole balance (a recall, a full quarantine, a count) can exceed ``MAX_DOSES``."""

MAX_DOSES_PER_VIAL = 1_000
"""Most doses one vial of a product holds."""

MAX_DOSE_NUMBER = 99
"""Highest dose number of a schedule (1st, 2nd, booster, ...)."""


def require_doses(doses: object, what: str = "doses", *, least: int = 1) -> int:
    """``doses`` when it is an int (not a bool) in [least, MAX_DOSES], else ``InvalidInput``
    naming the limit."""
    if least == 1 and (type(doses) is not int or not 1 <= doses <= MAX_DOSES):
        raise InvalidInput(f"{what} must be a positive integer ≤ {MAX_DOSES}, got {doses!r}")
    return require_whole(doses, what, least=least, most=MAX_DOSES)


def require_whole(value: object, what: str, *, least: int, most: int) -> int:
    if type(value) is not int or not least <= value <= most:
        raise InvalidInput(f"{what} must be an integer ≥ {least} and ≤ {most}, got {value!r}")
    return value
