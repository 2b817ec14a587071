"""Dead letters: messages (or list items) that could not be stored, and why.

Invariant: the dead letters of one batch, and the unregistered sensors it heard, are
written in ONE SQL transaction; the pipeline acknowledges the messages behind them only
after that transaction committed. A failure raises ``StoreUnavailable`` and nothing of the
batch is acknowledged, so the broker redelivers it. Payloads are kept up to 4 KiB.

A letter is keyed on its content (topic, reason, payload, and for a reading the sink refused,
that reading), so a redelivery after a crash between the commit and the broker's PUBACK adds
nothing: the same bad content on the same topic is kept once, at its first receive time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

from ingest.decode import Sighting
from ingest.errors import StoreUnavailable
from ingest.models import DeadLetterRow, UnregisteredSensorRow

MAX_PAYLOAD_BYTES = 4096


@dataclass(frozen=True, slots=True)
class DeadLetter:
    topic: str
    payload: bytes
    reason: str
    detail: str
    received_at_ns: int
    part: str = ""  # which reading of the payload, when a letter is one of several

    @property
    def key(self) -> str:
        """SHA-256 of what makes this letter distinct; the same on every redelivery."""
        digest = hashlib.sha256()
        for piece in (self.topic.encode(), self.reason.encode(), self.part.encode()):
            digest.update(piece)
            digest.update(b"\0")
        digest.update(self.payload)
        return digest.hexdigest()


class DeadLetterStore(Protocol):
    def record(
        self, letters: Sequence[DeadLetter], unregistered: Mapping[str, Sighting]
    ) -> None: ...


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ns_to_datetime(ns: int) -> datetime:
    """An aware UTC datetime (µs resolution, exact) from nanoseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=ns // 1_000)


class SqlDeadLetterStore:
    """Dead letters and unregistered-sensor sightings in the SQL database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, letters: Sequence[DeadLetter], unregistered: Mapping[str, Sighting]) -> None:
        if not letters and not unregistered:
            return
        try:
            with self._engine.begin() as conn:
                if letters:
                    conn.execute(self._insert_new_letters(), _rows(letters))
                if unregistered:
                    conn.execute(self._upsert_sightings(), _sighting_rows(unregistered))
        except DBAPIError as exc:
            raise StoreUnavailable(f"dead letters not written: {exc}") from exc

    def _insert_new_letters(self) -> Executable:
        table = DeadLetterRow.__table__
        assert isinstance(table, Table)
        make = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        return make(table).on_conflict_do_nothing(index_elements=[table.c.letter_key])

    def _upsert_sightings(self) -> Executable:
        table = UnregisteredSensorRow.__table__
        assert isinstance(table, Table)
        make = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        stmt = make(table)
        return stmt.on_conflict_do_update(
            index_elements=[table.c.sensor_id],
            set_={
                "facility_code": stmt.excluded.facility_code,
                "unit_code": stmt.excluded.unit_code,
                "last_seen_at": stmt.excluded.last_seen_at,
                "readings": table.c.readings + stmt.excluded.readings,
            },
        )


def _sighting_rows(unregistered: Mapping[str, Sighting]) -> list[dict[str, object]]:
    return [
        {
            "sensor_id": sensor_id,
            "facility_code": seen.facility,
            "unit_code": seen.unit,
            "first_seen_at": ns_to_datetime(seen.first_seen_ns),
            "last_seen_at": ns_to_datetime(seen.last_seen_ns),
            "readings": seen.readings,
        }
        for sensor_id, seen in sorted(unregistered.items())
    ]


def _rows(letters: Sequence[DeadLetter]) -> list[dict[str, object]]:
    # One batch may hold the same letter twice (a message redelivered into the batch that
    # holds its first copy): the key must appear once per statement on PostgreSQL.
    unique = {letter.key: letter for letter in reversed(letters)}
    return [_row(key, letter) for key, letter in reversed(unique.items())]


def _row(key: str, letter: DeadLetter) -> dict[str, object]:
    return {
        "letter_key": key,
        "topic": letter.topic,
        "payload": letter.payload[:MAX_PAYLOAD_BYTES],
        "payload_size": len(letter.payload),
        "reason": letter.reason,
        "detail": letter.detail,
        "received_at": ns_to_datetime(letter.received_at_ns),
    }


# --- read side (operators, tests) ---


@dataclass(frozen=True, slots=True)
class StoredDeadLetter:
    id: int
    topic: str
    payload: bytes
    payload_size: int
    reason: str
    detail: str
    received_at: datetime


def recent_dead_letters(engine: Engine, limit: int = 1000) -> list[StoredDeadLetter]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(DeadLetterRow.__table__).order_by(DeadLetterRow.id.desc()).limit(limit)
        ).all()
    return [
        StoredDeadLetter(
            r.id,
            r.topic,
            r.payload,
            r.payload_size,
            r.reason,
            r.detail,
            r.received_at,
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class UnregisteredSensor:
    sensor_id: str
    facility: str
    unit: str
    readings: int


def unregistered_sensors(engine: Engine) -> list[UnregisteredSensor]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(UnregisteredSensorRow.__table__).order_by(UnregisteredSensorRow.sensor_id)
        ).all()
    return [UnregisteredSensor(r.sensor_id, r.facility_code, r.unit_code, r.readings) for r in rows]
