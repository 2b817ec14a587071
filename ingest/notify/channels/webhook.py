"""Webhook channel: the notice JSON POSTed to the contact's URL with httpx.

Invariants:
- Every retry of one delivery carries the same ``Idempotency-Key`` and ``webhook-id``
  (``{notice id}/{contact id}``) so that receivers can drop duplicates; only a 2xx answer
  counts as delivered.
- When the contact has a secret, the request is signed after Standard Webhooks
  (``signing.py``): ``webhook-timestamp`` is this attempt's send time and is part of the
  signed content, so an old request cannot be replayed as new.
- A request goes only to an allowed target (``targets.py``): the host is resolved at every
  attempt, every address is checked, and the connection is made to a checked address (the
  URL's host is replaced by it; ``Host`` and TLS SNI / certificate checks keep the name),
  so a DNS answer that changes after the check cannot redirect it. A refused target is
  ``DeliveryRejected`` (no connection, recorded as failed at once). Redirects are not
  followed, and proxy variables are not used (the connection must go where we checked).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from ingest.notify.config import WebhookConfig
from ingest.notify.errors import (
    DeliveryFailed,
    DeliveryRejected,
    SecretUnreadable,
    TargetNotAllowed,
)
from ingest.notify.outbox import Delivery
from ingest.notify.signing import signed_headers
from ingest.notify.targets import (
    IPAddress,
    Resolver,
    checked_addresses,
    literal_address,
    system_resolver,
)

USER_AGENT = "coldchain-notify/1"
Clock = Callable[[], datetime]


def webhook_headers(delivery: Delivery, secret: str | None, at: datetime) -> dict[str, str]:
    """The request headers; signed (Standard Webhooks) when ``secret`` is set."""
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": delivery.idempotency_key,
        "X-Coldchain-Notice-Id": delivery.notice_id,
    }
    if secret is not None:
        headers.update(signed_headers(secret, delivery.idempotency_key, delivery.payload, at))
    return headers


class WebhookChannel:
    """One pooled httpx client for every webhook delivery (thread-safe)."""

    name = "webhook"

    def __init__(
        self,
        config: WebhookConfig,
        *,
        resolve: Resolver = system_resolver,
        clock: Clock | None = None,
    ) -> None:
        self._config = config
        self._resolve = resolve
        self._now = clock or (lambda: datetime.now(UTC))
        self._client: httpx.Client | None = None

    def start(self) -> None:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self._config.timeout_s,
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
            )

    def send(self, delivery: Delivery) -> None:
        client = self._client
        if client is None:
            raise DeliveryFailed("webhook channel not started")
        headers = webhook_headers(delivery, self._secret(delivery), self._now())
        addresses = self._addresses(delivery.address)  # checked before any connection
        url = httpx.URL(delivery.address)
        host = url.raw_host.decode("ascii")
        headers["Host"] = url.netloc.decode("ascii")
        named = literal_address(host) is None
        extensions = {"sni_hostname": host} if named and url.scheme == "https" else {}
        refused: httpx.ConnectError | None = None
        for address in addresses:
            try:
                response = client.post(
                    url.copy_with(host=str(address)),
                    content=delivery.payload,
                    headers=headers,
                    extensions=extensions,
                )
            except httpx.ConnectError as exc:  # the next address of the name may answer
                refused = exc
                continue
            except httpx.HTTPError as exc:
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
            if not response.is_success:
                raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}")
            return
        raise DeliveryFailed(f"ConnectError: {refused}")

    def _secret(self, delivery: Delivery) -> str | None:
        if delivery.sealed_secret is None:
            return None
        box = self._config.secrets
        if box is None:
            raise DeliveryRejected(
                "the contact has a webhook secret but the server has no COLDCHAIN_SECRET_KEY"
                " to open it: not sent unsigned"
            )
        try:
            return box.open(delivery.sealed_secret)
        except SecretUnreadable as exc:
            raise DeliveryRejected(f"{exc}: not sent unsigned") from exc

    def _addresses(self, address: str) -> list[IPAddress]:
        try:
            return list(checked_addresses(address, self._config.allowed, self._resolve))
        except TargetNotAllowed as exc:
            raise DeliveryRejected(str(exc)) from exc
        except OSError as exc:  # DNS may be back next time
            raise DeliveryFailed(f"cannot resolve the webhook host: {exc}") from exc

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
