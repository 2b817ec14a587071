"""How long records are kept: at least three years, and at least five years after the expiry
of every lot they concern, whichever is later (domain rule 18).

A record made at ``t`` about lots ``L`` may be deleted from ``max(t + 3 years, max(expiry of
L) + 5 years)`` on, never before. The ledger (movements, administrations) and the alarms are
never deleted by coldchain at all (kept at least that long: indefinitely); what is purged is
the bulk of raw temperature readings, once outside every lot's horizon.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

KEEP_YEARS = 3
AFTER_EXPIRY_YEARS = 5


def years_before(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` calendar years earlier (29 February → 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def oldest_kept(now: datetime) -> datetime:
    """Records made at or after this instant are inside the three-year minimum."""
    return years_before(now, KEEP_YEARS)


def last_protected_expiry(now: datetime) -> date:
    """Lots that expire on or after this day still protect their records at ``now``."""
    day = now.date() - timedelta(days=1)
    try:
        return day.replace(year=day.year - AFTER_EXPIRY_YEARS)
    except ValueError:
        return day.replace(year=day.year - AFTER_EXPIRY_YEARS, day=28)


def protects(expiry: date, now: datetime) -> bool:
    """Whether a lot with this expiry date still protects the records about it at ``now``:
    until the end of its expiry date plus five years (a day's margin for time zones)."""
    try:
        until = expiry.replace(year=expiry.year + AFTER_EXPIRY_YEARS)
    except ValueError:
        until = expiry.replace(year=expiry.year + AFTER_EXPIRY_YEARS, day=28)
    return now.date() <= until + timedelta(days=1)
