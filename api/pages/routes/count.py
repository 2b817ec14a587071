"""Physical count of a storage unit: the count sheet (counted doses against the books, or
blind: the books hidden), which cannot be posted until every difference has a reason; the
count posts each difference to adjustment with its lot's own reason (the ledger's
``record_count``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from api.idempotency import ledger_key
from api.pages.counting import SheetLine, read_sheet
from api.pages.web import FormPage, Page, SignedInPage
from api.places import ensure_write_at_unit
from inventory import queries, services
from inventory.commands import CountedLot, RecordCount
from inventory.errors import InventoryError
from inventory.results import StorageUnitView

router = APIRouter()


def _unit(page: Page, unit_code: str) -> StorageUnitView:
    unit = queries.storage_unit_by_code(page.deps.inventory_uow(), unit_code)
    ensure_write_at_unit(page.deps, page.who, unit.id)  # reading is not enough to count
    return unit


def _books(page: Page, unit: StorageUnitView) -> list[tuple[int, str, str, int]]:
    stock = queries.stock_on_hand(page.deps.inventory_uow(), storage_unit_id=unit.id)
    return [(s.lot_id, s.lot_number, s.product_code, s.usable.doses) for s in stock.lines]


@router.get("/units/{unit_code}/count")
def count_sheet(
    page: SignedInPage, unit_code: str, blind: bool = False, done: bool = False
) -> Response:
    unit = _unit(page, unit_code)
    lines = [SheetLine(*book, counted=None, reason="") for book in _books(page, unit)]
    return _render(page, unit, lines, {}, blind=blind, done=done)


@router.post("/units/{unit_code}/count")
def post_count(page: FormPage, unit_code: str) -> Response:
    unit = _unit(page, unit_code)
    blind = page.form.get("blind") == "1"
    lines, problems = read_sheet(_books(page, unit), page.form)
    errors = {field: page.gettext(message) for field, message in problems.items()}
    if not errors:
        command = RecordCount(
            unit.id,
            tuple(
                CountedLot(line.lot_id, line.counted or 0, line.reason if line.difference else None)
                for line in lines
            ),
            page.who.name,
            ledger_key(page.who, page.form.get("key") or uuid.uuid4().hex),
        )
        try:
            services.record_count(page.deps.inventory_uow(), command)
        except InventoryError as exc:  # e.g. the books moved since the sheet was printed
            errors["note"] = str(exc)
        else:
            return page.redirect(f"/units/{unit_code}/count?done=true")
    return _render(page, unit, lines, errors, blind=blind, status_code=422)


def _render(
    page: Page,
    unit: StorageUnitView,
    lines: list[SheetLine],
    errors: dict[str, str],
    *,
    blind: bool,
    done: bool = False,
    status_code: int = 200,
) -> Response:
    return page.render(
        "count.html",
        status_code=status_code,
        unit=unit,
        lines=lines,
        errors=errors,
        blind=blind,
        done=done,
        key=uuid.uuid4().hex,
    )
