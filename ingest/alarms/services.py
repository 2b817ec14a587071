"""Use cases of the alarm lifecycle: one function each, one transaction each (+ notices).

- ``acknowledge_alarm``: records who, when and why (comment required); never clears.
- ``notify_due_alarms``: re-notifies and escalates unacknowledged raised alarms (``policy``).
- ``check_offline_sensors``: raises SENSOR_OFFLINE for silent bound sensors, clears it when
  readings return (or the sensor is unbound).
- ``settle_exposures``: retries exposure look-ups and quarantines the ledger could not do.

Clearing a temperature alarm is not here: only the detector decides it (``recorder``).
Invariants: notices are handed to the ``Notifier`` only after the transaction that recorded
the fact committed, and only by the writer whose conditional update changed the row, so
concurrent runs (two processes, a job overlapping itself) never notify twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ingest.alarms import exposure
from ingest.alarms.errors import AlarmNotFound, InvalidAcknowledgement
from ingest.alarms.notices import build_notice
from ingest.alarms.policy import AlarmTiming, FollowUpPolicy, facilities_at, follow_up, top_level
from ingest.alarms.ports import AlarmNotice, LedgerPort, NoticeKind, Notifier, UnitDirectory
from ingest.alarms.records import RAISED, offline_alarm_values
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.alarms.views import AlarmView, alarm_view
from ingest.detect import offline_sensors, to_utc
from ingest.models import AlarmAcknowledgementRow, AlarmRow
from ingest.registry import to_ns

log = logging.getLogger(__name__)

MAX_USER = 128
# What was done about an alarm, said with the acknowledgement (the comment says the rest).
ACK_ACTIONS = ("kept_cold", "moved_stock", "called_technician", "other")


def acknowledge_alarm(
    uow: AlarmsUnitOfWork,
    alarm_id: int,
    *,
    user: str,
    comment: str,
    action: str | None = None,
    notifier: Notifier | None = None,
) -> AlarmView:
    """Record an acknowledgement (raised or already cleared alarms alike) with what was done
    (``action``, one of ``ACK_ACTIONS``, or None) and return the alarm. Raises
    ``InvalidAcknowledgement`` without a user or a comment, or with an unknown action;
    ``AlarmNotFound``."""
    if action is not None and action not in ACK_ACTIONS:
        raise InvalidAcknowledgement(f"action must be one of {', '.join(ACK_ACTIONS)}")
    user, comment = (user or "").strip(), (comment or "").strip()
    if not user or len(user) > MAX_USER:
        raise InvalidAcknowledgement(f"an acknowledgement needs a user (1–{MAX_USER} characters)")
    if not comment:
        raise InvalidAcknowledgement("an acknowledgement needs a comment saying what was done")
    with uow:
        alarm = uow.repo.alarm_for_update(alarm_id)
        if alarm is None:
            raise AlarmNotFound(alarm_id)
        now = uow.clock()
        ack = AlarmAcknowledgementRow(
            alarm_id=alarm.id,
            user=user,
            comment=comment,
            acknowledged_at=now,
            alarm_state=alarm.state,
            action=action,
        )
        uow.repo.add_acknowledgement(ack)
        alarm.acknowledged_at, alarm.acknowledged_by = now, user
        alarm.acknowledgement_comment = comment
        view = alarm_view(alarm)
        notice = build_notice(
            view,
            NoticeKind.ACKNOWLEDGED,
            occurred_at=now,
            level=alarm.escalation_level,
            facilities=(alarm.facility_code,),
            acknowledgement_id=ack.id,
        )
        uow.commit()
    _tell(notifier, notice)
    return view


@dataclass(frozen=True, slots=True)
class FollowUpReport:
    renotified: int
    escalated: int


def notify_due_alarms(
    uow: AlarmsUnitOfWork,
    units: UnitDirectory,
    notifier: Notifier,
    policy: FollowUpPolicy,
    now: datetime,
) -> FollowUpReport:
    """Re-notify every unacknowledged raised alarm N minutes after its last notice and
    escalate it one level up its facility chain every M minutes (``policy``)."""
    notices: list[AlarmNotice] = []
    with uow:
        codes = {alarm.facility_code for alarm in uow.repo.awaiting_follow_up()}
    # Resolved outside our transaction: on SQLite the directory's own read would wait for
    # the write lock that transaction holds (a 30 s self-deadlock per facility).
    chains = {code: _chain(units, code) for code in codes}
    with uow:
        for alarm in uow.repo.awaiting_follow_up():
            chain = chains.get(alarm.facility_code, [alarm.facility_code])
            timing = AlarmTiming(
                raised=alarm.state == RAISED,
                acknowledged=alarm.acknowledged_at is not None,
                recorded_at=alarm.recorded_at,
                last_notified_at=alarm.last_notified_at,
                escalation_level=alarm.escalation_level,
            )
            due = follow_up(timing, now, policy, top_level(chain))
            if due is None or not uow.repo.claim_follow_up(
                alarm.id,
                seen_notified_at=alarm.last_notified_at,
                seen_level=alarm.escalation_level,
                notified_at=now,
                level=due.level,
            ):
                continue
            facilities = facilities_at(chain, due.level, alarm.facility_code)
            notices.append(
                build_notice(
                    alarm_view(alarm),
                    due.kind,
                    occurred_at=now,
                    level=due.level,
                    facilities=facilities,
                )
            )
        uow.commit()
    for notice in notices:
        _tell(notifier, notice)
    escalated = sum(1 for n in notices if n.kind is NoticeKind.ESCALATED)
    return FollowUpReport(renotified=len(notices) - escalated, escalated=escalated)


@dataclass(frozen=True, slots=True)
class OfflineReport:
    raised: int
    cleared: int
    offline: int  # bound sensors silent for too long now


def check_offline_sensors(
    uow: AlarmsUnitOfWork, notifier: Notifier, now: datetime, *, factor: float = 3.0
) -> OfflineReport:
    """Raise SENSOR_OFFLINE for every bound sensor silent for more than ``factor`` × its
    reporting interval (key: sensor + last-seen time), clear it when a newer reading is
    seen or the sensor is no longer bound. A sensor never heard counts from its binding."""
    now_ns = to_ns(now)
    notices: list[AlarmNotice] = []
    with uow:
        bindings = {b.sensor_id: b for b in uow.repo.current_bindings(now)}
        heard = uow.repo.last_seen()
        last = {s: max(heard.get(s, 0), to_ns(b.valid_from)) for s, b in bindings.items()}
        intervals = {s: float(b.reporting_interval_s) for s, b in bindings.items()}
        silent = offline_sensors(last, intervals, now_ns, factor)
        cleared = 0
        for alarm in uow.repo.open_offline_alarms():
            sensor = alarm.sensor_id or ""
            since_ns = int(alarm.key.rsplit("/", 1)[1])
            back_ns = heard.get(sensor, 0)
            if sensor in bindings and back_ns <= since_ns:
                continue
            cleared_at = to_utc(back_ns) if back_ns > since_ns else now
            if uow.repo.clear_alarm(alarm.key, cleared_at, now) is not None:
                cleared += 1
                uow.session.refresh(alarm)
                notices.append(_level0(alarm, NoticeKind.CLEARED, now))
        raised = 0
        for sensor in silent:
            b = bindings[sensor]
            offline_at = to_utc(last[sensor]) + timedelta(seconds=factor * b.reporting_interval_s)
            values = offline_alarm_values(
                b.facility_code, b.unit_code, sensor, last[sensor], offline_at, now
            )
            alarm_id = uow.repo.insert_alarm(values)
            if alarm_id is None:
                continue
            raised += 1
            row = uow.repo.alarm(alarm_id)
            assert row is not None
            notices.append(_level0(row, NoticeKind.RAISED, now))
        uow.commit()
    for notice in notices:
        _tell(notifier, notice)
    return OfflineReport(raised=raised, cleared=cleared, offline=len(silent))


def settle_exposures(uow: AlarmsUnitOfWork, ledger: LedgerPort, *, limit: int = 50) -> int:
    """Retry what the ledger could not answer or do: exposure of closed episodes and
    temperature alarms, and pending quarantines. Returns how many rows were tried."""
    with uow:
        alarm_ids = [a.id for a in uow.repo.alarms_to_settle(limit)]
        episode_ids = [e.id for e in uow.repo.episodes_to_settle(limit)]
    for alarm_id in alarm_ids:
        exposure.settle_alarm(uow, ledger, alarm_id)
    for episode_id in episode_ids:
        exposure.settle_episode(uow, ledger, episode_id)
    return len(alarm_ids) + len(episode_ids)


def _level0(alarm: AlarmRow, kind: NoticeKind, now: datetime) -> AlarmNotice:
    occurred = alarm.cleared_at if kind is NoticeKind.CLEARED and alarm.cleared_at else now
    return build_notice(
        alarm_view(alarm), kind, occurred_at=occurred, level=0, facilities=(alarm.facility_code,)
    )


def _chain(units: UnitDirectory, facility: str) -> list[str]:
    try:
        chain = list(units.escalation_chain(facility))
    except Exception:
        log.exception("escalation chain of %s unavailable; notifying the facility only", facility)
        return [facility]
    return chain or [facility]


def _tell(notifier: Notifier | None, notice: AlarmNotice) -> None:
    if notifier is None:
        return
    try:
        notifier.notify(notice)
    except Exception:
        log.exception("notifier refused notice %s", notice.notice_id)
