"""Webhook headers: the idempotency key, and Standard Webhooks signatures (id, timestamp,
``v1,`` HMAC) that the reference library verifies and that cannot be replayed later."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ingest.notify.channels.webhook import webhook_headers
from ingest.notify.errors import InvalidContact
from ingest.notify.signing import key_bytes
from tests.unit.notify.builders import make_delivery

BODY = b'{"notice_id":"raised:k"}'
WHSEC = "whsec_" + base64.b64encode(bytes(range(32))).decode()


def test_the_idempotency_key_is_the_notice_id_and_the_contact_id() -> None:
    headers = webhook_headers(
        make_delivery(b"{}", notice_id="raised:k", contact_id=3), None, _now()
    )
    assert headers["Idempotency-Key"] == "raised:k/3"
    assert not any(name.startswith("webhook-") for name in headers)


def test_a_signed_request_verifies_with_the_reference_library() -> None:
    delivery = make_delivery(BODY, notice_id="raised:k", contact_id=3)
    headers = webhook_headers(delivery, WHSEC, _now())
    assert headers["webhook-id"] == "raised:k/3" == headers["Idempotency-Key"]
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(WHSEC).verify(BODY, headers) == {"notice_id": "raised:k"}


def test_a_plain_secret_signs_with_its_utf8_bytes() -> None:
    headers = webhook_headers(make_delivery(BODY), "s3cret-s3cret-s3cret", _now())
    Webhook(b"s3cret-s3cret-s3cret").verify(BODY, headers)


def test_a_request_signed_ten_minutes_ago_is_refused_as_too_old() -> None:
    old = webhook_headers(make_delivery(BODY), WHSEC, _now() - timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(WHSEC).verify(BODY, old)
    fresh_stamp = {**old, "webhook-timestamp": str(int(_now().timestamp()))}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(WHSEC).verify(BODY, fresh_stamp)


def test_a_changed_body_does_not_verify() -> None:
    headers = webhook_headers(make_delivery(BODY), WHSEC, _now())
    with pytest.raises(WebhookVerificationError):
        Webhook(WHSEC).verify(b'{"notice_id":"forged"}', headers)


@pytest.mark.parametrize(
    "secret",
    ["short", "whsec_not*base64!", "whsec_" + base64.b64encode(b"x" * 8).decode(), "x" * 201],
)
def test_a_secret_that_cannot_be_a_key_is_refused(secret: str) -> None:
    with pytest.raises(InvalidContact):
        key_bytes(secret)


def _now() -> datetime:
    return datetime.now(UTC)
