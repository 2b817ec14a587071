"""Accounts: the locations a dose can be in, real (storage units) or pseudo (the outside world).

Invariant: an account is identified by its ``key`` (one row per key); only real stock
accounts (a unit's usable stock, its quarantine, a shipment in transit, a refused shipment on
its way back) are ``nonnegative``,
and the database refuses a negative balance on those.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AccountKind(StrEnum):
    STOCK = "stock"  # usable stock in a storage unit
    QUARANTINE = "quarantine"  # held "DO NOT USE" stock, physically still in the unit
    IN_TRANSIT = "in_transit"  # one per shipment
    # one per refused shipment: on the road back to the sender, who owns the doses again
    IN_TRANSIT_RETURNED = "in_transit_returned"
    SUPPLIER = "supplier"  # per receiving facility; goes negative by what it delivered
    ADMINISTERED = "administered"  # per facility
    WASTED = "wasted"  # per facility and reason
    ADJUSTMENT = "adjustment"  # per facility: count differences, excess and unknown lots


class WastageReason(StrEnum):
    EXPIRED = "expired"
    TEMPERATURE_DAMAGE = "temperature_damage"
    BROKEN = "broken"
    VVM = "vvm"
    OPENED_VIAL_DISCARDED = "opened_vial_discarded"
    LOST = "lost"
    RECALL = "recall"


NONNEGATIVE_KINDS = frozenset(
    {
        AccountKind.STOCK,
        AccountKind.QUARANTINE,
        AccountKind.IN_TRANSIT,
        AccountKind.IN_TRANSIT_RETURNED,
    }
)
ON_THE_ROAD_KINDS = frozenset({AccountKind.IN_TRANSIT, AccountKind.IN_TRANSIT_RETURNED})
PHYSICAL_KINDS = frozenset({AccountKind.STOCK, AccountKind.QUARANTINE})


@dataclass(frozen=True, order=True)
class AccountRef:
    """Names an account without its database id; ``key`` is its unique natural key."""

    kind: AccountKind
    storage_unit_id: int | None = None
    facility_id: int | None = None
    shipment_id: int | None = None
    reason: WastageReason | None = None

    @property
    def key(self) -> str:
        if self.kind in PHYSICAL_KINDS:
            return f"{self.kind.value}:u{self.storage_unit_id}"
        if self.kind in ON_THE_ROAD_KINDS:
            return f"{self.kind.value}:s{self.shipment_id}"
        if self.kind is AccountKind.WASTED:
            assert self.reason is not None
            return f"{self.kind.value}:f{self.facility_id}:{self.reason.value}"
        return f"{self.kind.value}:f{self.facility_id}"

    @property
    def nonnegative(self) -> bool:
        return self.kind in NONNEGATIVE_KINDS


def stock(unit_id: int, facility_id: int) -> AccountRef:
    return AccountRef(AccountKind.STOCK, storage_unit_id=unit_id, facility_id=facility_id)


def quarantine(unit_id: int, facility_id: int) -> AccountRef:
    return AccountRef(AccountKind.QUARANTINE, storage_unit_id=unit_id, facility_id=facility_id)


def in_transit(shipment_id: int) -> AccountRef:
    return AccountRef(AccountKind.IN_TRANSIT, shipment_id=shipment_id)


def in_transit_returned(shipment_id: int) -> AccountRef:
    """A refused shipment on its way back to the sender (until the sender receives it)."""
    return AccountRef(AccountKind.IN_TRANSIT_RETURNED, shipment_id=shipment_id)


def supplier(facility_id: int) -> AccountRef:
    return AccountRef(AccountKind.SUPPLIER, facility_id=facility_id)


def administered(facility_id: int) -> AccountRef:
    return AccountRef(AccountKind.ADMINISTERED, facility_id=facility_id)


def wasted(facility_id: int, reason: WastageReason) -> AccountRef:
    return AccountRef(AccountKind.WASTED, facility_id=facility_id, reason=reason)


def adjustment(facility_id: int) -> AccountRef:
    return AccountRef(AccountKind.ADJUSTMENT, facility_id=facility_id)
