"""All SQL writes of the alarms package, and the reads those writes depend on.

Invariants: episodes and alarms are inserted with ``INSERT … ON CONFLICT (key) DO NOTHING
RETURNING id`` (SQLite ≥ 3.35 and PostgreSQL), so a replayed event finds its key taken and
changes nothing; every state change is a conditional ``UPDATE … WHERE <old state>
RETURNING id`` (close an open episode, clear a raised alarm, flag a freeze exposure once,
claim a follow-up notice), so of two writers (a replay and the live stream, two ingest
processes, two job runs) exactly one sees the change and acts on it (notifies, quarantines).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, case, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ingest.alarms.ports import SENSOR_OFFLINE
from ingest.alarms.records import CLEARED, FREEZE_SENSITIVE, NO_QUARANTINE, RAISED
from ingest.models import (
    AlarmAcknowledgementRow,
    AlarmFollowUpRow,
    AlarmRow,
    DetectorStateRow,
    ExcursionEpisodeRow,
    SensorBindingRow,
    SensorLastSeenRow,
    SensorRow,
    UnitDayFigureRow,
)

_EPISODES: Table = ExcursionEpisodeRow.__table__  # type: ignore[assignment]
_ALARMS: Table = AlarmRow.__table__  # type: ignore[assignment]
_LAST_SEEN: Table = SensorLastSeenRow.__table__  # type: ignore[assignment]
_STATES: Table = DetectorStateRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class CurrentBinding:
    """A registered sensor bound to a unit now, with its reporting interval."""

    sensor_id: str
    reporting_interval_s: int
    facility_code: str
    unit_code: str
    valid_from: datetime


class AlarmRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, table: Table) -> Any:
        name = self.session.get_bind().dialect.name
        if name == "postgresql":
            return postgresql.insert(table)
        if name == "sqlite":
            return sqlite.insert(table)
        raise ValueError(f"alarms need SQLite or PostgreSQL, not {name}")

    def _insert_once(self, table: Table, values: Mapping[str, object]) -> int | None:
        stmt = (
            self._insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(table.c.id)
        )
        found: int | None = self.session.execute(stmt).scalar_one_or_none()
        return found

    def _update_returning(
        self, table: Table, where: ColumnElement[bool], values: Mapping[str, object]
    ) -> int | None:
        stmt = update(table).where(where).values(**values).returning(table.c.id)
        found: int | None = self.session.execute(stmt).scalar_one_or_none()
        return found

    # --- episodes ---

    def put_day_figures(self, rows: Sequence[UnitDayFigureRow]) -> None:
        """Write (or rewrite) the stored figures of these units' days."""
        for row in rows:
            self.session.merge(row)

    def insert_episode(self, values: Mapping[str, object]) -> int | None:
        """The new episode's id, or None when its key is already stored."""
        return self._insert_once(_EPISODES, values)

    def close_episode(self, key: str, values: Mapping[str, object]) -> int | None:
        """Complete an open episode once; None if it is unknown or already closed."""
        c = _EPISODES.c
        return self._update_returning(_EPISODES, and_(c.key == key, c.end_at.is_(None)), values)

    def episodes_overlapping(
        self, facility: str, unit: str, start: datetime, end: datetime | None
    ) -> list[ExcursionEpisodeRow]:
        """The unit's episodes sharing a moment with [start, end) (None: still open), first
        recorded first: the candidates for one excursion seen again (``revisions``)."""
        e = ExcursionEpisodeRow
        where = [e.facility_code == facility, e.unit_code == unit]
        where.append(or_(e.end_at.is_(None), e.end_at > start))
        if end is not None:
            where.append(e.start_at < end)
        return list(self.session.scalars(select(e).where(*where).order_by(e.id)))

    def revise_episode(self, episode_id: int, values: Mapping[str, object]) -> int | None:
        """Revise a stored episode's figures in place (same id, same key)."""
        c = _EPISODES.c
        return self._update_returning(_EPISODES, c.id == episode_id, values)

    def flag_freeze_exposure(self, episode_key: str, at: datetime) -> int | None:
        """Mark the episode freeze-exposed once (at least freeze-sensitive stock to hold)."""
        c = _EPISODES.c
        return self._update_returning(
            _EPISODES,
            and_(c.key == episode_key, c.freeze_exposed_at.is_(None)),
            {
                "freeze_exposed_at": at,
                "quarantine_scope": case(
                    (c.quarantine_scope == NO_QUARANTINE, FREEZE_SENSITIVE),
                    else_=c.quarantine_scope,
                ),
                "quarantined_at": None,
            },
        )

    def episode(self, episode_id: int) -> ExcursionEpisodeRow | None:
        return self.session.get(ExcursionEpisodeRow, episode_id)

    def episode_by_key(self, key: str) -> ExcursionEpisodeRow | None:
        return self.session.scalars(
            select(ExcursionEpisodeRow).where(ExcursionEpisodeRow.key == key)
        ).one_or_none()

    def set_episode_scope(self, episode_id: int, scope: str) -> None:
        self.session.execute(
            update(_EPISODES)
            .where(_EPISODES.c.id == episode_id)
            .values(quarantine_scope=scope, quarantined_at=None)
        )

    def save_episode_exposure(
        self,
        episode_id: int,
        lots: list[dict[str, object]] | None,
        quarantined_at: datetime | None,
    ) -> None:
        values: dict[str, object] = {}
        if lots is not None:
            values["exposed_lots"] = lots
        if quarantined_at is not None:
            values["quarantined_at"] = quarantined_at
        if values:
            self.session.execute(
                update(_EPISODES).where(_EPISODES.c.id == episode_id).values(**values)
            )

    def episodes_to_settle(self, limit: int) -> list[ExcursionEpisodeRow]:
        """Closed episodes whose exposure is unknown, and episodes with quarantine to do."""
        e = ExcursionEpisodeRow
        return list(
            self.session.scalars(
                select(e)
                .where(
                    or_(
                        and_(e.end_at.is_not(None), e.exposed_lots.is_(None)),
                        and_(e.quarantine_scope != NO_QUARANTINE, e.quarantined_at.is_(None)),
                    )
                )
                .order_by(e.id)
                .limit(limit)
            )
        )

    # --- alarms ---

    def insert_alarm(self, values: Mapping[str, object]) -> int | None:
        """The new alarm's id, or None when its key is already stored."""
        return self._insert_once(_ALARMS, values)

    def clear_alarm(self, key: str, cleared_at: datetime, now: datetime) -> int | None:
        """Clear a raised alarm once; None if it is unknown or already cleared."""
        c = _ALARMS.c
        return self._update_returning(
            _ALARMS,
            and_(c.key == key, c.state == RAISED),
            {"state": CLEARED, "cleared_at": cleared_at, "cleared_recorded_at": now},
        )

    def alarm(self, alarm_id: int) -> AlarmRow | None:
        return self.session.get(AlarmRow, alarm_id)

    def alarm_by_key(self, key: str) -> AlarmRow | None:
        return self.session.scalars(select(AlarmRow).where(AlarmRow.key == key)).one_or_none()

    def alarms_overlapping(
        self, facility: str, unit: str, rule_id: str, start: datetime, end: datetime | None
    ) -> list[AlarmRow]:
        """The unit's alarms of one rule raised over a moment of [start, end) (None: still
        raised), first recorded first (``revisions``)."""
        a = AlarmRow
        where = [a.facility_code == facility, a.unit_code == unit, a.type == rule_id]
        where.append(or_(a.cleared_at.is_(None), a.cleared_at > start))
        if end is not None:
            where.append(a.started_at < end)
        return list(self.session.scalars(select(a).where(*where).order_by(a.id)))

    def revise_alarm(self, alarm_id: int, values: Mapping[str, object]) -> int | None:
        """Revise a stored alarm's figures in place: same id and key, its state, notices,
        escalation and acknowledgements untouched."""
        return self._update_returning(_ALARMS, _ALARMS.c.id == alarm_id, values)

    def alarm_for_update(self, alarm_id: int) -> AlarmRow | None:
        return self.session.scalars(
            select(AlarmRow).where(AlarmRow.id == alarm_id).with_for_update()
        ).one_or_none()

    def severities_of(self, keys: Iterable[str]) -> list[str]:
        wanted = list(keys)
        if not wanted:
            return []
        return list(self.session.scalars(select(AlarmRow.severity).where(AlarmRow.key.in_(wanted))))

    def add_acknowledgement(self, row: AlarmAcknowledgementRow) -> None:
        self.session.add(row)
        self.session.flush()

    def awaiting_follow_up(self) -> list[AlarmRow]:
        """Raised alarms nobody has acknowledged (the follow-up policy decides the rest)."""
        return list(
            self.session.scalars(
                select(AlarmRow)
                .where(AlarmRow.state == RAISED, AlarmRow.acknowledged_at.is_(None))
                .order_by(AlarmRow.id)
            )
        )

    def claim_follow_up(
        self,
        alarm_id: int,
        *,
        seen_notified_at: datetime | None,
        seen_level: int,
        notified_at: datetime,
        level: int,
    ) -> bool:
        """Record a follow-up notice if nobody else did since we looked (compare-and-set)."""
        c = _ALARMS.c
        same_notice = (
            c.last_notified_at.is_(None)
            if seen_notified_at is None
            else c.last_notified_at == seen_notified_at
        )
        where = and_(
            c.id == alarm_id,
            c.state == RAISED,
            c.acknowledged_at.is_(None),
            c.escalation_level == seen_level,
            same_notice,
        )
        return (
            self._update_returning(
                _ALARMS, where, {"last_notified_at": notified_at, "escalation_level": level}
            )
            is not None
        )

    def open_facility_alarms(self, alarm_type: str) -> list[AlarmRow]:
        """Raised facility alarms (no unit) of one type."""
        a = AlarmRow
        return list(
            self.session.scalars(
                select(a).where(a.type == alarm_type, a.unit_code.is_(None), a.state == RAISED)
            )
        )

    def open_offline_alarms(self) -> list[AlarmRow]:
        return list(
            self.session.scalars(
                select(AlarmRow).where(AlarmRow.type == SENSOR_OFFLINE, AlarmRow.state == RAISED)
            )
        )

    def save_alarm_exposure(
        self, alarm_id: int, lots: list[dict[str, object]] | None, quarantined_at: datetime | None
    ) -> None:
        values: dict[str, object] = {}
        if lots is not None:
            values["exposed_lots"] = lots
        if quarantined_at is not None:
            values["quarantined_at"] = quarantined_at
        if values:
            self.session.execute(update(_ALARMS).where(_ALARMS.c.id == alarm_id).values(**values))

    def alarms_to_settle(self, limit: int) -> list[AlarmRow]:
        """Temperature alarms whose exposure is unknown, or with quarantine still to do."""
        a = AlarmRow
        return list(
            self.session.scalars(
                select(a)
                .where(
                    a.type != SENSOR_OFFLINE,
                    a.unit_code.is_not(None),  # facility alarms expose nothing
                    or_(
                        a.exposed_lots.is_(None),
                        and_(a.quarantine_scope != NO_QUARANTINE, a.quarantined_at.is_(None)),
                    ),
                )
                .order_by(a.id)
                .limit(limit)
            )
        )

    def open_since(self, unit_code: str) -> datetime | None:
        """The earliest start of the unit's open episodes and raised temperature alarms:
        where a detector rebuilt by replay must begin to reproduce their keys."""
        return self.open_since_of([unit_code]).get(unit_code)

    def open_since_of(self, unit_codes: Sequence[str]) -> dict[str, datetime]:
        """``open_since`` of several units (two grouped queries per 500 units); units with
        nothing open are left out."""
        e, a = ExcursionEpisodeRow, AlarmRow
        starts: dict[str, datetime] = {}
        codes = list(dict.fromkeys(unit_codes))
        for i in range(0, len(codes), 500):
            chunk = codes[i : i + 500]
            episodes = (
                select(e.unit_code, func.min(e.start_at))
                .where(e.unit_code.in_(chunk), e.end_at.is_(None))
                .group_by(e.unit_code)
            )
            alarms = (
                select(a.unit_code, func.min(a.started_at))
                .where(a.unit_code.in_(chunk), a.state == RAISED, a.type != SENSOR_OFFLINE)
                .group_by(a.unit_code)
            )
            for query in (episodes, alarms):
                for unit, start in self.session.execute(query):
                    if unit is None:
                        continue
                    if start is not None and (unit not in starts or start < starts[unit]):
                        starts[unit] = start
        return starts

    # --- detector states (a restart resumes from them) ---

    def save_detector_states(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Upsert (facility, unit) → state, in the caller's (the batch's) transaction."""
        if not rows:
            return
        insert = self._insert(_STATES)
        excluded = insert.excluded
        stmt = insert.on_conflict_do_update(
            index_elements=["facility_code", "unit_code"],
            set_={
                "newest_ns": excluded.newest_ns,
                "state": excluded.state,
                "updated_at": excluded.updated_at,
            },
        )
        self.session.execute(stmt, [dict(row) for row in rows])

    def detector_states_of(self, unit_codes: Sequence[str]) -> dict[tuple[str, str], Any]:
        """The saved states of these units ((facility, unit) → state), 500 units a query."""
        d = DetectorStateRow
        found: dict[tuple[str, str], Any] = {}
        codes = list(dict.fromkeys(unit_codes))
        for i in range(0, len(codes), 500):
            rows = self.session.execute(
                select(d.facility_code, d.unit_code, d.state).where(
                    d.unit_code.in_(codes[i : i + 500])
                )
            )
            for facility, unit, state in rows:
                found[(facility, unit)] = state
        return found

    # --- sensors: last seen and current bindings ---

    def record_last_seen(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Upsert (sensor → newest device time); an older time never overwrites a newer."""
        if not rows:
            return
        insert = self._insert(_LAST_SEEN)
        excluded = insert.excluded
        stmt = insert.on_conflict_do_update(
            index_elements=["sensor_id"],
            set_={
                "last_seen_ns": excluded.last_seen_ns,
                "facility_code": excluded.facility_code,
                "unit_code": excluded.unit_code,
                "updated_at": excluded.updated_at,
            },
            where=_LAST_SEEN.c.last_seen_ns < excluded.last_seen_ns,
        )
        self.session.execute(stmt, [dict(row) for row in rows])

    def last_seen(self) -> dict[str, int]:
        rows = self.session.execute(
            select(SensorLastSeenRow.sensor_id, SensorLastSeenRow.last_seen_ns)
        )
        return {sensor: int(seen) for sensor, seen in rows}

    def current_bindings(self, now: datetime) -> list[CurrentBinding]:
        s, b = SensorRow, SensorBindingRow
        rows = self.session.execute(
            select(s.sensor_id, s.reporting_interval_s, b.facility_code, b.unit_code, b.valid_from)
            .join(b, b.sensor_id == s.sensor_id)
            .where(b.valid_from <= now, or_(b.valid_to.is_(None), b.valid_to > now))
            .order_by(s.sensor_id)
        )
        return [CurrentBinding(*row) for row in rows]

    # --- the follow-up work queue (ingest/alarms/follow_ups.py) ---

    def add_follow_ups(self, work: Sequence[tuple[str, int]], now: datetime) -> None:
        """Queue (kind, row id) pairs in the caller's transaction."""
        if work:
            self.session.execute(
                insert(AlarmFollowUpRow),
                [
                    {"kind": kind, "row_id": row_id, "created_at": now, "attempts": 0}
                    for kind, row_id in work
                ],
            )

    def pending_follow_ups(self, limit: int) -> list[tuple[int, str, int]]:
        """The oldest undone work first: (follow-up id, kind, row id)."""
        f = AlarmFollowUpRow
        rows = self.session.execute(
            select(f.id, f.kind, f.row_id).where(f.done_at.is_(None)).order_by(f.id).limit(limit)
        )
        return [(r.id, r.kind, r.row_id) for r in rows]

    def finish_follow_up(self, follow_up_id: int, now: datetime) -> None:
        f = AlarmFollowUpRow
        self.session.execute(update(f).where(f.id == follow_up_id).values(done_at=now))

    def retry_follow_up(self, follow_up_id: int) -> None:
        f = AlarmFollowUpRow
        self.session.execute(update(f).where(f.id == follow_up_id).values(attempts=f.attempts + 1))

    def follow_up_attempts(self, follow_up_id: int) -> int:
        found = self.session.get(AlarmFollowUpRow, follow_up_id)
        return 0 if found is None else found.attempts
