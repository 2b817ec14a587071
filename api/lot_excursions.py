"""The excursions of a lot trace (domain rule 19): every excursion episode that overlapped
the lot's stay in a storage unit, as one frozen value per (stay, episode).

The ledger knows the stays, the alarms package the episodes, and neither imports the
other, so the join is the composition root's (``coldchain.alarms_to_trace``); the trace
route asks ``ApiDeps.lot_excursions``, any object with ``for_lot(lot_id)``.

Invariant: unknown is never shown as "none". Without a wired look-up the trace answers
``excursions: null``, not ``[]``; an empty list means the stays were checked and no episode
overlapped them. Stays and episodes are half-open ``[start, end)``: a lot that left at the
instant an episode opened, or arrived at the instant it closed, was not in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FiredAlarm:
    """An alarm or warning raised while the episode was open."""

    key: str
    rule: str  # the rule id, e.g. who-heat
    severity: str  # warning | alarm
    raised_at: datetime  # device time the rule fired


@dataclass(frozen=True, slots=True)
class LotExcursion:
    """One excursion episode seen from one stay of the lot in one storage unit."""

    facility_id: int
    facility: str  # facility code
    storage_unit_id: int
    unit: str  # storage unit code
    stay_from: datetime  # the lot's stay in the unit (physical: usable + held)
    stay_to: datetime | None  # None: the lot is still there
    doses: int  # every dose of the lot that was in the unit at some moment of the episode
    episode_id: int
    episode_key: str
    profile: str
    range_low_c: float | None  # the profile's range; None for a profile not known here
    range_high_c: float | None
    direction: str  # above | below (the reading that opened it)
    start: datetime
    end: datetime | None  # None: still open (statistics are None until it closes)
    minutes_above: float | None
    minutes_below: float | None
    unknown_minutes: float | None
    min_c: float | None
    max_c: float | None
    mkt_c: float | None
    alarms: tuple[FiredAlarm, ...]  # oldest first
    # Doses of the lot the ledger quarantined citing this episode (or one of its alarms) as
    # the reference, net of reversals; a later release does not subtract (it was held for
    # it); 0 when it quarantined nothing of the lot.
    quarantined_doses: int

    @property
    def open(self) -> bool:
        return self.end is None

    @property
    def quarantined(self) -> bool:
        return self.quarantined_doses > 0


class LotExcursions(Protocol):
    def for_lot(self, lot_id: int) -> list[LotExcursion]:
        """Every (stay, episode) of the lot, by episode start then unit code."""
        ...
