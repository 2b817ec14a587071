"""The e-mail a clinic nurse receives: subject, and a body she can act on."""

from __future__ import annotations

from datetime import timedelta

from ingest.alarms.ports import SENSOR_OFFLINE, NoticeKind
from ingest.notify.channels.email import body, render, subject
from ingest.notify.payload import notice_to_json
from tests.unit.notify.builders import FIRED, make_delivery, make_lot, make_notice


def test_the_subject_names_severity_facility_unit_and_what_happened() -> None:
    assert subject(make_notice()) == "[ALARM] clinic-1 / fridge-1: who-heat raised"
    escalated = make_notice(kind=NoticeKind.ESCALATED, escalation_level=2, severity="warning")
    assert subject(escalated) == "[WARNING] clinic-1 / fridge-1: who-heat escalated (level 2)"


def test_the_body_says_what_where_since_when_and_the_peak() -> None:
    text = body(make_notice())
    assert "Heat alarm: fridge-1 at clinic-1 has been above +8.0 °C for 10 h." in text
    assert "facility clinic-1, storage unit fridge-1" in text
    assert "SINCE:  2024-05-01 08:00 UTC" in text
    assert "alarm fired 2024-05-01 18:00 UTC" in text
    assert "PEAK:   +11.3 °C" in text


def test_the_body_lists_the_exposed_lots_and_doses() -> None:
    lots = (make_lot(), make_lot(lot_id=8, product="BCG", lot_number="B9", doses=50))
    text = body(make_notice(exposed_lots=lots, exposed_doses=250))
    assert "PENTA lot A123 (expiry 2025-03-31): 200 doses, freeze-sensitive" in text
    assert "BCG lot B9 (expiry 2025-03-31): 50 doses" in text
    assert "Total: 250 doses" in text


def test_the_body_says_keep_it_cold_mark_it_do_not_use_and_do_not_discard() -> None:
    text = body(make_notice())
    assert "Keep the vaccine in the fridge. Do NOT discard it." in text
    assert 'Mark it "DO NOT USE"' in text


def test_the_body_says_how_to_acknowledge_with_the_alarm_link() -> None:
    text = body(make_notice(alarm_id=42), ack_url="https://cc.example/alarms/{alarm_id}")
    assert "Acknowledge alarm 42 in https://cc.example/alarms/42 with a comment" in text
    assert "does not clear the alarm" in text


def test_unknown_exposure_says_to_treat_everything_in_the_unit_as_exposed() -> None:
    text = body(make_notice(exposed_lots=(), exposed_doses=0))
    assert "Treat all vaccine that was in the unit as exposed" in text


def test_a_cleared_notice_keeps_the_vaccine_do_not_use_and_asks_for_no_acknowledgement() -> None:
    text = body(make_notice(kind=NoticeKind.CLEARED, cleared_at=FIRED + timedelta(hours=1)))
    assert "CLEARED: 2024-05-01 19:00 UTC" in text
    assert "stays DO NOT USE" in text
    assert "HOW TO ACKNOWLEDGE" not in text


def test_a_sensor_offline_notice_asks_for_a_manual_reading() -> None:
    notice = make_notice(
        rule_id=SENSOR_OFFLINE, sensor="s-17", peak_c=None, exposed_lots=(), exposed_doses=0
    )
    text = body(notice)
    assert "sensor s-17" in text
    assert "Read the fridge's own thermometer" in text
    assert "PEAK" not in text


def test_the_rendered_message_has_a_stable_message_id_per_delivery() -> None:
    payload = notice_to_json(make_notice())
    first = render(make_delivery(payload, address="nurse@clinic.example"), "cc@example.org")
    again = render(make_delivery(payload, address="nurse@clinic.example", attempts=3), "x@y")
    other = render(make_delivery(payload, contact_id=4, recipient="contact:4"), "cc@example.org")
    assert first["To"] == "nurse@clinic.example"
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"] != other["Message-ID"]
