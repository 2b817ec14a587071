"""E-mail against a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from ingest.notify.config import SmtpConfig
from ingest.notify.contacts import add_contact
from ingest.notify.outbox import SqlOutbox
from tests.integration.notify.conftest import MakeNotifier, fast_config
from tests.integration.notify.receivers import SmtpReceiver, wait_until
from tests.unit.notify.builders import make_notice


def test_the_nurse_gets_an_email_she_can_act_on(
    engine: Engine, make_notifier: MakeNotifier, smtp_receiver: Callable[..., SmtpReceiver]
) -> None:
    smtp = smtp_receiver()
    add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Nurse")
    config = fast_config(
        smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, sender="coldchain@example.org"),
        ack_url="https://cc.example/alarms/{alarm_id}",
    )
    make_notifier(config).notify(make_notice())
    wait_until(lambda: len(smtp.messages()) == 1, what="one e-mail")
    [(mail_from, rcpt_tos, message)] = smtp.messages()
    assert (mail_from, rcpt_tos) == ("coldchain@example.org", ["nurse@clinic.example"])
    assert message["Subject"] == "[ALARM] clinic-1 / fridge-1: who-heat raised"
    content = message.get_content()
    assert "facility clinic-1, storage unit fridge-1" in content
    assert "SINCE:  2024-05-01 08:00 UTC" in content
    assert "PEAK:   +11.3 °C" in content
    assert "PENTA lot A123 (expiry 2025-03-31): 200 doses" in content
    assert "Keep the vaccine in the fridge. Do NOT discard it." in content
    assert '"DO NOT USE"' in content
    assert "https://cc.example/alarms/1" in content
    wait_until(lambda: SqlOutbox(engine).counts() == {"delivered": 1})


def test_the_sender_logs_in_when_credentials_are_set(
    engine: Engine, make_notifier: MakeNotifier, smtp_receiver: Callable[..., SmtpReceiver]
) -> None:
    smtp = smtp_receiver(login=("coldchain", "pw-123"))
    add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Nurse")
    config = fast_config(
        smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, username="coldchain", password="pw-123")
    )
    make_notifier(config).notify(make_notice())
    wait_until(lambda: len(smtp.messages()) == 1, what="one e-mail after login")
    assert smtp.logins == ["coldchain"]
