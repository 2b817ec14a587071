"""paho's PUBLISH decoder with shared property tables decodes exactly what stock paho does."""

from __future__ import annotations

import struct

import pytest
from paho.mqtt import _packet
from paho.mqtt.enums import MQTTProtocolVersion
from paho.mqtt.exception import MalformedPacket
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest import paho_speedups
from ingest.paho_speedups import SharedTableProperties

V5 = MQTTProtocolVersion.MQTTv5


def publish_body(topic: bytes, mid: int, props: bytes, payload: bytes) -> bytes:
    """A QoS 1 PUBLISH after its fixed header: topic, packet id, properties, payload."""
    return struct.pack("!H", len(topic)) + topic + struct.pack("!H", mid) + props + payload


def packed(**values: object) -> bytes:
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    for name, value in values.items():
        setattr(props, name, value)
    return props.pack()  # type: ignore[no-untyped-call,no-any-return]


def decode_both(body: bytes) -> tuple[_packet.PublishPacket, _packet.PublishPacket]:
    """Decode once with stock paho and once with the speed-up installed."""
    original = _packet.Properties
    try:
        _packet.Properties = Properties  # type: ignore[misc]
        stock = _packet.decode_publish(0x32, body, V5)
        assert paho_speedups.install()
        fast = _packet.decode_publish(0x32, body, V5)
    finally:
        _packet.Properties = original  # type: ignore[misc]
    return stock, fast


def test_a_reading_without_properties_decodes_as_stock_paho_does() -> None:
    stock, fast = decode_both(publish_body(b"coldchain/v1/F/U/S/reading", 7, b"\x00", b'{"t":4}'))
    assert isinstance(fast.properties, SharedTableProperties)
    assert isinstance(fast.properties, Properties)
    assert fast.properties.isEmpty()
    assert (fast.topic, fast.mid, fast.payload) == (stock.topic, stock.mid, stock.payload)
    assert fast.payload == b'{"t":4}'
    assert fast.properties.json() == stock.properties.json() == {}  # type: ignore[union-attr]


def test_properties_are_parsed_by_paho_itself() -> None:
    props = packed(
        UserProperty=[("site", "clinic 7"), ("fw", "1.2")],
        ContentType="application/json",
        MessageExpiryInterval=3600,
        PayloadFormatIndicator=1,
    )
    stock, fast = decode_both(publish_body(b"t/1", 9, props, b"{}"))
    assert fast.properties.json() == stock.properties.json()  # type: ignore[union-attr]
    assert fast.properties.UserProperty == [("site", "clinic 7"), ("fw", "1.2")]  # type: ignore[union-attr]
    assert fast.properties.MessageExpiryInterval == 3600  # type: ignore[union-attr]
    assert fast.payload == b"{}"


def test_a_malformed_property_block_is_still_a_malformed_packet() -> None:
    # property length 5, then an identifier that MQTT 5 does not define
    body = publish_body(b"t", 1, b"\x05\x7f\x00\x00\x00\x00", b"")
    original = _packet.Properties
    try:
        assert paho_speedups.install()
        with pytest.raises(MalformedPacket):
            _packet.decode_publish(0x32, body, V5)
    finally:
        _packet.Properties = original  # type: ignore[misc]


def test_each_packet_gets_its_own_properties_object() -> None:
    a = SharedTableProperties(PacketTypes.PUBLISH)
    b = SharedTableProperties(PacketTypes.PUBLISH)
    a.ContentType = "text/plain"
    assert b.isEmpty()
    assert a.names is b.names  # the tables are shared, the values are not


# --- ReadManyClient: every packet the socket holds, per loop turn ---


class ScriptedSocket:
    """A non-blocking socket whose recv returns the given chunks, then would block."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.recv_calls = 0

    def recv(self, bufsize: int) -> bytes:
        self.recv_calls += 1
        if not self.chunks:
            raise BlockingIOError
        chunk = self.chunks.pop(0)
        assert len(chunk) <= bufsize, "the client must not ask for less than a chunk here"
        return chunk

    def close(self) -> None:
        return None


def publish_packet(mid: int, payload: bytes) -> bytes:
    body = publish_body(b"coldchain/v1/F/U/S/reading", mid, b"\x00", payload)
    assert len(body) < 128  # one-byte remaining length
    return bytes([0x32, len(body)]) + body


def reading_client(sock: ScriptedSocket) -> tuple[paho_speedups.ReadManyClient, list[int]]:
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho_speedups.ReadManyClient(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id="t",
        protocol=MQTTProtocolVersion.MQTTv5,
        manual_ack=True,
    )
    got: list[int] = []
    client.on_message = lambda _c, _u, msg: got.append(msg.mid)
    client._sock = sock  # type: ignore[assignment]
    return client, got


def test_one_loop_turn_reads_every_packet_the_socket_holds() -> None:
    packets = b"".join(publish_packet(mid, b'{"t":4}') for mid in range(1, 6))
    sock = ScriptedSocket(packets)
    client, got = reading_client(sock)
    assert client.loop_read() == 0
    assert got == [1, 2, 3, 4, 5]
    assert sock.recv_calls == 2  # one read of all five packets, one that finds nothing more


def test_a_packet_split_across_reads_is_completed_by_the_next_read() -> None:
    packets = publish_packet(1, b'{"t":4}') + publish_packet(2, b'{"t":5}')
    sock = ScriptedSocket(packets[:30], packets[30:])
    client, got = reading_client(sock)
    client.loop_read()
    assert got == [1, 2]


def test_the_cap_never_leaves_read_bytes_behind_in_the_client() -> None:
    packets = b"".join(publish_packet(mid, b"{}") for mid in range(1, 11))
    client, got = reading_client(ScriptedSocket(packets))
    client.loop_read(max_packets=3)
    # select() cannot see bytes already read from the socket: they are all handled now
    assert got == list(range(1, 11))


def test_bytes_of_an_old_connection_are_never_read_on_a_new_one() -> None:
    malformed = bytes([0x32, 8]) + publish_body(b"t", 2, b"\x01\x7f", b"")  # property 127
    old = ScriptedSocket(publish_packet(1, b"{}") + malformed + publish_packet(3, b"{}"))
    client, got = reading_client(old)
    client.loop_read()  # packet 1, then the malformed one drops the connection
    assert got == [1] and client._sock is None
    client._sock = ScriptedSocket(publish_packet(7, b"{}"))  # type: ignore[assignment]
    client._in_packet = {  # as paho's reconnect() leaves it
        "command": 0,
        "have_remaining": 0,
        "remaining_count": [],
        "remaining_mult": 1,
        "remaining_length": 0,
        "packet": bytearray(b""),
        "to_process": 0,
        "pos": 0,
    }
    client.loop_read()
    assert got == [1, 7]  # packet 3 came on the old connection: the broker resends it
