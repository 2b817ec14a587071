"""The daily doses report (rule 22) and the dose targets it is measured against."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.bounds import BodyId, DoseNumber, DosesOrZero, Population
from api.spreadsheet import spreadsheet_csv
from ingest.alarms.performance import FacilityPerformance, Performance, UnitPerformance
from inventory.domain.accounts import WastageReason
from inventory.domain.stock_levels import MAX_MONTHS
from inventory.queries import (
    DailyDosesReport,
    DoseLine,
    FacilityDay,
    ProductDay,
    ProductStockStatus,
    StockStatusReport,
    WastageFigures,
    WastageReport,
)
from inventory.queries.wastage import OPEN_VIAL_REASONS
from inventory.results import DoseTargetView, EligiblePopulationView, StockLevelView


class DoseTargetCreate(BaseModel):
    """Set (or replace, same period start) a site's daily target for one dose number. The
    period's days lie in the programme window and period_end is not before period_start."""

    model_config = ConfigDict(extra="forbid")

    facility_id: BodyId
    product_id: BodyId
    dose_number: DoseNumber
    period_start: date = Field(description="first local day (inclusive)")
    period_end: date = Field(description="last local day (inclusive)")
    daily_target: DosesOrZero = Field(description="doses to give per day")
    target_population: Population | None = Field(
        default=None, description="people this dose is meant to cover (for coverage)"
    )

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class DoseTargetPublic(BaseModel):
    id: int
    facility_id: int
    product_id: int
    dose_number: int
    period_start: date
    period_end: date
    daily_target: int
    target_population: int | None
    set_by: str
    set_at: datetime

    @classmethod
    def of(cls, view: DoseTargetView) -> DoseTargetPublic:
        return cls(
            id=view.id,
            facility_id=view.facility_id,
            product_id=view.product_id,
            dose_number=view.dose_number,
            period_start=view.period_start,
            period_end=view.period_end,
            daily_target=view.daily_target,
            target_population=view.target_population,
            set_by=view.set_by,
            set_at=view.set_at,
        )


class DoseLinePublic(BaseModel):
    dose_number: int | None = Field(description="null: given without a dose number")
    administered: int = Field(description="doses given on the day")
    daily_target: int | None
    percent_of_target: float | None
    cumulative: int = Field(description="doses of this number given up to the end of the day")
    target_population: int | None
    eligible: int | None = Field(description="the sites' eligible population for the year")
    coverage_percent: float | None = Field(
        description="cumulative ÷ eligible (else ÷ the target's population) × 100"
    )
    cumulative_target: int | None = Field(
        description="the straight target line: daily target × days of the target period so far"
    )
    percent_of_cumulative_target: float | None

    @classmethod
    def of(cls, line: DoseLine) -> DoseLinePublic:
        return cls(
            dose_number=line.dose_number,
            administered=line.administered,
            daily_target=line.daily_target,
            percent_of_target=line.percent_of_target,
            cumulative=line.cumulative,
            target_population=line.target_population,
            eligible=line.eligible,
            coverage_percent=line.coverage_percent,
            cumulative_target=line.cumulative_target,
            percent_of_cumulative_target=line.percent_of_cumulative_target,
        )


class DropoutPublic(BaseModel):
    first: int = Field(description="a dose number")
    then: int = Field(description="the next dose number")
    percent: float = Field(description="(cumulative first − cumulative then) ÷ first × 100")


class ReconciliationPublic(BaseModel):
    opening: int
    received: int
    issued: int
    administered: int
    wasted: int
    closing: int
    difference: int = Field(
        description="opening + received − issued − administered − wasted − closing"
    )
    flagged: bool = Field(description="true when the difference is not 0 (a count found it)")


class ProductDayPublic(BaseModel):
    product_id: int
    product_code: str
    reconciliation: ReconciliationPublic
    doses: list[DoseLinePublic]
    eligible: int | None
    dropouts: list[DropoutPublic]

    @classmethod
    def of(cls, day: ProductDay) -> ProductDayPublic:
        r = day.reconciliation
        return cls(
            product_id=day.product_id,
            product_code=day.product_code,
            reconciliation=ReconciliationPublic(
                opening=r.opening,
                received=r.received,
                issued=r.issued,
                administered=r.administered,
                wasted=r.wasted,
                closing=r.closing,
                difference=r.difference,
                flagged=r.flagged,
            ),
            doses=[DoseLinePublic.of(line) for line in day.doses],
            eligible=day.eligible,
            dropouts=[
                DropoutPublic(first=d.first, then=d.then, percent=d.percent) for d in day.dropouts
            ],
        )


class FacilityDayPublic(BaseModel):
    facility_id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    day_start: datetime = Field(description="the facility's local day, as UTC instants")
    day_end: datetime
    own: list[ProductDayPublic] = Field(description="at the facility itself")
    subtree: list[ProductDayPublic] = Field(description="at it and everywhere below it")

    @classmethod
    def of(cls, day: FacilityDay) -> FacilityDayPublic:
        return cls(
            facility_id=day.facility_id,
            code=day.code,
            name=day.name,
            level=day.level,
            parent_id=day.parent_id,
            day_start=day.start,
            day_end=day.end,
            own=[ProductDayPublic.of(p) for p in day.own],
            subtree=[ProductDayPublic.of(p) for p in day.subtree],
        )


class DailyDosesReportPublic(BaseModel):
    day: date
    flagged: list[str] = Field(description="facilities whose own reconciliation is off")
    facilities: list[FacilityDayPublic]

    @classmethod
    def of(cls, report: DailyDosesReport) -> DailyDosesReportPublic:
        return cls(
            day=report.day,
            flagged=list(report.flagged),
            facilities=[FacilityDayPublic.of(f) for f in report.facilities],
        )


CSV_COLUMNS = (
    "day",
    "facility",
    "level",
    "scope",
    "product",
    "dose_number",
    "administered",
    "daily_target",
    "percent_of_target",
    "cumulative",
    "target_population",
    "eligible",
    "coverage_percent",
    "cumulative_target",
    "opening",
    "received",
    "issued",
    "administered_all_doses",
    "wasted",
    "closing",
    "difference",
    "flagged",
)


def daily_doses_csv(report: DailyDosesReport) -> bytes:
    """The report as one CSV row per facility, scope (own | subtree), product and dose
    number; the product's reconciliation repeats on each of its rows (a product with stock
    but no doses given or targeted has one row with empty dose columns)."""
    return spreadsheet_csv(CSV_COLUMNS, _daily_doses_rows(report))


def _daily_doses_rows(report: DailyDosesReport) -> Iterator[tuple[object, ...]]:
    for facility in report.facilities:
        for scope, products in (("own", facility.own), ("subtree", facility.subtree)):
            for product in products:
                r = product.reconciliation
                stock = (
                    r.opening,
                    r.received,
                    r.issued,
                    r.administered,
                    r.wasted,
                    r.closing,
                    r.difference,
                    r.flagged,
                )
                head = (report.day, facility.code, facility.level, scope, product.product_code)
                for line in product.doses or (None,):
                    doses = (
                        (None,) * 9
                        if line is None
                        else (
                            line.dose_number,
                            line.administered,
                            line.daily_target,
                            line.percent_of_target,
                            line.cumulative,
                            line.target_population,
                            line.eligible,
                            line.coverage_percent,
                            line.cumulative_target,
                        )
                    )
                    yield (*head, *doses, *stock)


class WastageByReasonPublic(BaseModel):
    reason: str
    doses: int
    open_vial: bool = Field(description="wasted from an opened vial (else: a closed vial)")


class WastageFiguresPublic(BaseModel):
    product_id: int
    product_code: str
    administered: int
    wasted: int
    open_vial_wasted: int
    closed_vial_wasted: int
    used: int = Field(description="administered + wasted: the doses issued for use")
    usage_rate: float | None = Field(description="administered ÷ used × 100 (null: none used)")
    wastage_rate: float | None = Field(description="100 − usage rate")
    wastage_factor: float | None = Field(description="100 ÷ (100 − wastage rate)")
    by_reason: list[WastageByReasonPublic]

    @classmethod
    def of(cls, figures: WastageFigures) -> WastageFiguresPublic:
        return cls(
            product_id=figures.product_id,
            product_code=figures.product_code,
            administered=figures.administered,
            wasted=figures.wasted,
            open_vial_wasted=figures.open_vial_wasted,
            closed_vial_wasted=figures.closed_vial_wasted,
            used=figures.used,
            usage_rate=figures.usage_rate,
            wastage_rate=figures.wastage_rate,
            wastage_factor=figures.wastage_factor,
            by_reason=[
                WastageByReasonPublic(
                    reason=reason.value, doses=doses, open_vial=reason in OPEN_VIAL_REASONS
                )
                for reason, doses in figures.wasted_by_reason
            ],
        )


class FacilityWastagePublic(BaseModel):
    facility_id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    own: list[WastageFiguresPublic] = Field(description="at the facility itself")
    subtree: list[WastageFiguresPublic] = Field(description="at it and everywhere below it")


class WastageReportPublic(BaseModel):
    first: date
    last: date
    facilities: list[FacilityWastagePublic]

    @classmethod
    def of(cls, report: WastageReport) -> WastageReportPublic:
        return cls(
            first=report.first,
            last=report.last,
            facilities=[
                FacilityWastagePublic(
                    facility_id=f.facility_id,
                    code=f.code,
                    name=f.name,
                    level=f.level,
                    parent_id=f.parent_id,
                    own=[WastageFiguresPublic.of(p) for p in f.own],
                    subtree=[WastageFiguresPublic.of(p) for p in f.subtree],
                )
                for f in report.facilities
            ],
        )


WASTAGE_CSV_COLUMNS = (
    "first_day",
    "last_day",
    "facility",
    "name",
    "level",
    "scope",
    "product",
    "administered",
    "wasted",
    "open_vial_wasted",
    "closed_vial_wasted",
    "used",
    "usage_rate",
    "wastage_rate",
    "wastage_factor",
    *(f"wasted_{reason.value}" for reason in WastageReason),
)


def wastage_csv(report: WastageReport) -> bytes:
    """One row per facility, scope (own | subtree) and product."""
    return spreadsheet_csv(WASTAGE_CSV_COLUMNS, _wastage_rows(report))


def _wastage_rows(report: WastageReport) -> Iterator[tuple[object, ...]]:
    for f in report.facilities:
        for scope, products in (("own", f.own), ("subtree", f.subtree)):
            for p in products:
                reasons = dict(p.wasted_by_reason)
                yield (
                    report.first,
                    report.last,
                    f.code,
                    f.name,
                    f.level,
                    scope,
                    p.product_code,
                    p.administered,
                    p.wasted,
                    p.open_vial_wasted,
                    p.closed_vial_wasted,
                    p.used,
                    p.usage_rate,
                    p.wastage_rate,
                    p.wastage_factor,
                    *(reasons.get(reason, 0) for reason in WastageReason),
                )


Months = Annotated[
    float,
    Field(strict=True, ge=0, le=MAX_MONTHS, allow_inf_nan=False, description="months of stock"),
]


class StockLevelCreate(BaseModel):
    """Set (or replace) the minimum and maximum months of stock a facility should hold of a
    product; min_months ≤ max_months."""

    model_config = ConfigDict(extra="forbid")

    facility_id: BodyId
    product_id: BodyId
    min_months: Months
    max_months: Months

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.max_months < self.min_months:
            raise ValueError("max_months is below min_months")
        return self


class StockLevelPublic(BaseModel):
    id: int
    facility_id: int
    product_id: int
    min_months: float
    max_months: float
    set_by: str
    set_at: datetime

    @classmethod
    def of(cls, view: StockLevelView) -> StockLevelPublic:
        return cls(
            id=view.id,
            facility_id=view.facility_id,
            product_id=view.product_id,
            min_months=view.min_months,
            max_months=view.max_months,
            set_by=view.set_by,
            set_at=view.set_at,
        )


class ExpiringLotPublic(BaseModel):
    lot_id: int
    lot_number: str
    expiry: date
    doses: int = Field(description="usable doses of the lot in the subtree")
    doses_at_risk: int = Field(description="doses still left at expiry at the current rate")
    months_until_expiry: float


class ProductStockStatusPublic(BaseModel):
    product_id: int
    product_code: str
    on_hand: int = Field(description="usable doses at the facility itself")
    on_hand_in_subtree: int = Field(description="usable doses at it and below it")
    amc: float | None = Field(description="average monthly consumption of the subtree")
    months_of_stock: float | None = Field(description="on_hand ÷ amc")
    months_of_stock_in_subtree: float | None = Field(description="on_hand_in_subtree ÷ amc")
    min_months: float
    max_months: float
    levels_set: bool = Field(description="false: the facility level's default levels")
    status: str = Field(description="understock | adequate | overstock | unknown (no amc)")
    expiring: list[ExpiringLotPublic]

    @classmethod
    def of(cls, p: ProductStockStatus) -> ProductStockStatusPublic:
        return cls(
            product_id=p.product_id,
            product_code=p.product_code,
            on_hand=p.on_hand,
            on_hand_in_subtree=p.on_hand_in_subtree,
            amc=p.amc,
            months_of_stock=p.months_of_stock,
            months_of_stock_in_subtree=p.months_of_stock_in_subtree,
            min_months=p.min_months,
            max_months=p.max_months,
            levels_set=p.levels_set,
            status=p.status.value,
            expiring=[
                ExpiringLotPublic(
                    lot_id=r.lot.lot_id,
                    lot_number=r.lot.lot_number,
                    expiry=r.lot.expiry,
                    doses=r.lot.doses,
                    doses_at_risk=r.doses_at_risk,
                    months_until_expiry=r.months_until_expiry,
                )
                for r in p.expiring
            ],
        )


class FacilityStockStatusPublic(BaseModel):
    facility_id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    products: list[ProductStockStatusPublic]


class StockStatusReportPublic(BaseModel):
    on: date = Field(description="the report's day in the root facility's zone")
    understocked: list[str] = Field(description="'FACILITY/PRODUCT' of each understocked line")
    facilities: list[FacilityStockStatusPublic]

    @classmethod
    def of(cls, report: StockStatusReport) -> StockStatusReportPublic:
        return cls(
            on=report.on,
            understocked=[f"{f}/{p}" for f, p in report.understocked],
            facilities=[
                FacilityStockStatusPublic(
                    facility_id=f.facility_id,
                    code=f.code,
                    name=f.name,
                    level=f.level,
                    parent_id=f.parent_id,
                    products=[ProductStockStatusPublic.of(p) for p in f.products],
                )
                for f in report.facilities
            ],
        )


STOCK_STATUS_CSV_COLUMNS = (
    "day",
    "facility",
    "name",
    "level",
    "product",
    "on_hand",
    "on_hand_in_subtree",
    "amc",
    "months_of_stock",
    "months_of_stock_in_subtree",
    "min_months",
    "max_months",
    "status",
    "doses_expiring_unused",
)


def stock_status_csv(report: StockStatusReport) -> bytes:
    """One row per facility and product."""
    return spreadsheet_csv(
        STOCK_STATUS_CSV_COLUMNS,
        (
            (
                report.on,
                f.code,
                f.name,
                f.level,
                p.product_code,
                p.on_hand,
                p.on_hand_in_subtree,
                p.amc,
                p.months_of_stock,
                p.months_of_stock_in_subtree,
                p.min_months,
                p.max_months,
                p.status.value,
                sum(r.doses_at_risk for r in p.expiring),
            )
            for f in report.facilities
            for p in f.products
        ),
    )


class PerformancePublic(BaseModel):
    units: int
    observed_minutes: float = Field(description="minutes a reading vouches for")
    in_range_minutes: float
    above_minutes: float = Field(description="too hot: above the profile's range")
    below_minutes: float = Field(description="too cold: below the profile's range")
    unknown_minutes: float = Field(description="no reading vouches for them (shown apart)")
    time_in_range_percent: float | None = Field(description="in range ÷ observed × 100")
    mkt_c: float | None = Field(description="mean kinetic temperature over the period")
    excursions: int = Field(description="episodes that began in the period")
    alarms: int
    alarms_by_type: dict[str, int]
    median_ack_minutes: float | None = Field(description="alarm → acknowledgement, median")
    p90_ack_minutes: float | None = Field(description="alarm → acknowledgement, 90th pct")
    units_offline: int = Field(description="units with a SENSOR_OFFLINE alarm in the period")

    @classmethod
    def of(cls, p: Performance) -> PerformancePublic:
        return cls(
            units=p.units,
            observed_minutes=round(p.observed_minutes, 1),
            in_range_minutes=round(p.in_range_minutes, 1),
            above_minutes=round(p.above_minutes, 1),
            below_minutes=round(p.below_minutes, 1),
            unknown_minutes=round(p.unknown_minutes, 1),
            time_in_range_percent=p.time_in_range_percent,
            mkt_c=p.mkt_c,
            excursions=p.excursions,
            alarms=p.alarms,
            alarms_by_type=dict(p.alarms_by_type),
            median_ack_minutes=p.median_ack_minutes,
            p90_ack_minutes=p.p90_ack_minutes,
            units_offline=p.units_offline,
        )


class UnitPerformancePublic(BaseModel):
    unit: str
    facility: str
    figures: PerformancePublic


class FacilityPerformancePublic(BaseModel):
    facility: str
    own: PerformancePublic = Field(description="the facility's own storage units")
    subtree: PerformancePublic = Field(description="its units and every unit below it")


class ColdChainPerformancePublic(BaseModel):
    facility: str
    first: date
    last: date
    facilities: list[FacilityPerformancePublic] = Field(description="the facility first")
    units: list[UnitPerformancePublic]


PERFORMANCE_CSV_COLUMNS = (
    "first_day",
    "last_day",
    "scope",
    "facility",
    "unit",
    "units",
    "observed_minutes",
    "in_range_minutes",
    "above_minutes",
    "below_minutes",
    "unknown_minutes",
    "time_in_range_percent",
    "mkt_c",
    "excursions",
    "alarms",
    "alarms_by_type",
    "median_ack_minutes",
    "p90_ack_minutes",
    "units_offline",
)


def cold_chain_performance_csv(
    first: date,
    last: date,
    facilities: Sequence[FacilityPerformance],
    units: Sequence[UnitPerformance],
) -> bytes:
    """One row per facility and scope (own | subtree), then one per storage unit (scope
    unit); alarms by type as ``type=count`` pairs joined by ``;``."""
    rows: list[tuple[object, ...]] = []
    for f in facilities:
        rows.append((first, last, "own", f.facility, None, *_performance_cells(f.own)))
        rows.append((first, last, "subtree", f.facility, None, *_performance_cells(f.subtree)))
    for u in units:
        rows.append((first, last, "unit", u.facility, u.unit, *_performance_cells(u.figures)))
    return spreadsheet_csv(PERFORMANCE_CSV_COLUMNS, rows)


def _performance_cells(p: Performance) -> tuple[object, ...]:
    return (
        p.units,
        round(p.observed_minutes, 1),
        round(p.in_range_minutes, 1),
        round(p.above_minutes, 1),
        round(p.below_minutes, 1),
        round(p.unknown_minutes, 1),
        p.time_in_range_percent,
        p.mkt_c,
        p.excursions,
        p.alarms,
        ";".join(f"{kind}={count}" for kind, count in p.alarms_by_type),
        p.median_ack_minutes,
        p.p90_ack_minutes,
        p.units_offline,
    )


class EligiblePopulationCreate(BaseModel):
    """Set (or replace) the people a site should vaccinate with a product in a year."""

    model_config = ConfigDict(extra="forbid")

    facility_id: BodyId
    product_id: BodyId
    year: int = Field(strict=True, ge=1900, le=2199)
    population: Population


class EligiblePopulationPublic(BaseModel):
    id: int
    facility_id: int
    product_id: int
    year: int
    population: int
    set_by: str
    set_at: datetime

    @classmethod
    def of(cls, view: EligiblePopulationView) -> EligiblePopulationPublic:
        return cls(
            id=view.id,
            facility_id=view.facility_id,
            product_id=view.product_id,
            year=view.year,
            population=view.population,
            set_by=view.set_by,
            set_at=view.set_at,
        )
