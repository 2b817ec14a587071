"""Notices: stable ids per fact, the facilities told, a readable message (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ingest.alarms.notices import build_notice
from ingest.alarms.ports import NoticeKind
from ingest.alarms.views import AlarmView
from tests.unit.alarms.fakes import T0, make_lot

ALARM = AlarmView(
    id=7,
    key="clinic-1/fridge-1/who-heat/1",
    type="who-heat",
    severity="alarm",
    state="raised",
    facility="clinic-1",
    unit="fridge-1",
    sensor=None,
    episode_key=None,
    started_at=T0,
    raised_at=T0 + timedelta(hours=10),
    recorded_at=T0 + timedelta(hours=10),
    cleared_at=None,
    peak_c=12.5,
    unknown_minutes=0.0,
    rule={
        "id": "who-heat",
        "shape": "continuous",
        "comparison": "above",
        "threshold_c": 8.0,
        "minutes": 600,
        "severity": "alarm",
    },
    acknowledged_at=None,
    acknowledged_by=None,
    acknowledgement_comment=None,
    last_notified_at=None,
    escalation_level=0,
    exposed_lots=(make_lot(1, 100),),
    exposed_doses=100,
    quarantine_scope="all",
    quarantined_at=None,
)


def test_a_raised_notice_carries_the_exposure_and_says_what_happened() -> None:
    notice = build_notice(
        ALARM, NoticeKind.RAISED, occurred_at=ALARM.raised_at, level=0, facilities=("clinic-1",)
    )
    assert notice.notice_id == "raised:clinic-1/fridge-1/who-heat/1"
    assert notice.exposed_doses == 100 and len(notice.exposed_lots) == 1
    assert notice.message == (
        "ALARM who-heat at clinic-1/fridge-1: > +8.0 °C for 600 min, peak +12.5 °C, "
        "fired 2024-03-01 10:00 UTC; 1 lot(s), 100 doses exposed"
    )


def test_notice_ids_name_the_fact_so_receivers_can_deduplicate() -> None:
    later = T0 + timedelta(hours=11)

    def nid(kind: NoticeKind, level: int = 0, ack: int = 0) -> str:
        return build_notice(
            ALARM, kind, occurred_at=later, level=level, facilities=(), acknowledgement_id=ack
        ).notice_id

    assert nid(NoticeKind.ESCALATED, 2) == f"escalated:{ALARM.key}:2"
    assert nid(NoticeKind.RENOTIFIED) == f"renotified:{ALARM.key}:{later.isoformat()}"
    assert nid(NoticeKind.ACKNOWLEDGED, ack=5) == f"acknowledged:{ALARM.key}:5"
    assert nid(NoticeKind.CLEARED) == f"cleared:{ALARM.key}"


def test_an_escalated_notice_goes_to_the_chain_up_to_its_level() -> None:
    notice = build_notice(
        ALARM,
        NoticeKind.ESCALATED,
        occurred_at=T0,
        level=1,
        facilities=("clinic-1", "county-1"),
    )
    assert notice.notify_facilities == ("clinic-1", "county-1")
    assert notice.message.startswith("Escalated to level 1 (not acknowledged): ALARM who-heat")


def test_an_offline_notice_names_the_silent_sensor() -> None:
    offline = replace(
        ALARM,
        type="SENSOR_OFFLINE",
        sensor="s-1",
        peak_c=None,
        rule=None,
        severity="warning",
        exposed_lots=None,
    )
    notice = build_notice(offline, NoticeKind.RAISED, occurred_at=T0, level=0, facilities=())
    assert notice.exposed_lots == () and notice.notify_facilities == ("clinic-1",)
    assert notice.message == (
        "WARNING SENSOR_OFFLINE at clinic-1/fridge-1: sensor s-1 silent since 2024-03-01 00:00 UTC"
    )
