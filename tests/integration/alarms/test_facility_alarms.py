"""Facility alarms (no storage unit): raised once per key, cleared when their condition is
gone, notified with what to do, acknowledged and escalated like a fridge's alarm, and kept
off the storage units' status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ingest.alarms.facility_alarms import LOT_EXPIRING, FacilityAlarm, sync_facility_alarms
from ingest.alarms.policy import FollowUpPolicy
from ingest.alarms.ports import NoticeKind
from ingest.alarms.services import acknowledge_alarm, notify_due_alarms
from ingest.models import AlarmRow
from ingest.notify.channels.email import body
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import FACILITY, T0, UNIT

STEPS = ("Use lot L1 first.", "Tell the county store if it cannot be used in time.")


def expiring(lot: str, days: int, facility: str = FACILITY) -> FacilityAlarm:
    return FacilityAlarm(
        type=LOT_EXPIRING,
        severity="warning",
        facility=facility,
        key=f"{LOT_EXPIRING}/{facility}/{lot}/{days}",
        started_at=T0,
        summary=f"lot {lot} expires in {days} days or less",
        steps=STEPS,
        facts={"lot_number": lot, "threshold_days": days},
    )


def test_new_alarms_are_raised_once_and_those_no_longer_true_are_cleared(
    world: AlarmWorld,
) -> None:
    first = sync_facility_alarms(
        world.uow, world.notifier, LOT_EXPIRING, [expiring("L1", 90), expiring("L2", 60)], T0
    )
    assert (first.raised, first.cleared, first.open) == (2, 0, 2)
    again = sync_facility_alarms(
        world.uow, world.notifier, LOT_EXPIRING, [expiring("L1", 90), expiring("L2", 60)], T0
    )
    assert (again.raised, again.cleared, again.open) == (0, 0, 2)
    raised = world.notifier.of(NoticeKind.RAISED)
    assert len(raised) == 2
    notice = next(n for n in raised if "L1" in n.key)
    assert notice.unit is None and notice.steps == STEPS
    assert (
        notice.message == f"WARNING {LOT_EXPIRING} at {FACILITY}: lot L1 expires in 90 days or less"
    )
    text = body(notice)
    assert "1. Use lot L1 first." in text and "VACCINE" not in text

    later = T0 + timedelta(days=30)
    moved = sync_facility_alarms(
        world.uow, world.notifier, LOT_EXPIRING, [expiring("L1", 60)], later
    )
    assert (moved.raised, moved.cleared, moved.open) == (1, 2, 1)
    cleared = {n.key for n in world.notifier.of(NoticeKind.CLEARED)}
    assert cleared == {f"{LOT_EXPIRING}/{FACILITY}/L1/90", f"{LOT_EXPIRING}/{FACILITY}/L2/60"}

    listed = world.queries.alarms(state="raised")
    assert [(a.type, a.unit, a.details and a.details["lot_number"]) for a in listed] == [
        (LOT_EXPIRING, None, "L1")
    ]
    assert world.queries.unit_status([UNIT])[0].open_alarms == ()


def test_a_facility_alarm_is_acknowledged_and_escalated_like_any_alarm(
    world: AlarmWorld,
) -> None:
    sync_facility_alarms(world.uow, world.notifier, LOT_EXPIRING, [expiring("L1", 30)], T0)
    policy = FollowUpPolicy(renotify_minutes=30, escalate_minutes=60)
    notify_due_alarms(world.uow, world.units, world.notifier, policy, T0 + timedelta(minutes=61))
    (escalated,) = world.notifier.of(NoticeKind.ESCALATED)
    assert escalated.notify_facilities == (FACILITY, "county-1")
    (row,) = world.queries.alarms(state="raised")
    done = acknowledge_alarm(world.uow, row.id, user="nurse", comment="moved to the front")
    assert done.acknowledged and done.unit is None
    assert world.count(AlarmRow) == 1


def test_a_key_that_does_not_name_its_type_is_refused() -> None:
    with pytest.raises(ValueError, match="must start with 'LOT_EXPIRING/'"):
        FacilityAlarm(LOT_EXPIRING, "warning", FACILITY, "L1", T0, "x")
    with pytest.raises(ValueError, match="severity"):
        FacilityAlarm(LOT_EXPIRING, "loud", FACILITY, f"{LOT_EXPIRING}/x", T0, "x")
