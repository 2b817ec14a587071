"""Re-notification and escalation, at the boundaries (pure, wall clock passed in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest.alarms.policy import (
    AlarmTiming,
    FollowUp,
    FollowUpPolicy,
    facilities_at,
    follow_up,
    top_level,
)
from ingest.alarms.ports import NoticeKind

RAISED_AT = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
POLICY = FollowUpPolicy(renotify_minutes=30, escalate_minutes=60)
CHAIN = ["clinic", "county", "city", "province"]
JUST = timedelta(microseconds=1)


def timing(
    *,
    last: timedelta | None = timedelta(0),
    level: int = 0,
    acknowledged: bool = False,
    raised: bool = True,
) -> AlarmTiming:
    return AlarmTiming(
        raised=raised,
        acknowledged=acknowledged,
        recorded_at=RAISED_AT,
        last_notified_at=None if last is None else RAISED_AT + last,
        escalation_level=level,
    )


def due(alarm: AlarmTiming, after: timedelta) -> FollowUp | None:
    return follow_up(alarm, RAISED_AT + after, POLICY, top_level(CHAIN))


def test_an_alarm_is_renotified_at_n_minutes_not_just_before() -> None:
    assert due(timing(), timedelta(minutes=30) - JUST) is None
    assert due(timing(), timedelta(minutes=30)) == FollowUp(NoticeKind.RENOTIFIED, 0)


def test_renotification_counts_from_the_last_notice() -> None:
    alarm = timing(last=timedelta(minutes=30))
    assert due(alarm, timedelta(minutes=59)) is None
    alarm = timing(last=timedelta(minutes=60), level=1)
    assert due(alarm, timedelta(minutes=90) - JUST) is None
    assert due(alarm, timedelta(minutes=90)) == FollowUp(NoticeKind.RENOTIFIED, 1)


def test_an_alarm_escalates_one_level_at_m_minutes_not_just_before() -> None:
    alarm = timing(last=timedelta(minutes=30))
    assert due(alarm, timedelta(minutes=60) - JUST) is None
    assert due(alarm, timedelta(minutes=60)) == FollowUp(NoticeKind.ESCALATED, 1)
    assert due(timing(level=1, last=timedelta(minutes=60)), timedelta(minutes=120)) == FollowUp(
        NoticeKind.ESCALATED, 2
    )


def test_escalation_jumps_to_the_level_due_and_stops_at_the_top_of_the_chain() -> None:
    assert due(timing(), timedelta(minutes=150)) == FollowUp(NoticeKind.ESCALATED, 2)
    assert due(timing(), timedelta(days=3)) == FollowUp(NoticeKind.ESCALATED, 3)
    top = timing(level=3, last=timedelta(days=3))
    assert due(top, timedelta(days=3, minutes=30)) == FollowUp(NoticeKind.RENOTIFIED, 3)


def test_an_acknowledged_alarm_is_neither_renotified_nor_escalated() -> None:
    assert due(timing(acknowledged=True), timedelta(days=1)) is None


def test_a_cleared_alarm_is_not_followed_up() -> None:
    assert due(timing(raised=False), timedelta(days=1)) is None


def test_an_alarm_never_notified_is_notified_at_once() -> None:
    assert due(timing(last=None), timedelta(minutes=1)) == FollowUp(NoticeKind.RENOTIFIED, 0)


def test_a_facility_without_parents_is_never_escalated() -> None:
    alarm = timing()
    assert follow_up(alarm, RAISED_AT + timedelta(days=1), POLICY, 0) == FollowUp(
        NoticeKind.RENOTIFIED, 0
    )


def test_each_level_tells_the_facility_and_every_level_up_to_it() -> None:
    assert facilities_at(CHAIN, 0, "clinic") == ("clinic",)
    assert facilities_at(CHAIN, 2, "clinic") == ("clinic", "county", "city")
    assert facilities_at(CHAIN, 9, "clinic") == tuple(CHAIN)
    assert facilities_at([], 2, "clinic") == ("clinic",)


def test_minutes_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FollowUpPolicy(renotify_minutes=0)
