"""A dead or hanging endpoint never holds up the other channels or the caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Engine

from ingest.notify.config import MqttChannelConfig, SmtpConfig
from ingest.notify.contacts import add_contact
from ingest.notify.outbox import SqlOutbox
from tests.integration.notify.conftest import MakeNotifier, fast_config
from tests.integration.notify.receivers import (
    HttpReceiver,
    MqttSubscriber,
    SmtpReceiver,
    wait_until,
)
from tests.servers import Mosquitto
from tests.unit.notify.builders import LOCAL_WEBHOOKS, make_notice


def test_a_hanging_webhook_does_not_delay_the_other_channels(
    engine: Engine,
    make_notifier: MakeNotifier,
    http_receiver: Callable[..., HttpReceiver],
    smtp_receiver: Callable[..., SmtpReceiver],
    mosquitto: Mosquitto,
) -> None:
    hanging = http_receiver(hold=True)  # accepts, then answers only when released
    healthy = http_receiver()
    smtp = smtp_receiver()
    subscriber = MqttSubscriber(mosquitto.host, mosquitto.port, ["coldchain/v1/alarms/#"])
    add_contact(engine, "clinic-1", "webhook", hanging.url(), "Hanging", webhook=LOCAL_WEBHOOKS)
    add_contact(engine, "clinic-1", "webhook", healthy.url(), "Healthy", webhook=LOCAL_WEBHOOKS)
    add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Nurse")
    config = fast_config(
        webhook=replace(LOCAL_WEBHOOKS, timeout_s=60.0),
        smtp=SmtpConfig(host="127.0.0.1", port=smtp.port),
        mqtt=MqttChannelConfig(host=mosquitto.host, port=mosquitto.port, client_id="t-notify"),
    )
    try:
        make_notifier(config).notify(make_notice())
        wait_until(lambda: hanging.started == 1, what="the hanging endpoint took the request")
        wait_until(lambda: len(healthy.received()) == 1, what="the other webhook")
        wait_until(lambda: len(smtp.messages()) == 1, what="the e-mail")
        wait_until(lambda: len(subscriber.received()) == 1, what="the MQTT alarm topic")
        # Everything else arrived while the hanging request is still open.
        assert hanging.answered == 0 and not hanging.release.is_set()
        statuses = {e.address: e.status for e in SqlOutbox(engine).entries()}
        wait_until(
            lambda: sum(e.status == "delivered" for e in SqlOutbox(engine).entries()) == 3,
            what="three deliveries recorded",
        )
        assert statuses[hanging.url()] == "pending"
        hanging.release.set()
        wait_until(lambda: SqlOutbox(engine).counts() == {"delivered": 4}, what="all four")
    finally:
        hanging.release.set()
        subscriber.close()
