"""Contained speed-ups of paho-mqtt's receive path (paho 2.2+), measured in
docs/benchmarks.md. paho's parsing, validation and callbacks stay as they are.

``ReadManyClient``: paho's network loop reads ONE packet per ``select()`` (``loop_read``
ignores its ``max_packets`` argument: a subscriber gets one packet per turn), and reads it
with three ``recv`` calls (command byte, length byte, body). Every message thus paid for a
``select()``, three system calls and a loop turn, each giving up the GIL. This client
reads the socket in 64 KiB chunks, serves paho's small reads from that buffer, and handles
up to ``PACKETS_PER_READ`` packets per turn; it stops when the socket has nothing more
(paho's socket is non-blocking) and never while bytes it has read are still unhandled,
since ``select()`` cannot see those. Home Assistant made the same change to its paho
client (reading up to 500 packets at once).

``SharedTableProperties``: paho builds a new ``Properties`` object for every PUBLISH, and
each one first rebuilds three tables of the 27 MQTT 5 property names, then clears those 27
attributes one ``hasattr`` at a time before parsing. On readings that carry no property
this was more than half of the CPU of paho's network thread. ``install()`` points paho's
packet decoder at this subclass, which shares those tables (built once by paho itself;
paho only reads them) and returns at once when a packet's property length is zero; a
packet with properties is parsed by paho's own ``unpack``.

Invariants: no byte is handled twice or skipped; bytes read on one connection are never
parsed as another's (the buffer belongs to one socket object). If paho's layout is not the
one this was written against, ``install()`` patches nothing and paho runs as shipped.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

log = logging.getLogger(__name__)

_TEMPLATE = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
_TABLES = (
    ("types", _TEMPLATE.types),
    ("names", _TEMPLATE.names),
    ("properties", _TEMPLATE.properties),
)
_NO_PROPERTIES = b"\x00"  # a property length of zero (a one-byte variable byte integer)
PACKETS_PER_READ = 256  # at ~20 µs a packet, a turn of the loop stays within ~5 ms
READ_CHUNK = 65536  # bytes asked of the socket at once: ~600 readings


class ReadManyClient(mqtt.Client):
    """paho's client, reading every packet the socket holds (up to a cap) per loop turn."""

    _rbuf: bytes = b""
    _rpos: int = 0
    _rsock: object = None

    def loop_read(self, max_packets: int = PACKETS_PER_READ) -> MQTTErrorCode:
        read = 0
        while True:
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                return MQTTErrorCode.MQTT_ERR_SUCCESS  # the socket is drained
            read += 1
            if read >= max_packets and self._rpos >= len(self._rbuf):
                return MQTTErrorCode.MQTT_ERR_SUCCESS  # capped: select() reports the rest

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._rsock is not self._sock:  # a new connection: nothing of the old one is kept
            self._rbuf, self._rpos, self._rsock = b"", 0, self._sock
        if self._rpos < len(self._rbuf):
            start, self._rpos = self._rpos, min(self._rpos + bufsize, len(self._rbuf))
            return self._rbuf[start : self._rpos]
        data = super()._sock_recv(max(bufsize, READ_CHUNK))
        if len(data) <= bufsize:
            return data
        self._rbuf, self._rpos = data, bufsize
        return data[:bufsize]


class SharedTableProperties(Properties):
    """paho's ``Properties`` with the name tables shared instead of rebuilt per packet."""

    def __init__(self, packetType: int) -> None:
        object.__setattr__(self, "packetType", packetType)
        for name, table in _TABLES:
            object.__setattr__(self, name, table)

    def unpack(self, buffer: bytes | bytearray) -> tuple[Any, int]:
        if buffer[:1] == _NO_PROPERTIES:
            return self, 1  # a new object holds no property: nothing to clear or read
        result: tuple[Any, int] = super().unpack(buffer)  # type: ignore[no-untyped-call]
        return result


def install() -> bool:
    """Make paho's packet decoder build ``SharedTableProperties``; True when in place."""
    decoder = importlib.import_module("paho.mqtt._packet")
    current = getattr(decoder, "Properties", None)
    if current is SharedTableProperties:
        return True
    if current is not Properties or not hasattr(decoder, "decode_publish"):
        log.info("paho-mqtt layout not recognised: its MQTT 5 receive path runs as shipped")
        return False
    setattr(decoder, "Properties", SharedTableProperties)  # noqa: B010 - a module attribute
    return True
