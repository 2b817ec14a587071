"""Read side: stock on hand (usable and held apart, in doses and vials, in transit apart),
the stock card with its running balance, and storage history intervals.

``narrow_to_lot`` keeps one lot of a stock answer and recomputes its product total, so that
a look-up by lot (or by scan) still adds up: total = the lot's lines + its transit.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from pydantic import BaseModel, Field

from inventory.queries import (
    Balances,
    ProductTotal,
    Quantity,
    StockCard,
    StockCardEntry,
    StockLine,
    StockOnHand,
    StorageInterval,
    TransitLine,
)


def _quantity(doses: int, doses_per_vial: int) -> Quantity:
    return Quantity(doses, doses // doses_per_vial, doses % doses_per_vial)


def narrow_to_lot(stock: StockOnHand, lot_id: int, doses_per_vial: int) -> StockOnHand:
    lines = tuple(line for line in stock.lines if line.lot_id == lot_id)
    transit = tuple(t for t in stock.in_transit if t.lot_id == lot_id)
    first = lines[0] if lines else transit[0] if transit else None
    totals: tuple[ProductTotal, ...] = ()
    if first is not None:
        usable = sum(line.usable.doses for line in lines)
        held = sum(line.held.doses for line in lines)
        moving = sum(t.in_transit.doses for t in transit)
        totals = (
            ProductTotal(
                first.product_id,
                first.product_code,
                _quantity(usable, doses_per_vial),
                _quantity(held, doses_per_vial),
                _quantity(moving, doses_per_vial),
            ),
        )
    return dataclasses.replace(stock, lines=lines, in_transit=transit, totals=totals)


class QuantityPublic(BaseModel):
    doses: int
    vials: int = Field(description="full vials")
    loose_doses: int = Field(description="doses beyond the full vials (an opened vial's rest)")

    @classmethod
    def of(cls, quantity: Quantity) -> QuantityPublic:
        return cls(doses=quantity.doses, vials=quantity.vials, loose_doses=quantity.loose_doses)


class StockLinePublic(BaseModel):
    product_id: int
    product_code: str
    lot_id: int
    lot_number: str
    expiry: date
    usable: QuantityPublic
    held: QuantityPublic = Field(description="quarantined: DO NOT USE, still in the unit")
    holds: list[str] = Field(description="why the usable doses cannot be issued now")
    facility_id: int | None = None
    storage_unit_id: int | None = None

    @classmethod
    def of(cls, line: StockLine) -> StockLinePublic:
        return cls(
            product_id=line.product_id,
            product_code=line.product_code,
            lot_id=line.lot_id,
            lot_number=line.lot_number,
            expiry=line.expiry,
            usable=QuantityPublic.of(line.usable),
            held=QuantityPublic.of(line.held),
            holds=list(line.holds),
            facility_id=line.facility_id,
            storage_unit_id=line.storage_unit_id,
        )


class TransitLinePublic(BaseModel):
    shipment_id: int
    origin_facility_id: int
    destination_facility_id: int
    dispatched_at: datetime | None
    product_id: int
    product_code: str
    lot_id: int
    lot_number: str
    expiry: date
    in_transit: QuantityPublic
    returning: bool = Field(
        default=False,
        description="a refused shipment on its way back to its origin (the scope), not yet"
        " received back",
    )

    @classmethod
    def of(cls, line: TransitLine) -> TransitLinePublic:
        return cls(
            shipment_id=line.shipment_id,
            origin_facility_id=line.origin_facility_id,
            destination_facility_id=line.destination_facility_id,
            dispatched_at=line.dispatched_at,
            product_id=line.product_id,
            product_code=line.product_code,
            lot_id=line.lot_id,
            lot_number=line.lot_number,
            expiry=line.expiry,
            in_transit=QuantityPublic.of(line.in_transit),
            returning=line.returning,
        )


class ProductTotalPublic(BaseModel):
    product_id: int
    product_code: str
    usable: QuantityPublic
    held: QuantityPublic
    in_transit: QuantityPublic

    @classmethod
    def of(cls, total: ProductTotal) -> ProductTotalPublic:
        return cls(
            product_id=total.product_id,
            product_code=total.product_code,
            usable=QuantityPublic.of(total.usable),
            held=QuantityPublic.of(total.held),
            in_transit=QuantityPublic.of(total.in_transit),
        )


class StockPublic(BaseModel):
    scope: str
    at: datetime
    lines: list[StockLinePublic]
    in_transit: list[TransitLinePublic] = Field(
        description="bound for the scope, per shipment (refused ones coming back: returning)"
    )
    totals: list[ProductTotalPublic]

    @classmethod
    def of(cls, stock: StockOnHand) -> StockPublic:
        return cls(
            scope=stock.scope,
            at=stock.at,
            lines=[StockLinePublic.of(line) for line in stock.lines],
            in_transit=[TransitLinePublic.of(t) for t in stock.in_transit],
            totals=[ProductTotalPublic.of(t) for t in stock.totals],
        )


class BalancesPublic(BaseModel):
    usable: int
    held: int
    physical: int

    @classmethod
    def of(cls, balances: Balances) -> BalancesPublic:
        return cls(usable=balances.usable, held=balances.held, physical=balances.physical)


class StockCardEntryPublic(BaseModel):
    movement_id: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    user: str
    lot_id: int
    lot_number: str
    usable_change: int
    held_change: int
    balance: BalancesPublic = Field(description="after this entry")
    counterparty: str = Field(description="where the doses came from or went to")
    reason: str | None
    reference: str | None
    shipment_id: int | None
    reverses_movement_id: int | None

    @classmethod
    def of(cls, entry: StockCardEntry) -> StockCardEntryPublic:
        return cls(
            movement_id=entry.movement_id,
            kind=entry.kind,
            occurred_at=entry.occurred_at,
            recorded_at=entry.recorded_at,
            user=entry.user,
            lot_id=entry.lot_id,
            lot_number=entry.lot_number,
            usable_change=entry.usable_change,
            held_change=entry.held_change,
            balance=BalancesPublic.of(entry.balance),
            counterparty=entry.counterparty,
            reason=entry.reason,
            reference=entry.reference,
            shipment_id=entry.shipment_id,
            reverses_movement_id=entry.reverses_movement_id,
        )


class StockCardPublic(BaseModel):
    scope: str
    product_id: int | None
    lot_id: int | None
    start: datetime | None
    end: datetime | None
    opening: BalancesPublic
    entries: list[StockCardEntryPublic]
    closing: BalancesPublic

    @classmethod
    def of(cls, card: StockCard) -> StockCardPublic:
        return cls(
            scope=card.scope,
            product_id=card.product_id,
            lot_id=card.lot_id,
            start=card.start,
            end=card.end,
            opening=BalancesPublic.of(card.opening),
            entries=[StockCardEntryPublic.of(e) for e in card.entries],
            closing=BalancesPublic.of(card.closing),
        )


class StorageIntervalPublic(BaseModel):
    storage_unit_id: int
    lot_id: int
    product_id: int
    lot_number: str
    doses: int = Field(description="physical doses (usable + held) in the unit")
    start: datetime = Field(description="inclusive")
    end: datetime = Field(description="exclusive")

    @classmethod
    def of(cls, interval: StorageInterval) -> StorageIntervalPublic:
        return cls(
            storage_unit_id=interval.storage_unit_id,
            lot_id=interval.lot_id,
            product_id=interval.product_id,
            lot_number=interval.lot_number,
            doses=interval.doses,
            start=interval.start,
            end=interval.end,
        )
