"""The durable outbox: written before ``notify`` returns, once per (notice, contact),
resumed after a restart or a crash mid-send."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from coldchain.db import make_engine
from ingest.notify.contacts import add_contact
from ingest.notify.dispatcher import build_notifier
from ingest.notify.outbox import SqlOutbox
from tests.integration.notify.conftest import MakeNotifier, fast_config
from tests.integration.notify.receivers import HttpReceiver, wait_until
from tests.unit.notify.builders import LOCAL_WEBHOOKS, make_notice


def test_rows_are_committed_before_notify_returns(engine: Engine, database_url: str) -> None:
    add_contact(engine, "clinic-1", "webhook", "http://127.0.0.1:9/a", "A", webhook=LOCAL_WEBHOOKS)
    add_contact(engine, "clinic-1", "email", "nurse@clinic.example", "Nurse")
    notifier = build_notifier(engine, fast_config())  # never started: nothing sends
    notifier.notify(make_notice())
    other = make_engine(database_url)  # another connection pool, as after a crash
    try:
        entries = SqlOutbox(other).entries()
    finally:
        other.dispose()
    assert sorted((e.channel, e.status) for e in entries) == [
        ("email", "failed"),  # no SMTP configured: recorded, not left pending
        ("webhook", "pending"),
    ]
    assert [e.last_error for e in entries if e.channel == "email"] == [
        "channel email is not configured"
    ]


def test_the_same_notice_twice_is_delivered_once(
    engine: Engine,
    make_notifier: MakeNotifier,
    http_receiver: Callable[..., HttpReceiver],
) -> None:
    receiver = http_receiver()
    add_contact(engine, "clinic-1", "webhook", receiver.url(), "Ops", webhook=LOCAL_WEBHOOKS)
    notifier = make_notifier()
    notifier.notify(make_notice())
    notifier.notify(make_notice())
    later = make_notice(notice_id="renotified:k:2024-05-01T18:30:00+00:00")
    notifier.notify(later)
    outbox = SqlOutbox(engine)
    wait_until(lambda: outbox.counts() == {"delivered": 2}, what="both notices delivered")
    ids = [r.headers["X-Coldchain-Notice-Id"] for r in receiver.received()]
    assert sorted(ids) == sorted([make_notice().notice_id, later.notice_id])
    assert notifier.spilled() == 0


def test_a_restarted_dispatcher_delivers_what_the_last_one_left(
    engine: Engine,
    database_url: str,
    make_notifier: MakeNotifier,
    http_receiver: Callable[..., HttpReceiver],
) -> None:
    receiver = http_receiver()
    add_contact(engine, "clinic-1", "webhook", receiver.url(), "Ops", webhook=LOCAL_WEBHOOKS)
    crashed = build_notifier(engine, fast_config())  # accepted, then "crashed" (never sent)
    crashed.notify(make_notice())
    assert receiver.received() == []
    fresh = make_engine(database_url)
    try:
        restarted = build_notifier(fresh, fast_config())
        restarted.start()
        try:
            wait_until(lambda: len(receiver.received()) == 1, what="resumed delivery")
            wait_until(lambda: SqlOutbox(engine).counts() == {"delivered": 1})
        finally:
            restarted.stop()
    finally:
        fresh.dispose()


def test_a_lease_left_by_a_crash_mid_send_expires_and_the_row_is_resumed(
    engine: Engine,
    make_notifier: MakeNotifier,
    http_receiver: Callable[..., HttpReceiver],
) -> None:
    receiver = http_receiver()
    add_contact(engine, "clinic-1", "webhook", receiver.url(), "Ops", webhook=LOCAL_WEBHOOKS)
    build_notifier(engine, fast_config()).notify(make_notice())
    build_notifier(engine, fast_config()).notify(make_notice(notice_id="raised:other"))
    outbox = SqlOutbox(engine)
    [short] = outbox.claim("webhook", 1, lease_s=0.3)  # a dispatcher that died while sending
    [held] = outbox.claim("webhook", 1, lease_s=600)  # one that is still sending
    make_notifier()
    wait_until(lambda: len(receiver.received()) == 1, what="expired lease resumed")
    by_id = {e.id: e for e in outbox.entries()}
    wait_until(lambda: SqlOutbox(engine).entries()[0].status == "delivered")
    assert receiver.received()[0].headers["X-Coldchain-Notice-Id"] == short.notice_id
    assert (by_id[held.id].status, by_id[held.id].attempts) == ("pending", 0)


def test_deliveries_wait_in_the_outbox_for_a_webhook_that_is_down(
    engine: Engine, make_notifier: MakeNotifier
) -> None:
    add_contact(
        engine, "clinic-1", "webhook", "http://127.0.0.1:9/hook", "Nowhere", webhook=LOCAL_WEBHOOKS
    )
    make_notifier().notify(make_notice())
    outbox = SqlOutbox(engine)
    wait_until(lambda: outbox.entries()[0].attempts >= 2, what="retried")
    [entry] = outbox.entries()
    assert entry.status == "pending"
    assert entry.last_error is not None and "ConnectError" in entry.last_error
