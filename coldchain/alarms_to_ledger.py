"""The ledger, seen from the alarms: ``ingest.alarms.ports`` implemented over ``inventory``.

``ingest`` never imports ``inventory``; this adapter only translates types between them:

- ``LedgerPort.exposure`` → ``inventory.queries.unit_exposure`` (from the storage history:
  the lots that were in the unit while the excursion happened) → ``ExposedLot``;
- ``LedgerPort.quarantine_exposed`` → the detector key parsed into an ``ExcursionRef`` →
  ``inventory.services.quarantine_exposed`` (one transaction, idempotent on the reference);
- ``UnitDirectory`` → ``inventory.queries.unit_places`` / ``facility_chain``, cached.

A shipment's transit unit (``shipment-{id}``, rule 27) is answered from the shipment: its
exposure is what its in-transit account held (``queries.transit_exposure``), its quarantine
a hold at the receipt (``services.hold_transit_exposure``), its configuration the origin
facility, the transport profile and the loggers' interval (``queries.transit_places``).

Invariants: no SQL and no rule here; a unit or facility the ledger does not know answers
"nothing" (``[]``, no quarantine, ``None``, ``[code]``), never an exception, or the alarms'
retry would repeat forever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from datetime import datetime

from ingest.alarms.ports import ExposedLot, QuarantineRequest, UnitInfo
from inventory import commands as cmd
from inventory import queries, services
from inventory.domain.excursions import ExcursionRef
from inventory.domain.transit import shipment_of
from inventory.errors import NotFound
from inventory.queries import LotExposure, UnitPlace
from inventory.unit_of_work import UnitOfWork

SYSTEM_USER = "coldchain-alarms"


class InventoryLedger:
    """``LedgerPort`` over the inventory services and queries."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def exposure(self, unit_code: str, start: datetime, end: datetime) -> list[ExposedLot]:
        shipment_id = shipment_of(unit_code)
        try:
            if shipment_id is not None:  # a shipment on the road: what it carried then
                found = queries.transit_exposure(self._uow, shipment_id, start, end)
            else:
                unit = queries.storage_unit_by_code(self._uow, unit_code)
                found = queries.unit_exposure(self._uow, unit.id, start, end)
        except NotFound:
            return []
        return [exposed_lot(lot) for lot in found]

    def quarantine_exposed(self, request: QuarantineRequest) -> None:
        excursion = ExcursionRef.parse(request.reference)
        if excursion.unit != request.unit_code:
            raise ValueError(f"{request.reference!r} is not an excursion of {request.unit_code}")
        if shipment_of(request.unit_code) is not None:
            self._hold_on_the_road(request)
            return
        command = cmd.QuarantineRequest(
            excursion=excursion,
            lot_ids=tuple(lot.lot_id for lot in request.lots),
            reason=request.reason,
            user=SYSTEM_USER,
        )
        try:
            services.quarantine_exposed(self._uow, command)
        except NotFound:
            return  # a unit (or lot) the ledger does not know: nothing of it to hold

    def _hold_on_the_road(self, request: QuarantineRequest) -> None:
        """A shipment's excursion: its lots are held at the receipt (or at once in the
        receiving unit when it has arrived; ``services.hold_transit_exposure``)."""
        command = cmd.HoldTransitExposure(
            excursion=ExcursionRef.parse(request.reference),
            lot_ids=tuple(lot.lot_id for lot in request.lots),
            reason=request.reason,
            user=SYSTEM_USER,
        )
        try:
            services.hold_transit_exposure(self._uow, command)
        except NotFound:
            return


def exposed_lot(lot: LotExposure) -> ExposedLot:
    return ExposedLot(
        lot_id=lot.lot_id,
        product=lot.product,
        lot_number=lot.lot_number,
        expiry=lot.expiry,
        doses=lot.doses,
        freeze_sensitive=lot.freeze_sensitive,
        present_from=lot.present_from,
        present_to=lot.present_to,
    )


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
        return self.units_of([unit_code])[unit_code]

    def units_of(self, unit_codes: Collection[str]) -> dict[str, UnitInfo | None]:
        """``unit`` of each code; the codes not cached (or stale) are read together
        (``queries.unit_places``), so a batch of units seen for the first time costs one
        round trip."""
        now = time.monotonic()
        found: dict[str, UnitInfo | None] = {}
        with self._lock:
            for code in unit_codes:
                cached = self._units.get(code)
                if cached is not None and now - cached[0] < self._ttl_s:
                    found[code] = cached[1]
        missing = [code for code in dict.fromkeys(unit_codes) if code not in found]
        journeys = {code: shipment_of(code) for code in missing}
        on_road = {code: s for code, s in journeys.items() if s is not None}
        loaded = queries.unit_places(self._uow, missing) if len(on_road) < len(missing) else {}
        transit = queries.transit_places(self._uow, on_road.values()) if on_road else {}
        now = time.monotonic()
        with self._lock:
            for code in missing:
                place = loaded.get(code)
                journey = transit.get(on_road.get(code, 0))
                if journey is not None:
                    found[code] = UnitInfo(
                        journey.facility,
                        journey.profile,
                        journey.time_zone,
                        journey.reporting_interval_s,
                    )
                else:
                    found[code] = None if place is None else self._info(place)
                self._units[code] = (now, found[code])
        return found

    def _info(self, place: UnitPlace) -> UnitInfo:
        interval = self._interval(place.unit) if self._interval else 600
        return UnitInfo(place.facility, place.profile, place.time_zone, interval)

    def escalation_chain(self, facility_code: str) -> list[str]:
        try:
            return queries.facility_chain(self._uow, facility_code)
        except NotFound:
            return [facility_code]
