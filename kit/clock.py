"""The clock: a zero-argument callable that returns an aware UTC ``datetime``.

Services take a ``Clock`` instead of calling ``datetime.now`` so that tests (and the retention
rules) can run on a controlled clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: now, aware, in UTC."""
    return datetime.now(UTC)
