"""Contacts are checked for their channel; a notice goes to each contact and the alarm topic."""

from __future__ import annotations

import pytest

from ingest.notify.contacts import Contact, check_contact
from ingest.notify.errors import InvalidContact
from ingest.notify.outbox import ALARM_TOPIC_RECIPIENT, plan_deliveries
from tests.unit.notify.builders import make_notice


@pytest.mark.parametrize(
    ("channel", "address", "secret"),
    [
        ("sms", "+100", None),
        ("webhook", "ftp://example.org/x", None),
        ("webhook", "not a url", None),
        ("mqtt", "alarms/#", None),
        ("mqtt", "$SYS/x", None),
        ("email", "nurse.example.org", None),
        ("email", "nurse@clinic.example", "a-secret-long-enough"),
        ("webhook", "https://example.org/hook", "short"),
    ],
)
def test_an_unusable_contact_is_refused(channel: str, address: str, secret: str | None) -> None:
    with pytest.raises(InvalidContact):
        check_contact("clinic-1", channel, address, "Nurse", secret)


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        ("webhook", "https://ops.example.org/coldchain"),
        ("mqtt", "clinic-1/pager"),
        ("email", "nurse@clinic.example"),
    ],
)
def test_a_usable_contact_is_accepted(channel: str, address: str) -> None:
    assert check_contact("clinic-1", channel, address, "Nurse", None) == channel


def _contact(contact_id: int, channel: str, address: str) -> Contact:
    return Contact(contact_id, "clinic-1", channel, address, "x", True, False)  # type: ignore[arg-type]


def test_each_contact_gets_one_delivery_and_the_unit_topic_gets_one() -> None:
    contacts = [_contact(1, "webhook", "http://h/1"), _contact(2, "email", "n@c.example")]
    planned = plan_deliveries(make_notice(), contacts, "coldchain/v1/alarms")
    assert [(p.recipient, p.channel, p.address) for p in planned] == [
        ("contact:1", "webhook", "http://h/1"),
        ("contact:2", "email", "n@c.example"),
        (ALARM_TOPIC_RECIPIENT, "mqtt", "coldchain/v1/alarms/clinic-1/fridge-1"),
    ]


def test_without_mqtt_there_is_no_alarm_topic_delivery() -> None:
    planned = plan_deliveries(make_notice(), [_contact(1, "webhook", "http://h/1")], None)
    assert [p.recipient for p in planned] == ["contact:1"]
