"""Webhook channel: the notice JSON POSTed to the contact's URL with httpx.

Invariants: every retry of one delivery carries the same ``Idempotency-Key``
(``{notice id}/{contact id}``) so that receivers can drop duplicates; only a 2xx answer
counts as delivered; when the contact has a secret, ``X-Coldchain-Signature`` is
``sha256=`` + hex HMAC-SHA256 of the exact body bytes under that secret.
"""

from __future__ import annotations

import hashlib
import hmac

import httpx

from ingest.notify.config import WebhookConfig
from ingest.notify.errors import DeliveryFailed
from ingest.notify.outbox import Delivery

SIGNATURE_HEADER = "X-Coldchain-Signature"
USER_AGENT = "coldchain-notify/1"


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``body`` keyed with ``secret`` (UTF-8)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_headers(delivery: Delivery) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": delivery.idempotency_key,
        "X-Coldchain-Notice-Id": delivery.notice_id,
    }
    if delivery.secret is not None:
        headers[SIGNATURE_HEADER] = signature(delivery.secret, delivery.payload)
    return headers


class WebhookChannel:
    """One pooled httpx client for every webhook delivery (thread-safe)."""

    name = "webhook"

    def __init__(self, config: WebhookConfig) -> None:
        self._config = config
        self._client: httpx.Client | None = None

    def start(self) -> None:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self._config.timeout_s,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
            )

    def send(self, delivery: Delivery) -> None:
        if self._client is None:
            raise DeliveryFailed("webhook channel not started")
        try:
            response = self._client.post(
                delivery.address, content=delivery.payload, headers=webhook_headers(delivery)
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
