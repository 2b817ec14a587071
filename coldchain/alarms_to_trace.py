"""The alarms, seen from the lot trace (domain rule 19): ``api.lot_excursions.LotExcursions``
over the ledger's stays and the alarms' episodes.

Data flow: ``inventory.queries.lot_presence`` (per unit the lot was ever in, the span that
holds its stays there, from the balances read model) → ``AlarmQueries.
episodes_overlapping_each`` (which of those units had an episode in that span: usually a
few of thousands) → ``inventory.queries.lot_stays`` of those units only (the lot's
unbroken presences in a unit, usable + held, with the unit's code) → the episodes that
overlapped each stay → per (stay, episode) a ``LotExcursion``: the episode's statistics,
the alarms raised while it was open (``AlarmQueries.alarms_of_episodes``, one query), ``LotStay.
doses_during`` the episode, and the doses the ledger quarantined citing the episode, its
freeze exposure or one of its alarms (``queries.excursion_holds_in``, one query for all the
units, matched on ``ExcursionRef``s parsed from the episode's and alarms' keys). A trace of
a lot in 3 166 units reads stays and holds of the units that had an episode, not of all.

Invariants: this adapter only translates types (no SQL, no rule); stays and episodes are
half-open ``[start, end)`` as in exposure; nothing here writes; an episode of a unit code
the ledger does not know is never reached (episodes are looked up by the lot's own units).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from api.lot_excursions import FiredAlarm, LotExcursion
from coldchain.db import Session, sessionmaker
from ingest.alarms.queries import AlarmQueries
from ingest.alarms.views import AlarmView, EpisodeView
from ingest.detect.profiles import PROFILES
from ingest.detect.rules import FREEZE_EXPOSURE
from inventory import queries
from inventory.domain.excursions import ExcursionRef
from inventory.queries import ExcursionHolds, LotStay
from inventory.unit_of_work import UnitOfWork, utc_now


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
        presence = queries.lot_presence(self._ledger, lot_id)
        touched = self._alarms.episodes_overlapping_each(
            [(p.unit, p.start, p.until) for p in presence]
        )
        units = {
            p.storage_unit_id for p, episodes in zip(presence, touched, strict=True) if episodes
        }
        if not units:
            return []
        stays = queries.lot_stays(self._ledger, lot_id, units)
        overlapping = self._alarms.episodes_overlapping_each(
            [(stay.unit, stay.start, stay.until) for stay in stays]
        )
        holds = queries.excursion_holds_in(
            self._ledger,
            lot_id,
            {
                stay.storage_unit_id
                for stay, episodes in zip(stays, overlapping, strict=True)
                if episodes
            },
        )
        alarms = self._alarms.alarms_of_episodes(
            list(dict.fromkeys(e.key for episodes in overlapping for e in episodes))
        )
        found = [
            self._excursion(stay, episode, alarms[episode.key], holds[stay.storage_unit_id])
            for stay, episodes in zip(stays, overlapping, strict=True)
            for episode in episodes
        ]
        return sorted(found, key=lambda x: (x.start, x.unit, x.stay_from))

    def _excursion(
        self,
        stay: LotStay,
        episode: EpisodeView,
        raised: tuple[AlarmView, ...],
        holds: ExcursionHolds,
    ) -> LotExcursion:
        alarms = sorted(raised, key=lambda a: (a.raised_at, a.id))
        profile = PROFILES.get(episode.profile)
        return LotExcursion(
            facility_id=stay.facility_id,
            facility=stay.facility,
            storage_unit_id=stay.storage_unit_id,
            unit=stay.unit,
            stay_from=stay.start,
            stay_to=stay.end,
            doses=stay.doses_during(episode.start_at, episode.end_at),
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
            alarms=tuple(FiredAlarm(a.key, a.type, a.severity, a.raised_at) for a in alarms),
            quarantined_doses=holds.doses_citing(cited_by(episode, alarms)),
        )


def cited_by(episode: EpisodeView, alarms: list[AlarmView]) -> set[ExcursionRef]:
    """The references a quarantine for this episode cites: the episode's key, its freeze
    exposure's (same start, the detector's ``FREEZE_EXPOSURE`` event), its alarms' keys."""
    refs = {ExcursionRef.find(episode.key), *(ExcursionRef.find(a.key) for a in alarms)}
    episode_ref = ExcursionRef.find(episode.key)
    if episode_ref is not None:
        refs.add(episode_ref.with_rule(FREEZE_EXPOSURE))
    return {ref for ref in refs if ref is not None}
