"""Holds: why a lot may not be issued or administered here and now.

Invariant: a lot is expired from 00:00 local time (of the facility holding it) of the day
after its expiry date; VVM stage 3 or 4 is the discard point; a recalled lot is held
everywhere. Quarantined stock sits in its own account, so it is never a candidate at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from inventory.errors import LotOnHold

VVM_DISCARD_STAGE = 3
EXPIRY_WARNING_DAYS = (90, 60, 30)


class HoldReason(StrEnum):
    EXPIRED = "expired"
    VVM_DISCARD = "vvm_discard_point"
    QUARANTINED = "quarantined"
    RECALLED = "recalled"


@dataclass(frozen=True)
class LotStatus:
    """What the hold rules need to know about a lot."""

    lot_id: int
    lot_number: str
    expiry: date
    vvm_stage: int | None = None
    recalled: bool = False


def expires_at(expiry: date, tz: ZoneInfo) -> datetime:
    """The first instant (aware, in ``tz``) at which a lot with this expiry date is expired."""
    return datetime.combine(expiry + timedelta(days=1), time(0), tzinfo=tz)


def is_expired(expiry: date, at: datetime, tz: ZoneInfo) -> bool:
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return at.astimezone(tz).date() > expiry


def lot_holds(lot: LotStatus, at: datetime, tz: ZoneInfo) -> tuple[HoldReason, ...]:
    """Every reason the lot cannot be issued at ``at`` in a facility on ``tz``."""
    reasons: list[HoldReason] = []
    if lot.recalled:
        reasons.append(HoldReason.RECALLED)
    if is_expired(lot.expiry, at, tz):
        reasons.append(HoldReason.EXPIRED)
    if lot.vvm_stage is not None and lot.vvm_stage >= VVM_DISCARD_STAGE:
        reasons.append(HoldReason.VVM_DISCARD)
    return tuple(reasons)


def describe_holds(lot: LotStatus, reasons: tuple[HoldReason, ...], tz: ZoneInfo) -> str:
    parts: list[str] = []
    for reason in reasons:
        if reason is HoldReason.EXPIRED:
            since = expires_at(lot.expiry, tz).isoformat()
            parts.append(f"expired on {lot.expiry.isoformat()} (held from {since})")
        elif reason is HoldReason.VVM_DISCARD:
            parts.append(f"VVM stage {lot.vvm_stage} is at the discard point")
        elif reason is HoldReason.RECALLED:
            parts.append("recalled")
        else:
            parts.append("quarantined")
    return "; ".join(parts)


def require_issuable(lot: LotStatus, at: datetime, tz: ZoneInfo, action: str) -> None:
    """Raise ``LotOnHold`` naming every reason if the lot cannot be ``action``-ed now."""
    reasons = lot_holds(lot, at, tz)
    if reasons:
        raise LotOnHold(
            f"lot {lot.lot_number} cannot be {action}: {describe_holds(lot, reasons, tz)}",
            tuple(r.value for r in reasons),
        )


def expiry_warning(
    expiry: date, at: datetime, tz: ZoneInfo, thresholds: tuple[int, ...] = EXPIRY_WARNING_DAYS
) -> int | None:
    """The tightest warning threshold (days) the lot has crossed, None if none or expired."""
    days_left = (expiry - at.astimezone(tz).date()).days
    if days_left < 0:
        return None
    crossed = [t for t in thresholds if days_left <= t]
    return min(crossed) if crossed else None
