"""Expiry, run by the scheduler: expired stock held everywhere, and the holders to warn.

Invariants: a lot is expired from 00:00 local time (the holding facility's zone) of the day
after its expiry date (``domain.holds.expires_at``); the hold rules already refuse to issue
or administer it from that instant, and ``hold_expired_stock`` also moves the usable doses
into the unit's quarantine with the reason ``expired``, so stock reports show them held. It is
idempotent: a second run finds no usable expired doses left and posts nothing. Warnings are
due at 90, 60 and 30 days before expiry (``domain.holds.EXPIRY_WARNING_DAYS``) to every
facility holding usable doses; the caller makes each (lot, facility, threshold) warning once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from inventory import models as m
from inventory.commands import QuarantineStock
from inventory.domain.holds import EXPIRY_WARNING_DAYS, expires_at, expiry_warning
from inventory.results import MovementView
from inventory.services.holds import quarantine_stock
from inventory.unit_of_work import UnitOfWork

EXPIRY_USER = "expiry job"
EXPIRED_REASON = "expired"


@dataclass(frozen=True)
class UsableStock:
    """Usable doses of one lot in one storage unit, with where and when it expires."""

    facility_id: int
    facility_code: str
    storage_unit_id: int
    storage_unit_code: str
    lot_id: int
    lot_number: str
    product_code: str
    expiry: date
    doses: int
    expires_at: datetime  # in the facility's zone


@dataclass(frozen=True)
class ExpiryWarning:
    """A facility holds usable doses of a lot that expires within ``threshold_days``."""

    facility_code: str
    lot_id: int
    lot_number: str
    product_code: str
    expiry: date
    threshold_days: int
    days_left: int
    doses: int


def usable_stock_expiring_by(uow: UnitOfWork, last_expiry: date) -> list[UsableStock]:
    """Usable doses of every lot whose expiry date is on or before ``last_expiry``."""
    b, a, u, f, lot, p = m.Balance, m.Account, m.StorageUnit, m.Facility, m.Lot, m.Product
    with uow:
        rows = uow.session.execute(
            select(
                f.id,
                f.code,
                f.timezone,
                u.id,
                u.code,
                lot.id,
                lot.lot_number,
                p.code,
                lot.expiry,
                b.doses,
            )
            .join(a, a.id == b.account_id)
            .join(u, u.id == a.storage_unit_id)
            .join(f, f.id == u.facility_id)
            .join(lot, lot.id == b.lot_id)
            .join(p, p.id == lot.product_id)
            .where(a.kind == "stock", b.doses > 0, lot.expiry <= last_expiry)
            .order_by(f.code, u.code, lot.expiry, lot.lot_number)
        ).all()
    return [
        UsableStock(
            fid,
            fcode,
            uid,
            ucode,
            lid,
            number,
            product,
            expiry,
            int(doses),
            expires_at(expiry, ZoneInfo(zone)),
        )
        for fid, fcode, zone, uid, ucode, lid, number, product, expiry, doses in rows
    ]


def hold_expired_stock(uow: UnitOfWork, now: datetime) -> list[MovementView]:
    """Quarantine, as ``expired``, the usable doses of every lot expired at ``now`` where
    they are (one movement per unit and lot); returns the movements posted."""
    posted = []
    # a lot expired anywhere has an expiry date before tomorrow in the easternmost zone
    for stock in usable_stock_expiring_by(uow, (now + timedelta(days=1)).date()):
        if stock.expires_at > now:
            continue
        posted.append(
            quarantine_stock(
                uow,
                QuarantineStock(
                    stock.storage_unit_id,
                    EXPIRED_REASON,
                    EXPIRY_USER,
                    f"expired:u{stock.storage_unit_id}:l{stock.lot_id}:{stock.doses}:{now:%Y%m%d}",
                    lot_id=stock.lot_id,
                    reference=f"expired {stock.expiry.isoformat()}",
                ),
            )
        )
    return posted


def expiry_warnings(
    uow: UnitOfWork, now: datetime, thresholds: tuple[int, ...] = EXPIRY_WARNING_DAYS
) -> list[ExpiryWarning]:
    """Per facility and lot, the tightest threshold crossed by a lot it holds usable doses
    of (doses summed over its units); lots already expired there are not warned about."""
    due: dict[tuple[str, int], ExpiryWarning] = {}
    for stock in usable_stock_expiring_by(uow, (now + timedelta(days=max(thresholds) + 1)).date()):
        zone = stock.expires_at.tzinfo
        assert isinstance(zone, ZoneInfo)
        threshold = expiry_warning(stock.expiry, now, zone, thresholds)
        if threshold is None or stock.expires_at <= now:
            continue
        days_left = (stock.expiry - now.astimezone(zone).date()).days
        key = (stock.facility_code, stock.lot_id)
        before = due.get(key)
        doses = stock.doses + (before.doses if before else 0)
        due[key] = ExpiryWarning(
            stock.facility_code,
            stock.lot_id,
            stock.lot_number,
            stock.product_code,
            stock.expiry,
            threshold,
            days_left,
            doses,
        )
    return list(due.values())
