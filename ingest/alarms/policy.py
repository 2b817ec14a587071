"""When an alarm is told again: re-notification and escalation (pure, wall clock passed in).

Rules (domain rule 3; N and M are settings, ``alarm_renotify_minutes`` /
``alarm_escalate_minutes``):

- Only a raised alarm that nobody has acknowledged is followed up. An acknowledged alarm is
  never re-notified nor escalated, and stays raised until its cause is gone (clearing is
  not decided here at all).
- Escalation: the level due is ⌊(now − recorded_at) / M⌋, capped at the top of the
  facility's escalation chain (level 0: the facility; 1: its county; 2: city; 3: province).
  At exactly M minutes the alarm escalates; a job that was away for several M jumps straight
  to the level due, with one notice.
- Re-notification: at the current level, when N minutes or more have passed since the last
  notice (or none was ever sent). An escalation notice counts as a notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ingest.alarms.ports import NoticeKind

DEFAULT_RENOTIFY_MINUTES = 30.0
DEFAULT_ESCALATE_MINUTES = 60.0


@dataclass(frozen=True, slots=True)
class FollowUpPolicy:
    renotify_minutes: float = DEFAULT_RENOTIFY_MINUTES
    escalate_minutes: float = DEFAULT_ESCALATE_MINUTES

    def __post_init__(self) -> None:
        if self.renotify_minutes <= 0 or self.escalate_minutes <= 0:
            raise ValueError("re-notification and escalation minutes must be positive")


@dataclass(frozen=True, slots=True)
class AlarmTiming:
    """What the policy needs to know of an alarm."""

    raised: bool  # state is raised (not cleared)
    acknowledged: bool
    recorded_at: datetime
    last_notified_at: datetime | None
    escalation_level: int


@dataclass(frozen=True, slots=True)
class FollowUp:
    kind: NoticeKind  # RENOTIFIED or ESCALATED
    level: int  # the escalation level the notice goes out at


def follow_up(
    alarm: AlarmTiming, now: datetime, policy: FollowUpPolicy, top_level: int
) -> FollowUp | None:
    """The notice due for ``alarm`` at ``now``, or None."""
    if not alarm.raised or alarm.acknowledged:
        return None
    elapsed = now - alarm.recorded_at
    due_level = min(
        max(top_level, 0), max(0, elapsed // timedelta(minutes=policy.escalate_minutes))
    )
    if due_level > alarm.escalation_level:
        return FollowUp(NoticeKind.ESCALATED, due_level)
    last = alarm.last_notified_at
    if last is None or now - last >= timedelta(minutes=policy.renotify_minutes):
        return FollowUp(NoticeKind.RENOTIFIED, alarm.escalation_level)
    return None


def top_level(chain: Sequence[str]) -> int:
    """The highest escalation level of a chain (its root)."""
    return max(len(chain) - 1, 0)


def facilities_at(chain: Sequence[str], level: int, facility: str) -> tuple[str, ...]:
    """The facility codes told at ``level``: the facility and its chain up to that level."""
    if not chain:
        return (facility,)
    return tuple(chain[: min(level, top_level(chain)) + 1])
