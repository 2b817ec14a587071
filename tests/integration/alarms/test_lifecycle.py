"""Alarm lifecycle: acknowledgement (comment required, never clears, history kept) and the
follow-up job (re-notify every N minutes, escalate every M minutes, not once acknowledged)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ingest.alarms.errors import AlarmNotFound, InvalidAcknowledgement
from ingest.alarms.policy import FollowUpPolicy
from ingest.alarms.ports import NoticeKind
from ingest.alarms.services import acknowledge_alarm, notify_due_alarms
from ingest.models import AlarmAcknowledgementRow
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import FACILITY, T0, series

HOT = series([5.0] * 6 + [12.0] * 5)  # early-heat raised at minute 90, still raised
HEAT_THEN_BACK = series([5.0] * 6 + [12.0] * 5 + [5.0])  # raised, then cleared
POLICY = FollowUpPolicy(renotify_minutes=30, escalate_minutes=60)


def raise_warning(world: AlarmWorld, stream: list = HOT) -> int:  # type: ignore[type-arg]
    world.pipeline(world.recorder(), stream)
    [alarm] = world.queries.alarms()
    return alarm.id


def follow_up_at(world: AlarmWorld, minutes: float) -> list[NoticeKind]:
    before = len(world.notifier.notices)
    notify_due_alarms(
        world.uow, world.units, world.notifier, POLICY, T0 + timedelta(minutes=minutes)
    )
    return [n.kind for n in world.notifier.notices[before:]]


def test_acknowledging_requires_a_comment_and_writes_nothing_without_one(
    world: AlarmWorld,
) -> None:
    alarm_id = raise_warning(world)
    for comment in ("", "   "):
        with pytest.raises(InvalidAcknowledgement):
            acknowledge_alarm(world.uow, alarm_id, user="nurse", comment=comment)
    with pytest.raises(InvalidAcknowledgement):
        acknowledge_alarm(world.uow, alarm_id, user=" ", comment="moved the vaccine")
    assert world.count(AlarmAcknowledgementRow) == 0  # type: ignore[arg-type]
    assert world.queries.alarm(alarm_id).alarm.acknowledged_at is None
    with pytest.raises(AlarmNotFound):
        acknowledge_alarm(world.uow, 999, user="nurse", comment="ok")


def test_acknowledging_records_who_when_and_why_and_never_clears(world: AlarmWorld) -> None:
    alarm_id = raise_warning(world)
    world.clock.now = T0 + timedelta(hours=2)
    view = acknowledge_alarm(
        world.uow, alarm_id, user="nurse", comment="door was open", notifier=world.notifier
    )
    world.clock.now = T0 + timedelta(hours=3)
    acknowledge_alarm(world.uow, alarm_id, user="supervisor", comment="vaccine moved")

    assert view.state == "raised" and view.acknowledged_by == "nurse"
    detail = world.queries.alarm(alarm_id)
    assert detail.alarm.state == "raised"
    assert (detail.alarm.acknowledged_by, detail.alarm.acknowledgement_comment) == (
        "supervisor",
        "vaccine moved",
    )
    assert [(a.user, a.comment, a.acknowledged_at) for a in detail.acknowledgements] == [
        ("nurse", "door was open", T0 + timedelta(hours=2)),
        ("supervisor", "vaccine moved", T0 + timedelta(hours=3)),
    ]
    [notice] = world.notifier.of(NoticeKind.ACKNOWLEDGED)
    assert notice.acknowledged_by == "nurse" and notice.comment == "door was open"


def test_a_cleared_alarm_can_still_be_acknowledged(world: AlarmWorld) -> None:
    alarm_id = raise_warning(world, HEAT_THEN_BACK)
    assert world.queries.alarm(alarm_id).alarm.state == "cleared"
    acknowledge_alarm(world.uow, alarm_id, user="nurse", comment="checked afterwards")
    detail = world.queries.alarm(alarm_id)
    assert detail.alarm.state == "cleared"
    assert [a.alarm_state for a in detail.acknowledgements] == ["cleared"]


def test_an_unacknowledged_alarm_is_renotified_every_n_and_escalated_every_m_minutes(
    world: AlarmWorld,
) -> None:
    raise_warning(world)  # recorded (and first notified) at T0 on the wall clock
    assert follow_up_at(world, 29.99) == []
    assert follow_up_at(world, 30) == [NoticeKind.RENOTIFIED]
    assert follow_up_at(world, 30) == []  # the job ran twice: nothing more
    assert follow_up_at(world, 59.99) == []
    assert follow_up_at(world, 60) == [NoticeKind.ESCALATED]
    escalated = world.notifier.notices[-1]
    assert escalated.escalation_level == 1
    assert escalated.notify_facilities == (FACILITY, "county-1")
    assert follow_up_at(world, 89.99) == []
    assert follow_up_at(world, 90) == [NoticeKind.RENOTIFIED]
    assert world.notifier.notices[-1].notify_facilities == (FACILITY, "county-1")
    assert follow_up_at(world, 600) == [NoticeKind.ESCALATED]  # capped at the province
    assert world.notifier.notices[-1].escalation_level == 3
    assert world.queries.alarms()[0].escalation_level == 3


def test_an_acknowledged_alarm_is_not_followed_up_but_stays_raised(world: AlarmWorld) -> None:
    alarm_id = raise_warning(world)
    acknowledge_alarm(world.uow, alarm_id, user="nurse", comment="on it")
    assert follow_up_at(world, 30) == []
    assert follow_up_at(world, 600) == []
    assert world.queries.alarm(alarm_id).alarm.state == "raised"


def test_a_cleared_alarm_is_not_followed_up(world: AlarmWorld) -> None:
    raise_warning(world, HEAT_THEN_BACK)
    assert follow_up_at(world, 600) == []
