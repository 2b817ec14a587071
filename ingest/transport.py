"""What the pipeline needs of a message transport, and the message it hands over.

Invariant: ``ack`` is the only way a message leaves the broker's keeping; the pipeline calls
it only for messages whose batch is durably stored or dead-lettered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol


class Message(NamedTuple):  # a tuple: built once per message on paho's network thread
    topic: str
    payload: bytes
    mid: int  # MQTT packet identifier
    qos: int
    epoch: int  # the connection that delivered it (acks go only on that connection)
    received_at_ns: int


class Transport(Protocol):
    def get(self, timeout: float) -> Message | None:
        """The next message, waiting up to ``timeout`` seconds (0: do not wait)."""
        ...

    def ack(self, messages: Sequence[Message]) -> int:
        """Acknowledge ``messages``; return how many were acknowledged on this connection."""
        ...

    def stop_receiving(self) -> None:
        """Queue nothing more; what is not taken stays unacknowledged with the broker."""
        ...
