"""The count sheet of a storage unit (pure): what was counted per lot against what the books
say, and the rule that every difference carries a reason before the count can be posted.

``read_sheet`` turns the form's fields (``counted_<lot>``, ``reason_<lot>``) into a sheet
and a dict of problems per field, in words a nurse understands; the count is posted only
when there is none. Each lot's reason goes with that lot's difference in the ledger
(``CountedLot.reason``), shown on its stock card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.pages.messages import N_
from inventory.domain.quantities import MAX_DOSES

MAX_REASON = 200  # characters (the field's maxlength; checked again here)
NEED_NUMBER = N_("Write the number of doses you counted (0 or more).")
NEED_REASON = N_("The count differs from the books: say why.")
REASON_TOO_LONG = N_("Keep the reason to 200 characters.")


@dataclass(frozen=True, slots=True)
class SheetLine:
    lot_id: int
    lot_number: str
    product_code: str
    on_hand: int  # usable doses on the books
    counted: int | None
    reason: str

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.on_hand


def read_sheet(
    books: Sequence[tuple[int, str, str, int]], form: Mapping[str, str]
) -> tuple[list[SheetLine], dict[str, str]]:
    """``books``: (lot id, lot number, product code, usable doses). Problems are message ids
    (translated by the caller) keyed by the field's name."""
    lines, problems = [], {}
    for lot_id, number, product, on_hand in books:
        raw = form.get(f"counted_{lot_id}", "").strip()
        reason = form.get(f"reason_{lot_id}", "").strip()
        counted = int(raw) if raw.isdigit() and int(raw) <= MAX_DOSES else None
        if counted is None:
            problems[f"counted_{lot_id}"] = NEED_NUMBER
        elif counted != on_hand and not reason:
            problems[f"reason_{lot_id}"] = NEED_REASON
        if len(reason) > MAX_REASON:
            problems[f"reason_{lot_id}"] = REASON_TOO_LONG
        lines.append(SheetLine(lot_id, number, product, on_hand, counted, reason))
    return lines, problems
