"""Webhook delivery against a real HTTP server started by the test."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ingest.notify.channels.webhook import WebhookChannel
from ingest.notify.config import RetryPolicy
from ingest.notify.contacts import add_contact
from ingest.notify.dispatcher import OutboxNotifier
from ingest.notify.outbox import SqlOutbox
from ingest.notify.secret_box import SecretBox
from tests.integration.notify.conftest import MakeNotifier, fast_config
from tests.integration.notify.receivers import HttpReceiver, wait_until
from tests.unit.notify.builders import LOCAL_WEBHOOKS, make_notice

WHSEC = "whsec_" + base64.b64encode(b"the ops desk's 32-byte webhook!!").decode()


def test_the_notice_is_posted_as_json_with_an_idempotency_key(
    engine: Engine, make_notifier: MakeNotifier, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver()
    contact = add_contact(
        engine, "clinic-1", "webhook", receiver.url("/alarms"), "Ops", webhook=LOCAL_WEBHOOKS
    )
    notice = make_notice()
    make_notifier().notify(notice)
    wait_until(lambda: len(receiver.received()) == 1, what="webhook delivery")
    [request] = receiver.received()
    assert request.path == "/alarms"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == f"{notice.notice_id}/{contact.id}"
    assert not any(name.lower().startswith("webhook-") for name in request.headers)
    body = orjson.loads(request.body)
    assert body["notice_id"] == notice.notice_id
    assert (body["kind"], body["alarm_id"], body["rule_id"]) == ("raised", 1, "who-heat")
    assert (body["facility"], body["unit"], body["severity"]) == ("clinic-1", "fridge-1", "alarm")
    assert body["started_at"] == "2024-05-01T08:00:00+00:00"
    assert body["fired_at"] == "2024-05-01T18:00:00+00:00"
    assert body["peak_c"] == 11.3
    assert body["exposed_doses"] == 200
    assert body["exposed_lots"][0]["lot_number"] == "A123"
    assert body["message"] == notice.message
    outbox = SqlOutbox(engine)
    wait_until(lambda: outbox.counts() == {"delivered": 1})
    [entry] = outbox.entries()
    assert entry.attempts == 1 and entry.delivered_at is not None


def test_a_500_is_retried_with_the_same_key_until_it_succeeds(
    engine: Engine, make_notifier: MakeNotifier, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver(statuses=(500, 503))
    add_contact(engine, "clinic-1", "webhook", receiver.url(), "Ops", webhook=LOCAL_WEBHOOKS)
    make_notifier().notify(make_notice())
    outbox = SqlOutbox(engine)
    wait_until(lambda: outbox.counts() == {"delivered": 1}, what="delivered after retries")
    [entry] = outbox.entries()
    assert entry.attempts == 3
    assert entry.last_error is not None and entry.last_error.startswith("HTTP 503")
    keys = {r.headers["Idempotency-Key"] for r in receiver.received()}
    assert len(receiver.received()) == 3 and len(keys) == 1


def test_a_webhook_that_keeps_failing_is_given_up_after_max_attempts(
    engine: Engine, make_notifier: MakeNotifier, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver(statuses=(500,) * 10)
    add_contact(engine, "clinic-1", "webhook", receiver.url(), "Ops", webhook=LOCAL_WEBHOOKS)
    config = fast_config(retry=RetryPolicy(max_attempts=3, initial_s=0.05, max_s=0.1))
    make_notifier(config).notify(make_notice())
    outbox = SqlOutbox(engine)
    wait_until(lambda: outbox.counts() == {"failed": 1}, what="given up")
    [entry] = outbox.entries()
    assert (entry.attempts, entry.delivered_at) == (3, None)
    assert len(receiver.received()) == 3


def test_a_contact_with_a_secret_gets_a_request_its_receiver_verifies(
    engine: Engine, make_notifier: MakeNotifier, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver()
    contact = add_contact(
        engine, "clinic-1", "webhook", receiver.url(), "Ops", secret=WHSEC, webhook=LOCAL_WEBHOOKS
    )
    notice = make_notice()
    make_notifier().notify(notice)
    wait_until(lambda: len(receiver.received()) == 1, what="signed delivery")
    [request] = receiver.received()
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["webhook-id"] == f"{notice.notice_id}/{contact.id}"
    assert headers["webhook-id"] == headers["idempotency-key"]
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert Webhook(WHSEC).verify(request.body, headers)["notice_id"] == notice.notice_id
    assert "x-coldchain-signature" not in headers  # the old, replayable signature is gone


def test_a_request_replayed_later_fails_verification(
    engine: Engine, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver()
    add_contact(
        engine, "clinic-1", "webhook", receiver.url(), "Ops", secret=WHSEC, webhook=LOCAL_WEBHOOKS
    )
    # A request sent ten minutes ago is what a replay of it looks like now.
    then = WebhookChannel(LOCAL_WEBHOOKS, clock=lambda: datetime.now(UTC) - timedelta(minutes=10))
    notifier = OutboxNotifier(SqlOutbox(engine), {"webhook": then}, fast_config())
    notifier.start()
    try:
        notifier.notify(make_notice())
        wait_until(lambda: len(receiver.received()) == 1, what="delivery")
    finally:
        notifier.stop()
    [request] = receiver.received()
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(WHSEC).verify(request.body, request.headers)
    restamped = {**request.headers, "webhook-timestamp": str(int(time.time()))}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(WHSEC).verify(request.body, restamped)


def test_a_secret_sealed_under_another_key_is_not_sent_unsigned(
    engine: Engine, make_notifier: MakeNotifier, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver()
    add_contact(
        engine, "clinic-1", "webhook", receiver.url(), "Ops", secret=WHSEC, webhook=LOCAL_WEBHOOKS
    )
    other_key = replace(LOCAL_WEBHOOKS, secrets=SecretBox([Fernet.generate_key().decode()]))
    make_notifier(fast_config(webhook=other_key)).notify(make_notice())
    outbox = SqlOutbox(engine)
    wait_until(lambda: outbox.counts() == {"failed": 1}, what="refused delivery")
    [entry] = outbox.entries()
    assert entry.attempts == 1 and entry.last_error is not None
    assert "cannot be opened" in entry.last_error and WHSEC not in entry.last_error
    assert receiver.started == 0


def test_escalation_reaches_the_county_contacts_too(
    engine: Engine, make_notifier: MakeNotifier, http_receiver: Callable[..., HttpReceiver]
) -> None:
    clinic, county, city = http_receiver(), http_receiver(), http_receiver()
    add_contact(engine, "clinic-1", "webhook", clinic.url(), "Clinic", webhook=LOCAL_WEBHOOKS)
    add_contact(engine, "county-1", "webhook", county.url(), "County", webhook=LOCAL_WEBHOOKS)
    add_contact(engine, "city-1", "webhook", city.url(), "City", webhook=LOCAL_WEBHOOKS)
    notifier = make_notifier()
    notifier.notify(make_notice())
    escalated = make_notice(
        notice_id="escalated:k:1", escalation_level=1, notify_facilities=("clinic-1", "county-1")
    )
    notifier.notify(escalated)
    outbox = SqlOutbox(engine)
    wait_until(lambda: outbox.counts() == {"delivered": 3}, what="three deliveries")
    assert len(clinic.received()) == 2
    assert [orjson.loads(r.body)["escalation_level"] for r in county.received()] == [1]
    assert city.received() == []
