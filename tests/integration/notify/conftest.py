"""Fixtures for the notification tests: real receivers, and notifiers that always stop."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from ingest.notify.config import NotifyConfig, RetryPolicy
from ingest.notify.dispatcher import OutboxNotifier, build_notifier
from tests.integration.notify.receivers import HttpReceiver, SmtpReceiver
from tests.unit.notify.builders import LOCAL_WEBHOOKS

MakeNotifier = Callable[..., OutboxNotifier]
FAST_RETRY = RetryPolicy(max_attempts=5, initial_s=0.05, max_s=0.2)


def fast_config(**overrides: object) -> NotifyConfig:
    base: dict[str, object] = {
        "webhook": LOCAL_WEBHOOKS,
        "retry": FAST_RETRY,
        "poll_s": 0.2,
    }
    base.update(overrides)
    return NotifyConfig(**base)  # type: ignore[arg-type]


@pytest.fixture
def make_notifier(engine: Engine) -> Iterator[MakeNotifier]:
    """``make_notifier(config=None, start=True)``: a notifier on the test's database."""
    made: list[tuple[OutboxNotifier, bool]] = []

    def make(config: NotifyConfig | None = None, *, start: bool = True) -> OutboxNotifier:
        notifier = build_notifier(engine, config or fast_config())
        if start:
            notifier.start()
        made.append((notifier, start))
        return notifier

    yield make
    for notifier, started in made:
        if started:
            notifier.stop()


@pytest.fixture
def http_receiver() -> Iterator[Callable[..., HttpReceiver]]:
    made: list[HttpReceiver] = []

    def make(statuses: tuple[int, ...] = (), *, hold: bool = False) -> HttpReceiver:
        receiver = HttpReceiver(statuses, hold=hold)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def smtp_receiver() -> Iterator[Callable[..., SmtpReceiver]]:
    made: list[SmtpReceiver] = []

    def make(login: tuple[str, str] | None = None) -> SmtpReceiver:
        receiver = SmtpReceiver(login)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()
