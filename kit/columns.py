"""Column types shared by every room: ``UTCDateTime``, aware UTC times in and out.

SQLite keeps no offset, so the value is stored there as naive UTC text and read back as aware
UTC; PostgreSQL stores ``timestamptz`` (``coldchain.db`` opens its sessions in UTC, so psycopg
hands back times in UTC and a read converts nothing). A naive ``datetime`` is refused on the
way in: a time whose zone nobody knows is a bug, never a guess.

On SQLite a read turns the stored text into an aware time in one step
(``datetime.fromisoformat`` of the text with ``+00:00``), and remembers the last few
thousand texts read (many rows share a time): the generic path (parse to a naive time, then
``replace(tzinfo=UTC)``) cost ~20 µs a value here, and a lot trace reads thousands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, TypeDecorator

_KNOWN = 4096  # texts remembered per column type and dialect (then forgotten all at once)


def _aware_utc(value: Any) -> datetime | None:
    """A driver's aware time in UTC; a UTC session's need no conversion."""
    if value is None or value.tzinfo is UTC:
        return value  # type: ignore[no-any-return]
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (naive UTC text) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: Any
    ) -> Callable[[Any], datetime | None] | None:
        if dialect.name != "sqlite":
            return _aware_utc  # PostgreSQL: the driver's aware times (UTC in a UTC session)
        generic = super().result_processor(dialect, coltype)
        assert generic is not None
        known: dict[str, datetime] = {}  # times are immutable: one read of the same text

        def from_text(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                found = known.get(value)
                if found is not None:
                    return found
                try:
                    found = datetime.fromisoformat(value + "+00:00")
                except ValueError:
                    pass  # not plain naive ISO text: the generic path says what is wrong
                else:
                    if len(known) >= _KNOWN:
                        known.clear()
                    known[value] = found
                    return found
            return generic(value)

        return from_text
