"""MQTT channel: the notice JSON published at QoS 1 on one long-lived paho client.

Invariants: a delivery counts only once the broker's PUBACK arrived within the timeout;
while the client is disconnected nothing is handed to paho (paho would queue it and resend
it on its own after our retry, doubling it), the attempt fails and is retried; a topic
that no broker could accept (empty, wildcards) is rejected at once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ingest.notify.config import MqttChannelConfig
from ingest.notify.errors import DeliveryFailed, DeliveryRejected
from ingest.notify.outbox import Delivery

log = logging.getLogger(__name__)

_FORBIDDEN = frozenset("+#\x00")


def check_topic(topic: str) -> None:
    """``DeliveryRejected`` when ``topic`` cannot be published to."""
    if not topic or _FORBIDDEN.intersection(topic):
        raise DeliveryRejected(f"MQTT topic {topic!r} cannot be published to")


class MqttChannel:
    """Publishes notices through one paho client that reconnects on its own."""

    name = "mqtt"

    def __init__(self, config: MqttChannelConfig) -> None:
        self._config = config
        self._client: mqtt.Client | None = None
        self._connected = threading.Event()

    def start(self) -> None:
        if self._client is not None:
            return
        cfg = self._config
        v5 = cfg.protocol == "5"
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=cfg.client_id,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        )
        if cfg.username is not None:
            client.username_pw_set(cfg.username, cfg.password)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.connect_async(cfg.host, cfg.port, keepalive=30)
        client.loop_start()
        self._client = client

    def wait_connected(self, timeout_s: float) -> bool:
        """True once connected (used at start-up and by tests)."""
        return self._connected.wait(timeout_s)

    def send(self, delivery: Delivery) -> None:
        check_topic(delivery.address)
        client = self._client
        if client is None:
            raise DeliveryFailed("MQTT channel not started")
        # Just after start (or a broker restart) the connection may be on its way.
        if not self._connected.wait(self._config.publish_timeout_s) or not client.is_connected():
            raise DeliveryFailed(
                f"not connected to MQTT broker {self._config.host}:{self._config.port}"
            )
        info = client.publish(delivery.address, delivery.payload, qos=1)
        try:
            info.wait_for_publish(self._config.publish_timeout_s)
            published = info.is_published()
        except (RuntimeError, ValueError) as exc:
            raise DeliveryFailed(f"publish failed: {exc}") from exc
        if not published:
            raise DeliveryFailed(f"no PUBACK within {self._config.publish_timeout_s} s")

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.disconnect()
            client.loop_stop()
        self._connected.clear()

    # --- paho callbacks (network thread) ---

    def _on_connect(
        self, _client: Any, _userdata: Any, _flags: Any, reason_code: Any, _props: Any
    ) -> None:
        if getattr(reason_code, "is_failure", False):
            log.warning("alarm MQTT connection refused: %s", reason_code)
            return
        self._connected.set()

    def _on_disconnect(
        self, _client: Any, _userdata: Any, _flags: Any, reason_code: Any, _props: Any
    ) -> None:
        self._connected.clear()
        if self._client is not None:
            log.warning("alarm MQTT connection lost (%s); reconnecting", reason_code)
