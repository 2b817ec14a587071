"""Where the ledger meets the alarms for the lot trace (domain rule 19): every excursion
episode that overlapped one of the lot's stays in a storage unit (``api.lot_excursions``).

Data flow: ``lot_storage_history`` (the lot's physical intervals, usable + held) → stays
(contiguous intervals in one unit) → ``AlarmQueries.episodes_overlapping(unit code, stay)``
→ per (stay, episode) a ``LotExcursion`` with the episode's statistics, the alarms raised
while it was open, the lot's doses in the unit during it, and the doses the ledger
quarantined with the episode or one of its alarms as reference (the unit's stock card).

Invariants: stays and episodes are half-open ``[start, end)``, as in exposure
(``coldchain.ports``): a lot that left as an episode opened, or arrived as it closed, was not
in it. Nothing here writes; an episode of a unit code the ledger does not know is never
reached (episodes are looked up by the codes of the lot's own units).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from api.lot_excursions import FiredAlarm, LotExcursion
from coldchain.ports import exposed_doses
from ingest.alarms.exposure import freeze_reference
from ingest.alarms.queries import AlarmQueries
from ingest.alarms.views import EpisodeView
from ingest.detect.profiles import PROFILES
from inventory.queries import get_facility, get_storage_unit, stock_card
from inventory.queries.history import StorageInterval, lot_storage_history
from inventory.unit_of_work import UnitOfWork, utc_now

# Movements may be dated a little ahead of the ledger's clock (its clock-skew allowance):
# the history runs to now + this, and a stay that reaches it is "still there".
HORIZON = timedelta(days=1)


@dataclass(frozen=True)
class Stay:
    """The lot in one unit without a break: contiguous intervals, oldest first."""

    storage_unit_id: int
    start: datetime
    end: datetime
    intervals: tuple[StorageInterval, ...]


def stays(intervals: Sequence[StorageInterval]) -> list[Stay]:
    """The intervals of one lot grouped into stays: per unit, an interval that starts where
    the previous one ended continues the stay (only the doses changed)."""
    by_unit: dict[int, list[list[StorageInterval]]] = {}
    for interval in sorted(intervals, key=lambda i: (i.storage_unit_id, i.start)):
        runs = by_unit.setdefault(interval.storage_unit_id, [])
        if runs and runs[-1][-1].end == interval.start:
            runs[-1].append(interval)
        else:
            runs.append([interval])
    found = [
        Stay(unit, run[0].start, run[-1].end, tuple(run))
        for unit, runs in by_unit.items()
        for run in runs
    ]
    return sorted(found, key=lambda s: (s.start, s.storage_unit_id))


def doses_during(stay: Stay, start: datetime, end: datetime | None) -> int:
    """Every dose of the lot that was in the unit at some moment of ``[start, end)``."""
    inside = [i for i in stay.intervals if i.end > start and (end is None or i.start < end)]
    return exposed_doses(inside)


@dataclass(frozen=True)
class _Place:
    unit: str
    facility_id: int
    facility: str


class LedgerLotExcursions:
    """``api.lot_excursions.LotExcursions`` over the ledger and the alarms tables."""

    def __init__(self, ledger: UnitOfWork, alarms: AlarmQueries) -> None:
        self._ledger = ledger
        self._alarms = alarms

    @classmethod
    def over(
        cls, session_factory: sessionmaker[Session], clock: Callable[[], datetime] = utc_now
    ) -> LedgerLotExcursions:
        """Both read sides on one database (the alarms tables live beside the ledger's)."""
        return cls(UnitOfWork(session_factory, clock), AlarmQueries(session_factory, clock=clock))

    def for_lot(self, lot_id: int) -> list[LotExcursion]:
        now = self._ledger.clock()
        horizon = now + HORIZON
        found: list[LotExcursion] = []
        places: dict[int, _Place] = {}
        for stay in stays(lot_storage_history(self._ledger, lot_id, end=horizon)):
            if stay.storage_unit_id not in places:
                places[stay.storage_unit_id] = self._place(stay.storage_unit_id)
            place = places[stay.storage_unit_id]
            episodes = self._alarms.episodes_overlapping(place.unit, stay.start, stay.end)
            held = self._quarantines(lot_id, stay.storage_unit_id) if episodes else []
            stay_to = None if stay.end >= horizon else stay.end
            found += [self._excursion(place, stay, stay_to, episode, held) for episode in episodes]
        return sorted(found, key=lambda x: (x.start, x.unit, x.stay_from))

    def _place(self, unit_id: int) -> _Place:
        unit = get_storage_unit(self._ledger, unit_id)
        facility = get_facility(self._ledger, unit.facility_id)
        return _Place(unit.code, facility.id, facility.code)

    def _quarantines(self, lot_id: int, unit_id: int) -> list[tuple[int, str | None, int, int]]:
        """The lot's quarantines and reversals in the unit: (movement, reference, reversed
        movement or 0, held change)."""
        card = stock_card(self._ledger, storage_unit_id=unit_id, lot_id=lot_id)
        return [
            (e.movement_id, e.reference, e.reverses_movement_id or 0, e.held_change)
            for e in card.entries
            if e.kind == "quarantine" or e.reverses_movement_id is not None
        ]

    def _excursion(
        self,
        place: _Place,
        stay: Stay,
        stay_to: datetime | None,
        episode: EpisodeView,
        held: list[tuple[int, str | None, int, int]],
    ) -> LotExcursion:
        alarms = self._alarms.episode(episode.id).alarms
        references = {episode.key, *(a.key for a in alarms)}
        references.add(freeze_reference(episode.facility, episode.unit, episode.key))
        profile = PROFILES.get(episode.profile)
        return LotExcursion(
            facility_id=place.facility_id,
            facility=place.facility,
            storage_unit_id=stay.storage_unit_id,
            unit=place.unit,
            stay_from=stay.start,
            stay_to=stay_to,
            doses=doses_during(stay, episode.start_at, episode.end_at),
            episode_id=episode.id,
            episode_key=episode.key,
            profile=episode.profile,
            range_low_c=profile.low_c if profile else None,
            range_high_c=profile.high_c if profile else None,
            direction=episode.direction,
            start=episode.start_at,
            end=episode.end_at,
            minutes_above=episode.minutes_above,
            minutes_below=episode.minutes_below,
            unknown_minutes=episode.unknown_minutes,
            min_c=episode.min_c,
            max_c=episode.max_c,
            mkt_c=episode.mkt_c,
            alarms=tuple(
                FiredAlarm(a.key, a.type, a.severity, a.raised_at)
                for a in sorted(alarms, key=lambda a: (a.raised_at, a.id))
            ),
            quarantined_doses=quarantined_doses(held, references),
        )


def quarantined_doses(
    held: Sequence[tuple[int, str | None, int, int]], references: set[str]
) -> int:
    """Doses held by quarantines citing one of ``references``, net of their reversals."""
    mine = {movement for movement, reference, _, _ in held if reference in references}
    return sum(
        change
        for movement, reference, reverses, change in held
        if movement in mine or reverses in mine
    )
