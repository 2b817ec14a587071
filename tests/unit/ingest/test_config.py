"""The batch never outgrows what the broker sends before it wants acknowledgements."""

from __future__ import annotations

import pytest

from ingest.config import (
    IngestConfig,
    MqttConfig,
    mqtt_endpoint,
    receive_maximum_for,
)
from ingest.errors import IngestConfigurationError


def test_mqtt5_batches_fill_half_the_receive_window() -> None:
    config = IngestConfig(mqtt=MqttConfig(receive_maximum=600), batch_size=500)
    assert config.messages_per_batch() == 300
    roomy = IngestConfig(mqtt=MqttConfig(receive_maximum=1000), batch_size=500)
    assert roomy.messages_per_batch() == 500


def test_mqtt311_batches_stay_within_the_brokers_inflight_window() -> None:
    config = IngestConfig(mqtt=MqttConfig(protocol="3.1.1", broker_inflight=20), batch_size=500)
    assert config.messages_per_batch() == 20


def test_the_default_receive_maximum_is_four_batches() -> None:
    assert receive_maximum_for(500, None) == 2000
    assert receive_maximum_for(10_000, None) == 40_000
    assert receive_maximum_for(20_000, None) == 65_535
    assert receive_maximum_for(500, 3000) == 3000


def test_shared_subscriptions_prefix_every_filter() -> None:
    mqtt = MqttConfig(topic_filters=("a/+/x", "b/+/x"), shared_group="ingest")
    assert mqtt.subscriptions() == ("$share/ingest/a/+/x", "$share/ingest/b/+/x")


def test_mqtt_urls_parse_and_bad_ones_are_refused() -> None:
    assert mqtt_endpoint("mqtt://broker.local:1884") == ("broker.local", 1884)
    assert mqtt_endpoint("mqtt://broker.local") == ("broker.local", 1883)
    with pytest.raises(IngestConfigurationError):
        mqtt_endpoint("http://broker.local")


def test_a_batch_longer_than_a_second_does_not_validate() -> None:
    with pytest.raises(IngestConfigurationError):
        IngestConfig(batch_seconds=2.0)
