"""What the dispatcher needs of a channel: start, send one delivery, close.

Invariant: ``send`` returns only when the receiver has the notice (2xx, PUBACK, SMTP
accepted) and raises ``DeliveryFailed`` (retry) or ``DeliveryRejected`` (give up)
otherwise; it is bounded by the channel's own timeout and may be called from several
threads at once.
"""

from __future__ import annotations

from typing import Protocol

from ingest.notify.outbox import Delivery


class Channel(Protocol):
    name: str

    def start(self) -> None: ...

    def send(self, delivery: Delivery) -> None: ...

    def close(self) -> None: ...
