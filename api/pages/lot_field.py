"""The lot field of a form: a barcode scanner types the GS1 string (and Enter), a person
types a lot number. ``lot_of_field`` finds the registered lot, or says what is wrong in
words shown next to the field (a bad check digit, an unknown lot, a lot of another
product), through the API's own scan look-up (``api.lot_refs.lot_from_scan``)."""

from __future__ import annotations

from datetime import date

from api.lot_refs import lot_from_scan
from inventory import queries
from inventory.domain.gs1 import Gs1Error
from inventory.errors import InventoryError
from inventory.results import LotView
from inventory.unit_of_work import UnitOfWork


class LotFieldError(Exception):
    """What is wrong with the lot field, in words for the person who typed or scanned it."""


def looks_scanned(text: str) -> bool:
    return text.startswith(("(", "]")) or "\x1d" in text or (text.isdigit() and len(text) >= 16)


def lot_of_field(uow: UnitOfWork, text: str, product_id: int | None, today: date) -> LotView:
    text = text.strip()
    try:
        if looks_scanned(text):
            lot = lot_from_scan(uow, text, today)
        else:
            found = queries.find_lots(uow, text, product_id)
            if len(found) != 1:
                raise LotFieldError(
                    f"no lot {text!r} of this product"
                    if not found
                    else f"lot {text!r} exists with several expiries: scan the pack"
                )
            lot = found[0]
    except (Gs1Error, InventoryError) as exc:
        raise LotFieldError(str(exc)) from exc
    if product_id is not None and lot.product_id != product_id:
        raise LotFieldError(f"lot {lot.lot_number} is not a lot of the chosen product")
    return lot
