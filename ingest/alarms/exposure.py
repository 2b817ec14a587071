"""Exposure and quarantine hand-off to the ledger, for one alarm or one episode.

Data flow: read the stored row (short transaction) → ``LedgerPort.exposure`` (no transaction
of ours open: on SQLite the ledger needs the write lock too) → optionally tell someone
(``on_exposure``: the RAISED notice carries the lots) → ``LedgerPort.quarantine_exposed``
for the lots in scope (records.in_scope), one request → store the lots and the time
quarantine was confirmed.

Invariants: a failing ledger never loses an alarm: the row stays with ``exposed_lots`` NULL
or ``quarantined_at`` NULL, and the follow-up job (``services.settle_exposures``) tries
again; quarantine references are stable keys (alarm key; episode key; the episode's
freeze-exposure key while it is still open), so a retry or a concurrent settle is a no-op
at the ledger. Windows are [start, end) with end > start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from ingest.alarms.ports import ExposedLot, LedgerPort, QuarantineRequest
from ingest.alarms.records import NO_QUARANTINE, in_scope, lots_from_json, lots_to_json
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.alarms.views import AlarmView, alarm_view
from ingest.detect import make_key
from ingest.detect.rules import FREEZE_EXPOSURE

log = logging.getLogger(__name__)

OnExposure = Callable[[AlarmView, tuple[ExposedLot, ...] | None], None]
_TICK = timedelta(microseconds=1)


def settle_alarm(
    uow: AlarmsUnitOfWork,
    ledger: LedgerPort,
    alarm_id: int,
    *,
    on_exposure: OnExposure | None = None,
) -> None:
    with uow:
        alarm = uow.repo.alarm(alarm_id)
        if alarm is None:
            return
        start = alarm.started_at
        if alarm.episode_key is not None:
            episode = uow.repo.episode_by_key(alarm.episode_key)
            if episode is not None:
                start = min(start, episode.start_at)
        unit, key, scope = alarm.unit_code, alarm.key, alarm.quarantine_scope
        if unit is None:
            return  # a facility alarm: no unit, nothing exposed
        end, known = alarm.raised_at, alarm.exposed_lots
        pending = scope != NO_QUARANTINE and alarm.quarantined_at is None
        view = alarm_view(alarm)
    lots = lots_from_json(known) if known is not None else _exposure(ledger, unit, start, end)
    if on_exposure is not None:
        on_exposure(view, lots)
    done = _quarantine(ledger, unit, lots, scope, key, f"temperature alarm {key}", uow.clock())
    with uow:
        uow.repo.save_alarm_exposure(
            alarm_id,
            lots_to_json(lots) if known is None and lots is not None else None,
            done if pending else None,
        )
        uow.commit()


def settle_episode(uow: AlarmsUnitOfWork, ledger: LedgerPort, episode_id: int) -> None:
    """Closed: exposure over [start, end) saved, the lots in scope quarantined (reference:
    the episode key). Still open and freeze-exposed: the freeze-sensitive lots so far
    quarantined (reference: the freeze-exposure key); the exposure is saved at the close."""
    with uow:
        episode = uow.repo.episode(episode_id)
        if episode is None:
            return
        unit, key, scope, start = (
            episode.unit_code,
            episode.key,
            episode.quarantine_scope,
            episode.start_at,
        )
        closed = episode.end_at is not None
        end = episode.end_at or episode.freeze_exposed_at or uow.clock()
        known = episode.exposed_lots if closed else None
        pending = scope != NO_QUARANTINE and episode.quarantined_at is None
        reference = key if closed else freeze_reference(episode.facility_code, unit, key)
    lots = lots_from_json(known) if known is not None else _exposure(ledger, unit, start, end)
    reason = f"temperature excursion {key}" if closed else f"freeze exposure {reference}"
    done = _quarantine(ledger, unit, lots, scope, reference, reason, uow.clock())
    with uow:
        uow.repo.save_episode_exposure(
            episode_id,
            lots_to_json(lots) if closed and known is None and lots is not None else None,
            done if pending else None,
        )
        uow.commit()


def freeze_reference(facility: str, unit: str, episode_key: str) -> str:
    """The key of the episode's ``FreezeExposureDetected`` (same start time)."""
    return make_key(facility, unit, FREEZE_EXPOSURE, int(episode_key.rsplit("/", 1)[1]))


def _exposure(
    ledger: LedgerPort, unit: str, start: datetime, end: datetime
) -> tuple[ExposedLot, ...] | None:
    try:
        return tuple(ledger.exposure(unit, start, max(end, start + _TICK)))
    except Exception:
        log.exception("ledger exposure of %s from %s to %s failed; retried later", unit, start, end)
        return None


def _quarantine(
    ledger: LedgerPort,
    unit: str,
    lots: Sequence[ExposedLot] | None,
    scope: str,
    reference: str,
    reason: str,
    now: datetime,
) -> datetime | None:
    """When quarantine was confirmed (now), or None when it could not be done yet."""
    if scope == NO_QUARANTINE or lots is None:
        return None
    targets = in_scope(lots, scope)
    if targets:
        try:
            ledger.quarantine_exposed(QuarantineRequest(unit, reference, tuple(targets), reason))
        except Exception:
            log.exception("ledger quarantine of %s (%s) failed; retried later", unit, reference)
            return None
    return now
