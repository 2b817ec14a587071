"""The webhook channel checks its target at every send, against a real receiver: a target
that is not allowed (any more) is refused without connecting and recorded as failed at once;
a name is resolved once per attempt and the request goes to the address that was checked,
so an answer that changes after the check (DNS rebinding) cannot redirect it."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Engine

from ingest.notify.channels.webhook import WebhookChannel
from ingest.notify.contacts import add_contact
from ingest.notify.dispatcher import OutboxNotifier
from ingest.notify.outbox import SqlOutbox
from ingest.notify.targets import AllowedTargets, IPAddress, Resolver
from tests.integration.notify.conftest import fast_config
from tests.integration.notify.receivers import HttpReceiver, wait_until
from tests.unit.notify.builders import LOCAL_WEBHOOKS, make_notice

PUBLIC = ipaddress.ip_address("93.184.216.34")
LOOPBACK = ipaddress.ip_address("127.0.0.1")
PUBLIC_ONLY = replace(LOCAL_WEBHOOKS, allowed=AllowedTargets())


def answers(*replies: IPAddress) -> tuple[Resolver, list[str]]:
    """A resolver for hooks.example.org giving ``replies`` in turn (then the last one)."""
    asked: list[str] = []
    queue = list(replies)

    def resolve(host: str, port: int) -> list[IPAddress]:
        asked.append(host)
        return [queue.pop(0) if len(queue) > 1 else queue[0]]

    return resolve, asked


def run(engine: Engine, channel: WebhookChannel) -> SqlOutbox:
    notifier = OutboxNotifier(SqlOutbox(engine), {"webhook": channel}, fast_config())
    notifier.start()
    try:
        notifier.notify(make_notice())
        outbox = SqlOutbox(engine)

        def settled() -> bool:
            counts = outbox.counts()
            return bool(counts) and "pending" not in counts

        wait_until(settled, what="delivery settled")
    finally:
        notifier.stop()
    return outbox


def test_a_loopback_target_no_longer_allowed_is_refused_at_send_without_connecting(
    engine: Engine, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver()
    add_contact(engine, "clinic-1", "webhook", receiver.url(), "In-house", webhook=LOCAL_WEBHOOKS)
    outbox = run(engine, WebhookChannel(PUBLIC_ONLY))  # the administrator took it off the list
    [entry] = outbox.entries()
    assert (entry.status, entry.attempts) == ("failed", 1)
    assert entry.last_error is not None and "127.0.0.1 is loopback" in entry.last_error
    assert receiver.started == 0


def test_a_name_rebound_to_loopback_after_it_was_added_is_refused_without_connecting(
    engine: Engine, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver()
    port = receiver.server.server_address[1]
    resolve, asked = answers(PUBLIC, LOOPBACK)  # public when added, loopback at send
    url = f"http://hooks.example.org:{port}/hook"
    add_contact(engine, "clinic-1", "webhook", url, "Ops", webhook=PUBLIC_ONLY, resolve=resolve)
    outbox = run(engine, WebhookChannel(PUBLIC_ONLY, resolve=resolve))
    [entry] = outbox.entries()
    assert (entry.status, entry.attempts) == ("failed", 1)
    assert entry.last_error is not None
    assert "127.0.0.1 is loopback (hooks.example.org resolves to it)" in entry.last_error
    assert asked == ["hooks.example.org", "hooks.example.org"]
    assert receiver.started == 0


def test_the_request_goes_to_the_checked_address_with_the_name_as_host(
    engine: Engine, http_receiver: Callable[..., HttpReceiver]
) -> None:
    receiver = http_receiver()
    port = receiver.server.server_address[1]
    resolve, asked = answers(LOOPBACK)  # an allowed in-house name; no DNS server knows it
    url = f"http://hooks.example.org:{port}/hook"
    add_contact(engine, "clinic-1", "webhook", url, "Ops", webhook=LOCAL_WEBHOOKS, resolve=resolve)
    outbox = run(engine, WebhookChannel(LOCAL_WEBHOOKS, resolve=resolve))
    assert outbox.counts() == {"delivered": 1}
    [request] = receiver.received()
    assert request.headers["Host"] == f"hooks.example.org:{port}"
    assert request.path == "/hook" and len(asked) == 2
