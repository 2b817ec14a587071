"""The lot trace: where a lot went (facilities in shipment order, their units), shipments
with discrepancies, doses administered, wastage, held stock, state, the conservation line
and every excursion that overlapped the lot's stay in a unit; or, for a lot number that
several lots share, the candidates to choose from.

``kind`` tells the two answers of ``GET /trace`` apart: ``"trace"`` or ``"candidates"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.lot_excursions import LotExcursion
from api.schemas.lots import LotPublic
from api.schemas.shipments import DecisionPublic, DiscrepancyPublic
from api.schemas.transit import JourneyRecordPublic
from api.transport_records import TransportRecord
from inventory.queries import (
    Conservation,
    LotCandidates,
    LotTrace,
    TraceFacility,
    TraceShipment,
    TraceUnit,
)


class TraceUnitPublic(BaseModel):
    storage_unit_id: int
    code: str
    usable: int
    held: int
    doses_in: int
    doses_out: int
    first_in: datetime | None
    last_movement: datetime | None

    @classmethod
    def of(cls, unit: TraceUnit) -> TraceUnitPublic:
        return cls(
            storage_unit_id=unit.storage_unit_id,
            code=unit.code,
            usable=unit.usable,
            held=unit.held,
            doses_in=unit.doses_in,
            doses_out=unit.doses_out,
            first_in=unit.first_in,
            last_movement=unit.last_movement,
        )


class WastePublic(BaseModel):
    reason: str
    doses: int


class TraceFacilityPublic(BaseModel):
    facility_id: int
    code: str
    name: str
    level: str
    received_from: list[int] = Field(description="facilities that shipped the lot here")
    shipped_to: list[int]
    received_from_supplier: int
    received_by_shipment: int
    dispatched: int
    administered: int
    wasted: list[WastePublic]
    adjusted: int
    usable: int
    held: int
    first_in: datetime | None
    last_movement: datetime | None
    units: list[TraceUnitPublic]

    @classmethod
    def of(cls, f: TraceFacility) -> TraceFacilityPublic:
        return cls(
            facility_id=f.facility_id,
            code=f.code,
            name=f.name,
            level=f.level,
            received_from=list(f.received_from),
            shipped_to=list(f.shipped_to),
            received_from_supplier=f.received_from_supplier,
            received_by_shipment=f.received_by_shipment,
            dispatched=f.dispatched,
            administered=f.administered,
            wasted=[WastePublic(reason=r, doses=d) for r, d in f.wasted],
            adjusted=f.adjusted,
            usable=f.usable,
            held=f.held,
            first_in=f.first_in,
            last_movement=f.last_movement,
            units=[TraceUnitPublic.of(u) for u in f.units],
        )


class TraceShipmentPublic(BaseModel):
    shipment_id: int
    origin_facility_id: int
    origin_code: str
    destination_facility_id: int
    destination_code: str
    status: str
    dispatched: int
    received: int | None
    dispatched_at: datetime | None
    received_at: datetime | None
    discrepancies: list[DiscrepancyPublic]
    loggers: list[str] = Field(default=[], description="the loggers that travelled with it")
    decision: DecisionPublic | None = Field(
        default=None, description="the receiver's decision on the transport record"
    )
    transport: JourneyRecordPublic | None = Field(
        default=None,
        description="the journey's transport record in short (rule 27); null when it has"
        " none here (not dispatched, or no telemetry known to this server)",
    )
    refused_at: datetime | None = Field(
        default=None, description="refused by the receiver: its doses went back on the road"
    )
    returned: int | None = Field(
        default=None, description="doses of the lot the sender received back (held)"
    )
    returned_at: datetime | None = None

    @classmethod
    def of(cls, s: TraceShipment, record: TransportRecord | None = None) -> TraceShipmentPublic:
        return cls(
            transport=None if record is None else JourneyRecordPublic.of(record),
            loggers=list(s.loggers),
            decision=DecisionPublic.of(s.decision),
            shipment_id=s.shipment_id,
            origin_facility_id=s.origin_facility_id,
            origin_code=s.origin_code,
            destination_facility_id=s.destination_facility_id,
            destination_code=s.destination_code,
            status=s.status,
            dispatched=s.dispatched,
            received=s.received,
            dispatched_at=s.dispatched_at,
            received_at=s.received_at,
            discrepancies=[DiscrepancyPublic.of(d) for d in s.discrepancies],
            refused_at=s.refused_at,
            returned=s.returned,
            returned_at=s.returned_at,
        )


class ConservationPublic(BaseModel):
    """received_from_supplier = on_hand + in_transit + administered + wasted + adjusted."""

    received_from_supplier: int
    usable: int
    held: int
    on_hand: int
    in_transit: int
    administered: int
    wasted: int
    adjusted: int = Field(description="count differences; doses found on receipt are negative")
    projection_matches: bool
    balanced: bool

    @classmethod
    def of(cls, c: Conservation) -> ConservationPublic:
        return cls(
            received_from_supplier=c.received_from_supplier,
            usable=c.usable,
            held=c.held,
            on_hand=c.on_hand,
            in_transit=c.in_transit,
            administered=c.administered,
            wasted=c.wasted,
            adjusted=c.adjusted,
            projection_matches=c.projection_matches,
            balanced=c.balanced,
        )


class AdministeredPublic(BaseModel):
    facility_id: int
    doses: int


class HeldPublic(BaseModel):
    facility_id: int
    storage_unit_id: int
    doses: int


class FiredAlarmPublic(BaseModel):
    key: str
    rule: str = Field(description="the rule id, e.g. who-heat")
    severity: str = Field(description="warning | alarm")
    raised_at: datetime = Field(description="device time the rule fired")


class TraceExcursionPublic(BaseModel):
    """One excursion episode that overlapped one stay of the lot in a storage unit."""

    facility_id: int
    facility: str = Field(description="facility code")
    storage_unit_id: int
    unit: str = Field(description="storage unit code")
    stay_from: datetime = Field(description="the lot's stay in the unit, [from, to)")
    stay_to: datetime | None = Field(description="null: the lot is still there")
    doses: int = Field(description="doses of the lot in the unit at some moment of the episode")
    episode_id: int
    episode_key: str
    profile: str
    range_low_c: float | None
    range_high_c: float | None
    direction: str = Field(description="above | below: the reading that opened it")
    start: datetime
    end: datetime | None = Field(description="null: still open (statistics null until closed)")
    open: bool
    minutes_above: float | None = Field(description="covered minutes above the range")
    minutes_below: float | None = Field(description="covered minutes below the range")
    unknown_minutes: float | None = Field(description="sensor gaps during the episode")
    min_c: float | None
    max_c: float | None
    mkt_c: float | None = Field(description="mean kinetic temperature over the episode")
    alarms: list[FiredAlarmPublic] = Field(description="raised while it was open, oldest first")
    quarantined: bool = Field(description="the ledger quarantined doses of the lot for it")
    quarantined_doses: int = Field(
        description="doses of the lot the ledger quarantined citing the episode or one of its"
        " alarms, net of reversals (a later release does not subtract)"
    )

    @classmethod
    def of(cls, x: LotExcursion) -> TraceExcursionPublic:
        return cls(
            facility_id=x.facility_id,
            facility=x.facility,
            storage_unit_id=x.storage_unit_id,
            unit=x.unit,
            stay_from=x.stay_from,
            stay_to=x.stay_to,
            doses=x.doses,
            episode_id=x.episode_id,
            episode_key=x.episode_key,
            profile=x.profile,
            range_low_c=x.range_low_c,
            range_high_c=x.range_high_c,
            direction=x.direction,
            start=x.start,
            end=x.end,
            open=x.open,
            minutes_above=x.minutes_above,
            minutes_below=x.minutes_below,
            unknown_minutes=x.unknown_minutes,
            min_c=x.min_c,
            max_c=x.max_c,
            mkt_c=x.mkt_c,
            alarms=[
                FiredAlarmPublic(key=a.key, rule=a.rule, severity=a.severity, raised_at=a.raised_at)
                for a in x.alarms
            ],
            quarantined=x.quarantined,
            quarantined_doses=x.quarantined_doses,
        )


class TracePublic(BaseModel):
    kind: Literal["trace"] = "trace"
    lot: LotPublic
    state: str = Field(description="active, expired, recalled, depleted or vvm_discard_point")
    holds: list[str]
    roots: list[int] = Field(description="facilities that received the lot from the supplier")
    facilities: list[TraceFacilityPublic] = Field(description="depth-first along shipments")
    shipments: list[TraceShipmentPublic]
    administered_by_facility: list[AdministeredPublic]
    wastage_by_reason: list[WastePublic]
    held_now: list[HeldPublic] = Field(description="quarantined doses, per unit")
    conservation: ConservationPublic
    excursions: list[TraceExcursionPublic] | None = Field(
        default=None,
        description="every excursion that overlapped the lot's stay in a unit, by start;"
        " null when the alarms are not known to this server ([] means none overlapped)",
    )

    @classmethod
    def of(
        cls,
        t: LotTrace,
        excursions: list[LotExcursion] | None = None,
        journeys: Mapping[int, TransportRecord] | None = None,
    ) -> TracePublic:
        journeys = journeys or {}
        return cls(
            lot=LotPublic.of(t.lot, t.product_code),
            state=t.state,
            holds=list(t.holds),
            roots=list(t.roots),
            facilities=[TraceFacilityPublic.of(f) for f in t.facilities],
            shipments=[TraceShipmentPublic.of(s, journeys.get(s.shipment_id)) for s in t.shipments],
            administered_by_facility=[
                AdministeredPublic(facility_id=f, doses=d) for f, d in t.administered_by_facility
            ],
            wastage_by_reason=[WastePublic(reason=r, doses=d) for r, d in t.wastage_by_reason],
            held_now=[
                HeldPublic(facility_id=f, storage_unit_id=u, doses=d) for f, u, d in t.held_now
            ],
            conservation=ConservationPublic.of(t.conservation),
            excursions=None
            if excursions is None
            else [TraceExcursionPublic.of(x) for x in excursions],
        )


class LotCandidatePublic(BaseModel):
    lot_id: int
    product_id: int
    product_code: str
    lot_number: str
    expiry: str


class CandidatesPublic(BaseModel):
    """Several lots share the number: trace one of them by id (or give product_id/gtin)."""

    kind: Literal["candidates"] = "candidates"
    lot_number: str
    candidates: list[LotCandidatePublic]

    @classmethod
    def of(cls, found: LotCandidates) -> CandidatesPublic:
        return cls(
            lot_number=found.lot_number,
            candidates=[
                LotCandidatePublic(
                    lot_id=c.lot_id,
                    product_id=c.product_id,
                    product_code=c.product_code,
                    lot_number=c.lot_number,
                    expiry=c.expiry,
                )
                for c in found.candidates
            ],
        )
