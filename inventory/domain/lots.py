"""Lot identity: a lot is (product, lot number, expiry); lot numbers repeat across products.

Invariant: lot numbers are stored stripped and non-empty; a GTIN is 14 digits with a valid
GS1 mod-10 check digit; a VVM stage is 1..4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from inventory.domain.gs1 import gs1_check_digit
from inventory.errors import InvalidInput

MAX_LOT_NUMBER = 40


@dataclass(frozen=True)
class LotIdentity:
    product_id: int
    lot_number: str
    expiry: date


def normalise_lot_number(lot_number: str) -> str:
    cleaned = lot_number.strip()
    if not cleaned:
        raise InvalidInput("a lot number cannot be empty")
    if len(cleaned) > MAX_LOT_NUMBER:
        raise InvalidInput(f"lot number {cleaned!r} is longer than {MAX_LOT_NUMBER} characters")
    return cleaned


def validate_gtin(gtin: str | None) -> str | None:
    if gtin is None:
        return None
    if len(gtin) != 14 or not gtin.isdigit():
        raise InvalidInput(f"GTIN {gtin!r} must be 14 digits")
    if gs1_check_digit(gtin[:13]) != int(gtin[13]):
        raise InvalidInput(
            f"GTIN {gtin} has a wrong check digit (expected {gs1_check_digit(gtin[:13])})"
        )
    return gtin


def validate_vvm_stage(stage: int | None) -> int | None:
    if stage is not None and stage not in (1, 2, 3, 4):
        raise InvalidInput(f"VVM stage must be 1, 2, 3 or 4, got {stage!r}")
    return stage
