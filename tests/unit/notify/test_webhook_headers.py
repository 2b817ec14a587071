"""Webhook headers: the idempotency key, and the HMAC signature when a secret is set."""

from __future__ import annotations

import hashlib
import hmac

from ingest.notify.channels.webhook import SIGNATURE_HEADER, webhook_headers
from tests.unit.notify.builders import make_delivery


def test_the_idempotency_key_is_the_notice_id_and_the_contact_id() -> None:
    headers = webhook_headers(make_delivery(b"{}", notice_id="raised:k", contact_id=3))
    assert headers["Idempotency-Key"] == "raised:k/3"
    assert SIGNATURE_HEADER not in headers


def test_the_signature_is_hmac_sha256_of_the_exact_body() -> None:
    body = b'{"notice_id":"raised:k"}'
    headers = webhook_headers(make_delivery(body, secret="s3cret-s3cret-s3cret"))
    expected = hmac.new(b"s3cret-s3cret-s3cret", body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
