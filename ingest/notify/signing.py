"""Webhook signatures after Standard Webhooks (https://www.standardwebhooks.com), with the
reference library ``standardwebhooks``.

Every signed request carries ``webhook-id`` (the delivery's idempotency key, the same on
every retry), ``webhook-timestamp`` (unix seconds when this attempt was sent) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``. Because the
timestamp is signed, a receiver that refuses timestamps outside a tolerance (the library:
5 minutes) and remembers the ids it has seen cannot be fed a replayed request.

Secrets: ``whsec_<base64>`` as the standard writes them (the decoded bytes are the key,
24 to 64 bytes), or any other string of 16 to 200 characters, whose UTF-8 bytes are the
key (a receiver that uses the library passes ``Webhook(secret.encode())`` for those).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from standardwebhooks import Webhook

from ingest.notify.errors import InvalidContact

PREFIX = "whsec_"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


def key_bytes(secret: str) -> bytes:
    """The HMAC key a secret stands for; ``InvalidContact`` says why it cannot be one."""
    if secret.startswith(PREFIX):
        try:
            key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidContact(f"a {PREFIX} secret must be base64 after the prefix") from exc
        if not 24 <= len(key) <= 64:
            raise InvalidContact(f"a {PREFIX} secret must decode to 24 to 64 bytes")
        return key
    if not 16 <= len(secret) <= 200:
        raise InvalidContact("a webhook secret must have 16 to 200 characters")
    return secret.encode()


def signed_headers(secret: str, message_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` sent at ``at``."""
    moment = at.astimezone(UTC)
    signature = Webhook(key_bytes(secret)).sign(message_id, moment, body.decode())
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(int(moment.timestamp())),
        SIGNATURE_HEADER: signature,
    }
