"""The MQTT transport: a persistent QoS 1 session whose messages are acknowledged by hand.

paho-mqtt 2.x with ``manual_ack=True``: paho never acknowledges on its own. Messages go
from paho's network thread into a queue that the pipeline thread drains; the pipeline calls
``ack`` only once a message's batch is durably written or dead-lettered. Until then the
broker counts the message as in flight and redelivers it after any disconnect or crash.

Invariants:
- fixed client id, clean_start False / clean_session False and a long session expiry, so
  the broker queues for us while we are away; QoS 1 subscriptions, re-made on every connect.
- MQTT 5 announces ``ReceiveMaximum`` (≥ 2 × batch): the broker never sends more unacked
  messages than we can batch. Over MQTT 3.1.1 the batch stays within the broker's window.
- paho reads every packet waiting on the socket per loop turn and decodes MQTT 5 PUBLISH
  properties without rebuilding its tables per message (``paho_speedups``).
- an ack is sent only on the connection that delivered the message (a connection epoch):
  after a reconnect the broker redelivers the old ones, and an old packet id may by then
  name another message, so acknowledging it could drop that message unseen.
- after ``stop_receiving`` nothing new is queued; unqueued messages stay unacked and the
  broker redelivers them on the next start. We never unsubscribe (that would end the queue).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from ingest import paho_speedups
from ingest.config import MqttConfig
from ingest.metrics import IngestMetrics
from ingest.transport import Message

log = logging.getLogger(__name__)


class MqttConsumer:
    """Implements the pipeline's ``Transport`` over one paho client."""

    def __init__(self, config: MqttConfig, metrics: IngestMetrics) -> None:
        self.config = config
        self._metrics = metrics
        self._queue: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self._ack_lock = threading.Lock()
        self._epoch = 0
        self._accepting = True
        self._connected = threading.Event()
        self._received = 0  # written by paho's thread only
        self._settled = 0  # acked or found stale; written by the pipeline thread only
        metrics.watch_transport(lambda: self._received, lambda: self._received - self._settled)
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        v5 = self.config.protocol == "5"
        if v5:
            paho_speedups.install()  # MQTT 5 PUBLISH properties without per-packet tables
        client = paho_speedups.ReadManyClient(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=self.config.client_id,
            clean_session=None if v5 else False,
            protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.config.username is not None:
            client.username_pw_set(self.config.username, self.config.password)
        client.reconnect_delay_set(self.config.reconnect_min_s, self.config.reconnect_max_s)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    # --- lifecycle ---

    def start(self) -> None:
        """Connect in the background (retrying until the broker answers) and start receiving."""
        if self.config.protocol == "5":
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = self.config.session_expiry_s
            props.ReceiveMaximum = self.config.receive_maximum
            self._client.connect_async(
                self.config.host,
                self.config.port,
                self.config.keepalive_s,
                clean_start=False,
                properties=props,
            )
        else:
            self._client.connect_async(self.config.host, self.config.port, self.config.keepalive_s)
        self._client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def is_connected(self) -> bool:
        """Connected, with the subscriptions sent on this connection (readiness)."""
        return self._connected.is_set()

    def stop_receiving(self) -> None:
        self._accepting = False

    def close(self) -> None:
        """Disconnect cleanly (the session and its queue stay on the broker)."""
        self._accepting = False
        self._client.disconnect()
        self._client.loop_stop()

    # --- the pipeline's side ---

    def get(self, timeout: float) -> Message | None:
        try:
            return self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return None

    def ack(self, messages: Sequence[Message]) -> int:
        """Acknowledge messages delivered on the current connection; return how many."""
        with self._ack_lock:
            epoch = self._epoch
            current = [m for m in messages if m.epoch == epoch]
            self._send_acks([m for m in current if m.qos])
        stale = len(messages) - len(current)
        self._metrics.acked.inc(len(current))
        if stale:
            self._metrics.stale_acks.inc(stale)
        self._settled += len(messages)
        return len(current)

    def _send_acks(self, messages: Sequence[Message]) -> None:
        # paho wakes its network thread with one byte on a socket pair for every packet
        # queued from another thread: 500 syscalls per batch. Queue the PUBACKs without
        # the wake-ups and wake it once (private attribute, paho 2.x; plain acks otherwise).
        client = self._client
        wake = getattr(client, "_sockpairW", None)
        if wake is None or len(messages) < 2:
            for m in messages:
                client.ack(m.mid, m.qos)
            return
        client._sockpairW = None
        try:
            for m in messages:
                client.ack(m.mid, m.qos)
        finally:
            client._sockpairW = wake
        with contextlib.suppress(BlockingIOError):
            wake.send(b"0")

    # --- paho callbacks (network thread) ---

    def _on_connect(
        self,
        client: mqtt.Client,
        _userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: Any,
        _properties: Any,
    ) -> None:
        if reason_code.is_failure:
            log.error("MQTT broker refused the connection: %s", reason_code)
            return
        with self._ack_lock:
            self._epoch += 1
            first = self._epoch == 1
        self._metrics.connects.inc()
        if not flags.session_present and not first:
            self._metrics.sessions_lost.inc()
            log.warning(
                "broker had no session for %s: messages queued while away are gone"
                " (is persistence on?)",
                self.config.client_id,
            )
        for topic in self.config.subscriptions():
            if self.config.protocol == "5":
                client.subscribe(topic, options=SubscribeOptions(qos=1))
            else:
                client.subscribe(topic, qos=1)
        log.info(
            "connected to %s:%s as %s (session present: %s), subscribed to %s",
            self.config.host,
            self.config.port,
            self.config.client_id,
            flags.session_present,
            ", ".join(self.config.subscriptions()),
        )
        self._connected.set()

    def _on_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any, _props: Any
    ) -> None:
        self._connected.clear()
        if self._accepting:
            log.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _on_subscribe(
        self, _client: mqtt.Client, _userdata: Any, _mid: int, reason_codes: Any, _props: Any
    ) -> None:
        for code in reason_codes:
            if code.is_failure:
                log.error("subscription refused by the broker: %s", code)
            elif code.value == 0:
                log.warning("broker granted QoS 0 only: readings may be lost on a disconnect")
            else:
                log.info("subscription granted (QoS %s)", code.value)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        if not self._accepting:
            return  # left unacked: the broker redelivers it to the next run
        try:
            topic = msg.topic
        except UnicodeDecodeError:
            topic = msg._topic.decode("utf-8", "replace")
        self._queue.put(
            Message(topic, bytes(msg.payload), msg.mid, msg.qos, self._epoch, time.time_ns())
        )
        self._received += 1
