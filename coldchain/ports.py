"""The ledger, seen from ingest: implementations of ``ingest.alarms.ports`` over ``inventory``.

``ingest`` never imports ``inventory``; this module is where the two meet. Exposure is read
from the ledger's storage *history* (``inventory.queries.history.storage_history``), so an
excursion names the lots that were in the unit while it happened, not the lots there now.
Quarantine is idempotent by reference: the idempotency key of each quarantine movement is
derived from the alarm's key and the lot, so a retry or a replay posts nothing new.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from sqlalchemy import select

from ingest.alarms.ports import ExposedLot, UnitInfo
from inventory import commands as cmd
from inventory import models as m
from inventory import services
from inventory.errors import InsufficientStock, InvalidState, NotFound
from inventory.queries import lookups
from inventory.queries.history import StorageInterval, storage_history
from inventory.unit_of_work import UnitOfWork

SYSTEM_USER = "coldchain-alarms"


class InventoryLedger:
    """``LedgerPort`` over the inventory services and queries."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def exposure(self, unit_code: str, start: datetime, end: datetime) -> list[ExposedLot]:
        try:
            unit = lookups.storage_unit_by_code(self._uow, unit_code)
        except NotFound:
            return []
        intervals = storage_history(self._uow, unit.id, start, end)
        by_lot: dict[int, list[StorageInterval]] = {}
        for interval in intervals:
            by_lot.setdefault(interval.lot_id, []).append(interval)
        return [self._exposed(lot_id, spans) for lot_id, spans in sorted(by_lot.items())]

    def _exposed(self, lot_id: int, spans: list[StorageInterval]) -> ExposedLot:
        lot = lookups.get_lot(self._uow, lot_id)
        product = lookups.get_product(self._uow, lot.product_id)
        return ExposedLot(
            lot_id=lot_id,
            product=product.code,
            lot_number=lot.lot_number,
            expiry=lot.expiry,
            doses=exposed_doses(spans),
            freeze_sensitive=product.freeze_sensitive,
            present_from=spans[0].start,
            present_to=spans[-1].end,
        )

    def quarantine(
        self, unit_code: str, lots: Sequence[ExposedLot], *, reason: str, reference: str
    ) -> None:
        try:
            unit = lookups.storage_unit_by_code(self._uow, unit_code)
        except NotFound:
            return
        for lot in lots:
            command = cmd.QuarantineStock(
                storage_unit_id=unit.id,
                reason=reason,
                user=SYSTEM_USER,
                idempotency_key=f"quarantine:{reference}:{lot.lot_id}",
                lot_id=lot.lot_id,
                reference=reference,
            )
            try:
                services.quarantine_stock(self._uow, command)
            except (InvalidState, InsufficientStock):
                # Nothing usable of that lot is left in the unit (given, moved or already
                # held): there is nothing more to hold here.
                continue


def exposed_doses(spans: Sequence[StorageInterval]) -> int:
    """Every dose of one lot that was in the unit at some moment of the window: the doses
    at the start, plus each increase, plus every return after the lot had left."""
    total = 0
    previous: StorageInterval | None = None
    for span in spans:
        if previous is None or span.start > previous.end:
            total += span.doses
        else:
            total += max(0, span.doses - previous.doses)
        previous = span
    return total


class InventoryUnitDirectory:
    """``UnitDirectory`` over the inventory's storage units and facility tree, cached for
    ``ttl_s`` seconds (units are created rarely; the hot path asks once per unit)."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        reporting_interval_s: Callable[[str], int] | None = None,
        ttl_s: float = 60.0,
    ) -> None:
        self._uow = uow
        self._interval = reporting_interval_s
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._units: dict[str, tuple[float, UnitInfo | None]] = {}

    def unit(self, unit_code: str) -> UnitInfo | None:
        with self._lock:
            cached = self._units.get(unit_code)
        if cached is not None and time.monotonic() - cached[0] < self._ttl_s:
            return cached[1]
        info = self._load(unit_code)
        with self._lock:
            self._units[unit_code] = (time.monotonic(), info)
        return info

    def units_of(self, unit_codes: Collection[str]) -> dict[str, UnitInfo | None]:
        """``unit`` of each code; the codes not cached (or stale) are read in one query per
        500 codes, so a batch of units seen for the first time costs one round trip."""
        now = time.monotonic()
        found: dict[str, UnitInfo | None] = {}
        with self._lock:
            for code in unit_codes:
                cached = self._units.get(code)
                if cached is not None and now - cached[0] < self._ttl_s:
                    found[code] = cached[1]
        missing = [code for code in dict.fromkeys(unit_codes) if code not in found]
        loaded = self._load_many(missing)
        now = time.monotonic()
        with self._lock:
            for code in missing:
                found[code] = loaded.get(code)
                self._units[code] = (now, found[code])
        return found

    def _load_many(self, codes: Sequence[str]) -> dict[str, UnitInfo]:
        unit, facility = m.StorageUnit, m.Facility
        loaded: dict[str, UnitInfo] = {}
        for i in range(0, len(codes), 500):
            query = (
                select(unit.code, unit.profile, facility.code, facility.timezone)
                .join(facility, facility.id == unit.facility_id)
                .where(unit.code.in_(codes[i : i + 500]))
            )
            with self._uow:
                rows = self._uow.session.execute(query).all()
            for code, profile, facility_code, zone in rows:
                interval = self._interval(code) if self._interval else 600
                loaded[code] = UnitInfo(facility_code, profile, zone, interval)
        return loaded

    def _load(self, unit_code: str) -> UnitInfo | None:
        try:
            unit = lookups.storage_unit_by_code(self._uow, unit_code)
        except NotFound:
            return None
        facility = lookups.get_facility(self._uow, unit.facility_id)
        interval = self._interval(unit_code) if self._interval else 600
        return UnitInfo(facility.code, unit.profile, facility.timezone, interval)

    def escalation_chain(self, facility_code: str) -> list[str]:
        try:
            facility = lookups.facility_by_code(self._uow, facility_code)
        except NotFound:
            return [facility_code]
        chain = [facility.code]
        while facility.parent_id is not None:
            facility = lookups.get_facility(self._uow, facility.parent_id)
            chain.append(facility.code)
        return chain
