"""Hand-written fakes of the alarms ports (ledger, unit directory, notifier, reading source)
and small builders: readings on a minute clock, exposed lots."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from ingest.alarms.ports import AlarmNotice, ExposedLot, NoticeKind, QuarantineRequest, UnitInfo
from ingest.readings import Reading

FACILITY = "clinic-1"
UNIT = "fridge-1"
SENSOR = "s-1"
T0 = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)
T0_NS = 1_709_251_200 * 1_000_000_000  # T0 in ns
MIN_NS = 60 * 1_000_000_000


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def reading(
    minute: float, temp: float, *, sensor: str = SENSOR, unit: str = UNIT, facility: str = FACILITY
) -> Reading:
    t = T0_NS + round(minute * MIN_NS)
    return Reading(facility, unit, sensor, t, temp, received_at_ns=t)


def series(
    temps: Sequence[float], *, start: float = 0, step: float = 10, sensor: str = SENSOR
) -> list[Reading]:
    """One reading every ``step`` minutes from ``start`` with these temperatures."""
    return [reading(start + i * step, temp, sensor=sensor) for i, temp in enumerate(temps)]


def make_lot(
    lot_id: int, doses: int, *, freeze_sensitive: bool = False, product: str = "MMR"
) -> ExposedLot:
    return ExposedLot(
        lot_id=lot_id,
        product=product,
        lot_number=f"L{lot_id:03d}",
        expiry=date(2026, 1, 31),
        doses=doses,
        freeze_sensitive=freeze_sensitive,
        present_from=T0,
        present_to=T0 + timedelta(days=30),
    )


@dataclass
class FakeLedger:
    """The lots in each unit (for any window), every call remembered; can be made to fail."""

    lots: dict[str, list[ExposedLot]] = field(default_factory=dict)
    exposure_calls: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    quarantines: list[QuarantineRequest] = field(default_factory=list)
    failing: bool = False

    def exposure(self, unit_code: str, start: datetime, end: datetime) -> list[ExposedLot]:
        self.exposure_calls.append((unit_code, start, end))
        if self.failing:
            raise ConnectionError("ledger down")
        return list(self.lots.get(unit_code, []))

    def quarantine_exposed(self, request: QuarantineRequest) -> None:
        if self.failing:
            raise ConnectionError("ledger down")
        self.quarantines.append(request)

    def references(self) -> list[str]:
        return [q.reference for q in self.quarantines]


@dataclass
class FakeUnits:
    units: dict[str, UnitInfo] = field(
        default_factory=lambda: {UNIT: UnitInfo(FACILITY, "2-8", "Africa/Nairobi")}
    )
    chains: dict[str, list[str]] = field(
        default_factory=lambda: {FACILITY: [FACILITY, "county-1", "city-1", "province"]}
    )

    def unit(self, unit_code: str) -> UnitInfo | None:
        return self.units.get(unit_code)

    def units_of(self, unit_codes: Collection[str]) -> dict[str, UnitInfo | None]:
        return {code: self.units.get(code) for code in unit_codes}

    def escalation_chain(self, facility_code: str) -> list[str]:
        return self.chains.get(facility_code, [facility_code])


@dataclass
class FakeNotifier:
    notices: list[AlarmNotice] = field(default_factory=list)

    def notify(self, notice: AlarmNotice) -> None:
        self.notices.append(notice)

    def of(self, kind: NoticeKind) -> list[AlarmNotice]:
        return [n for n in self.notices if n.kind is kind]


@dataclass
class ListSource:
    """A telemetry store as a list (what the sink would have written)."""

    stored: list[Reading] = field(default_factory=list)

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]:
        lo = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 1000
        hi = (end - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 1000
        found = {
            (r.device_time_ns, r.sensor_id): r
            for r in self.stored
            if r.unit == unit and lo <= r.device_time_ns < hi
        }
        return [found[k] for k in sorted(found)]

    def raw_readings_of(
        self, units: Sequence[str], *, start: datetime, end: datetime
    ) -> list[Reading]:
        found = [r for unit in units for r in self.raw_readings(unit, start=start, end=end)]
        return sorted(found, key=lambda r: (r.device_time_ns, r.sensor_id))
