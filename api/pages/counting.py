"""The count sheet of a storage unit (pure): what was counted per lot against what the books
say, and the rule that every difference carries a reason before the count can be posted.

``read_sheet`` turns the form's fields (``counted_<lot>``, ``reason_<lot>``) into a sheet
and a dict of problems per field, in words a nurse understands; the count is posted only
when there is none. The reasons go into the count's note, one ``lot: reason`` per lot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.pages.messages import N_
from inventory.domain.quantities import MAX_DOSES

MAX_NOTE = 500
NEED_NUMBER = N_("Write the number of doses you counted (0 or more).")
NEED_REASON = N_("The count differs from the books: say why.")
NOTE_TOO_LONG = N_("The reasons are too long together; keep them shorter.")


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
        lines.append(SheetLine(lot_id, number, product, on_hand, counted, reason))
    if not problems and len(note_of(lines)) > MAX_NOTE:
        problems["note"] = NOTE_TOO_LONG
    return lines, problems


def note_of(lines: Sequence[SheetLine]) -> str:
    return "; ".join(f"{line.lot_number}: {line.reason}" for line in lines if line.difference)
