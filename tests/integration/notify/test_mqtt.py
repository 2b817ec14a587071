"""The MQTT alarm topic, against the test's Mosquitto: notices arrive at QoS 1."""

from __future__ import annotations

import orjson
from sqlalchemy import Engine

from ingest.notify.config import MqttChannelConfig, RetryPolicy
from ingest.notify.contacts import add_contact
from ingest.notify.outbox import SqlOutbox
from tests.integration.notify.conftest import MakeNotifier, fast_config
from tests.integration.notify.receivers import MqttSubscriber, wait_until
from tests.servers import Mosquitto
from tests.unit.notify.builders import make_notice


def _mqtt(mosquitto: Mosquitto) -> MqttChannelConfig:
    return MqttChannelConfig(
        host=mosquitto.host,
        port=mosquitto.port,
        client_id="test-notify",
        alarm_topic="coldchain/v1/alarms",
        publish_timeout_s=2.0,
    )


def test_the_notice_is_published_at_qos_1_on_the_unit_and_contact_topics(
    engine: Engine, make_notifier: MakeNotifier, mosquitto: Mosquitto
) -> None:
    subscriber = MqttSubscriber(
        mosquitto.host, mosquitto.port, ["coldchain/v1/alarms/#", "county-1/pager"]
    )
    try:
        add_contact(engine, "clinic-1", "mqtt", "county-1/pager", "Pager")
        notice = make_notice()
        make_notifier(fast_config(mqtt=_mqtt(mosquitto))).notify(notice)
        wait_until(lambda: len(subscriber.received()) == 2, what="two publications")
        messages = {m.topic: m for m in subscriber.received()}
    finally:
        subscriber.close()
    assert set(messages) == {"coldchain/v1/alarms/clinic-1/fridge-1", "county-1/pager"}
    assert {m.qos for m in messages.values()} == {1}
    body = orjson.loads(messages["county-1/pager"].payload)
    assert (body["notice_id"], body["peak_c"]) == (notice.notice_id, 11.3)
    outbox = SqlOutbox(engine)
    wait_until(lambda: outbox.counts() == {"delivered": 2}, what="PUBACKs recorded")


def test_a_notice_raised_while_the_broker_is_down_is_published_when_it_returns(
    engine: Engine, make_notifier: MakeNotifier, mosquitto: Mosquitto
) -> None:
    subscriber = MqttSubscriber(mosquitto.host, mosquitto.port, ["coldchain/v1/alarms/#"])
    try:
        patient = RetryPolicy(max_attempts=100, initial_s=0.1, max_s=0.5)
        notifier = make_notifier(fast_config(mqtt=_mqtt(mosquitto), retry=patient))
        mosquitto.stop()
        notifier.notify(make_notice())
        outbox = SqlOutbox(engine)
        wait_until(lambda: outbox.entries()[0].attempts >= 1, what="a failed attempt")
        assert outbox.entries()[0].status == "pending"
        mosquitto.start()
        wait_until(lambda: outbox.counts() == {"delivered": 1}, timeout=30, what="published")
        wait_until(lambda: len(subscriber.received()) == 1, timeout=30, what="received")
    finally:
        subscriber.close()
    assert subscriber.received()[0].qos == 1
