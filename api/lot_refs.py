"""Naming a lot in a request: by its id, or by scanning the pack's GS1 code.

A scan is parsed with ``inventory.domain.gs1`` (bracketed, or raw with GS separators and an
optional symbology identifier); its GTIN (01) names the product, its lot (10) and expiry
(17) the lot, so the scan resolves to the registered lot (product, lot number, expiry).

Invariants: a code that cannot be read is a ``Gs1Error`` (422; a bad check digit names the
expected digit); a scan without GTIN or lot, or a 药品追溯码 (which names a pack, not a lot),
is ``InvalidInput`` (422); a GTIN or lot that is not registered is ``NotFound`` (404); a scan
never resolves to a lot of another product or expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from api.deps import ApiDeps
from inventory import queries
from inventory.domain.gs1 import ChinaTraceCode, parse_scan
from inventory.errors import InvalidInput, NotFound
from inventory.results import LotView
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class LotRef:
    """A lot as named in a request: at most one of ``lot_id`` and ``scan``."""

    lot_id: int | None = None
    scan: str | None = None

    @property
    def given(self) -> bool:
        return self.lot_id is not None or self.scan is not None


def resolve_lot(deps: ApiDeps, ref: LotRef) -> LotView | None:
    """The lot the request names, or None when it names none."""
    if ref.lot_id is not None and ref.scan is not None:
        raise InvalidInput("name the lot once: give lot_id or scan, not both")
    uow = deps.inventory_uow()
    if ref.lot_id is not None:
        return queries.get_lot(uow, ref.lot_id)
    if ref.scan is not None:
        return lot_from_scan(uow, ref.scan, deps.today())
    return None


def require_lot(deps: ApiDeps, ref: LotRef) -> LotView:
    lot = resolve_lot(deps, ref)
    if lot is None:
        raise InvalidInput("name the lot: give lot_id or scan")
    return lot


@dataclass(frozen=True, slots=True)
class ScannedLot:
    """What a scan says about a lot, with its product found by GTIN."""

    product_id: int
    product_code: str
    gtin: str
    lot_number: str
    expiry: date | None


def scanned_lot(uow: UnitOfWork, scan: str, today: date) -> ScannedLot:
    """Parse the scan and find its product by GTIN (the lot itself may be unregistered)."""
    parsed = parse_scan(scan, today=today)
    if isinstance(parsed, ChinaTraceCode):
        raise InvalidInput(
            f"{parsed.code} is a drug traceability code (药品追溯码): it names a pack, not a"
            " lot; scan the GS1 code with (01) GTIN, (17) expiry and (10) lot"
        )
    if parsed.gtin is None or parsed.lot is None:
        missing = " and ".join(
            name
            for name, value in (("(01) GTIN", parsed.gtin), ("(10) lot", parsed.lot))
            if value is None
        )
        raise InvalidInput(f"the scan carries no {missing}, so it does not name a lot")
    product = queries.product_by_gtin(uow, parsed.gtin)
    return ScannedLot(product.id, product.code, parsed.gtin, parsed.lot, parsed.expiry)


def lot_from_scan(uow: UnitOfWork, scan: str, today: date) -> LotView:
    """The registered lot a scanned GS1 string identifies (GTIN, lot and, if given, expiry)."""
    parsed = scanned_lot(uow, scan, today)
    lots = queries.find_lots(uow, parsed.lot_number, parsed.product_id, parsed.expiry)
    if len(lots) == 1:
        return lots[0]
    if lots:  # only without (17): the same number with several expiries
        expiries = ", ".join(lot.expiry.isoformat() for lot in lots)
        raise InvalidInput(
            f"lot {parsed.lot_number} of product {parsed.product_code} exists with expiries"
            f" {expiries};"
            " the scan carries no (17) expiry to tell them apart"
        )
    others = queries.find_lots(uow, parsed.lot_number, parsed.product_id)
    known = (
        " (registered with expiry " + ", ".join(o.expiry.isoformat() for o in others) + ")"
        if others
        else ""
    )
    expiry = f" expiring {parsed.expiry.isoformat()}" if parsed.expiry else ""
    raise NotFound(
        f"no lot {parsed.lot_number}{expiry} of product {parsed.product_code}"
        f" (GTIN {parsed.gtin}) is"
        f" registered{known}"
    )
