"""The notifier and its lanes, over an in-memory outbox and scripted channels."""

from __future__ import annotations

from ingest.notify.config import NotifyConfig, RetryPolicy
from ingest.notify.dispatcher import OutboxNotifier
from ingest.notify.errors import DeliveryRejected
from tests.unit.notify.builders import FakeOutbox, ScriptedChannel, failures, make_notice

FAST = NotifyConfig(retry=RetryPolicy(max_attempts=4, initial_s=0.01, max_s=0.02), poll_s=0.05)


def _notifier(outbox: FakeOutbox, channel: ScriptedChannel) -> OutboxNotifier:
    return OutboxNotifier(outbox, {"webhook": channel}, FAST)


def test_a_failing_send_is_retried_until_it_succeeds() -> None:
    outbox, channel = FakeOutbox(), ScriptedChannel(failures(2))
    notifier = _notifier(outbox, channel)
    notifier.start()
    try:
        notifier.notify(make_notice())
        [row] = outbox.wait_settled()
    finally:
        notifier.stop()
    assert (row.status, row.attempts) == ("delivered", 3)
    assert row.errors == ["HTTP 500 (attempt 1)", "HTTP 500 (attempt 2)"]
    assert len(channel.sent) == 1


def test_after_max_attempts_the_delivery_is_given_up() -> None:
    outbox, channel = FakeOutbox(), ScriptedChannel(failures(10))
    notifier = _notifier(outbox, channel)
    notifier.start()
    try:
        notifier.notify(make_notice())
        [row] = outbox.wait_settled()
    finally:
        notifier.stop()
    assert (row.status, row.attempts) == ("failed", 4)
    assert channel.sent == []


def test_a_rejected_delivery_is_not_retried() -> None:
    outbox, channel = FakeOutbox(), ScriptedChannel([DeliveryRejected("bad topic")])
    notifier = _notifier(outbox, channel)
    notifier.start()
    try:
        notifier.notify(make_notice())
        [row] = outbox.wait_settled()
    finally:
        notifier.stop()
    assert (row.status, row.attempts, row.errors) == ("failed", 1, ["bad topic"])


def test_notify_never_raises_and_keeps_the_notice_until_the_outbox_takes_it() -> None:
    outbox, channel = FakeOutbox(refuse=True), ScriptedChannel()
    notifier = _notifier(outbox, channel)
    notifier.notify(make_notice())
    assert notifier.spilled() == 1
    assert outbox.rows == {}
    outbox.refuse = False
    notifier.flush_spilled()
    assert notifier.spilled() == 0
    assert [key for key in outbox.rows] == [(make_notice().notice_id, "contact:1")]


def test_notices_accepted_before_start_are_sent_on_start() -> None:
    outbox, channel = FakeOutbox(), ScriptedChannel()
    notifier = _notifier(outbox, channel)
    notifier.notify(make_notice())
    assert channel.sent == []
    notifier.start()
    try:
        [row] = outbox.wait_settled()
    finally:
        notifier.stop()
    assert row.status == "delivered"
    assert channel.started and channel.closed
