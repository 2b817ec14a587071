"""Acks go only on the connection that delivered the message, and the backlog follows."""

from __future__ import annotations

from ingest.config import MqttConfig
from ingest.consumer import MqttConsumer
from ingest.metrics import IngestMetrics
from ingest.transport import Message


class FakePaho:
    def __init__(self) -> None:
        self.acked: list[int] = []

    def ack(self, mid: int, qos: int) -> None:
        self.acked.append(mid)


def consumer_on_epoch(epoch: int) -> tuple[MqttConsumer, FakePaho]:
    consumer = MqttConsumer(MqttConfig(), IngestMetrics())
    fake = FakePaho()
    consumer._client = fake  # type: ignore[assignment]
    consumer._epoch = epoch
    return consumer, fake


def msg(mid: int, epoch: int, qos: int = 1) -> Message:
    return Message("t", b"{}", mid, qos, epoch, 0)


def test_messages_of_an_earlier_connection_are_not_acked() -> None:
    consumer, paho = consumer_on_epoch(2)
    sent = consumer.ack([msg(1, 1), msg(2, 2), msg(3, 1), msg(4, 2)])
    assert sent == 2
    assert paho.acked == [2, 4]  # mid 1 and 3 of connection 1 may name other messages now


def test_qos0_messages_need_no_ack_but_leave_the_backlog() -> None:
    metrics = IngestMetrics()
    consumer = MqttConsumer(MqttConfig(), metrics)
    paho = FakePaho()
    consumer._client = paho  # type: ignore[assignment]
    consumer._epoch = 1
    consumer._received = 3
    consumer.ack([msg(1, 1, qos=0), msg(2, 1), msg(3, 0)])
    assert paho.acked == [2]
    assert metrics.registry.get_sample_value("coldchain_ingest_backlog_messages") == 0
    assert metrics.registry.get_sample_value("coldchain_ingest_messages_acked_total") == 2
    assert metrics.registry.get_sample_value("coldchain_ingest_acks_skipped_stale_total") == 1
