"""Capped exponential back-off between delivery attempts."""

from __future__ import annotations

from ingest.notify.config import RetryPolicy


def test_the_delay_doubles_after_each_failed_attempt() -> None:
    policy = RetryPolicy(max_attempts=10, initial_s=2.0, max_s=300.0)
    assert [policy.delay_s(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]


def test_the_delay_is_capped() -> None:
    policy = RetryPolicy(max_attempts=100, initial_s=2.0, max_s=300.0)
    assert policy.delay_s(9) == 300.0
    assert policy.delay_s(1000) == 300.0
