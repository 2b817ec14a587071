"""Read side of alarms and excursions: lists, details, the unit status board, daily summaries.

Scoping is the caller's: ``facility_codes`` (the API passes the codes of the caller's
facility subtree) restricts every list; ``None`` means no restriction and ``[]`` means
nothing. Unit status combines the telemetry store's newest reading with the open alarms and
the open episode; daily summaries are computed on request with the pure ``summarise_day``
over the unit's raw readings (so late readings count), with alarm flags from the alarms
table. Reads run in one short transaction each and never write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ingest.alarms.errors import AlarmNotFound, EpisodeNotFound, InvalidQuery, UnknownUnit
from ingest.alarms.performance import OFFLINE, DaySlice, UnitPerformance, unit_figures
from ingest.alarms.ports import UnitDirectory, UnitInfo
from ingest.alarms.records import RAISED
from ingest.alarms.views import (
    AlarmDetail,
    AlarmView,
    DailySummaryView,
    EpisodeDetail,
    EpisodeView,
    NotificationView,
    UnitStatus,
    acknowledgement_view,
    alarm_view,
    episode_view,
    unit_state,
)
from ingest.detect import UnitConfig, day_bounds, summarise_day, to_utc
from ingest.models import (
    AlarmAcknowledgementRow,
    AlarmRow,
    ExcursionEpisodeRow,
    NotificationOutboxRow,
    UnitDayFigureRow,
)
from ingest.queries import LatestReading
from ingest.readings import Reading
from kit.clock import utc_now

MAX_LIMIT = 1000
MAX_SUMMARY_DAYS = 92
# A stored day figure keeps its MKT (or observed nothing): one stored before migration 0035
# has none, and is computed again by the job and read from readings by the report.
_KEEPS_ITS_MKT = UnitDayFigureRow.mkt_c.is_not(None) | (UnitDayFigureRow.observed_minutes <= 0)


class Telemetry(Protocol):
    """What the read side needs of the telemetry store (``ingest.queries`` readers)."""

    def latest(self, units: Sequence[str] | None = None) -> dict[str, LatestReading]: ...

    def raw_readings(self, unit: str, *, start: datetime, end: datetime) -> list[Reading]: ...


class AlarmQueries:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        telemetry: Telemetry | None = None,
        units: UnitDirectory | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = session_factory
        self._telemetry = telemetry
        self._units = units
        self._clock = clock

    # --- alarms ---

    def alarms(
        self,
        *,
        state: str | None = None,
        facility_codes: Sequence[str] | None = None,
        alarm_type: str | None = None,
        unit: str | None = None,
        severity: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AlarmView]:
        """Alarms newest first (by raised_at, then id), filtered by state (raised |
        cleared), facility codes, type (rule id or SENSOR_OFFLINE), unit and severity."""
        _check_page(limit, offset)
        a = AlarmRow
        query = select(a)
        if state is not None:
            query = query.where(a.state == state)
        if facility_codes is not None:
            query = query.where(a.facility_code.in_(list(facility_codes)))
        if alarm_type is not None:
            query = query.where(a.type == alarm_type)
        if unit is not None:
            query = query.where(a.unit_code == unit)
        if severity is not None:
            query = query.where(a.severity == severity)
        query = query.order_by(a.raised_at.desc(), a.id.desc()).limit(limit).offset(offset)
        with self._sessions() as session:
            return [alarm_view(row) for row in session.scalars(query)]

    def alarm(self, alarm_id: int) -> AlarmDetail:
        """One alarm with its acknowledgement history; ``AlarmNotFound``."""
        with self._sessions() as session:
            row = session.get(AlarmRow, alarm_id)
            if row is None:
                raise AlarmNotFound(alarm_id)
            acks = session.scalars(
                select(AlarmAcknowledgementRow)
                .where(AlarmAcknowledgementRow.alarm_id == alarm_id)
                .order_by(AlarmAcknowledgementRow.id)
            )
            return AlarmDetail(alarm_view(row), tuple(acknowledgement_view(r) for r in acks))

    def notifications(self, alarm_id: int) -> list[NotificationView]:
        """Every notice of the alarm to every recipient, oldest first: who was told when,
        by which channel (the escalation ladder of the alarm page)."""
        n = NotificationOutboxRow
        query = select(n).where(n.alarm_id == alarm_id).order_by(n.created_at, n.id)
        with self._sessions() as session:
            return [
                NotificationView(
                    r.kind,
                    r.channel,
                    r.address,
                    r.status,
                    r.attempts,
                    r.created_at,
                    r.delivered_at,
                )
                for r in session.scalars(query)
            ]

    # --- episodes ---

    def episodes(
        self,
        *,
        facility_codes: Sequence[str] | None = None,
        unit: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        open_only: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[EpisodeView]:
        """Episodes newest first; with ``start``/``end``, those overlapping [start, end)."""
        _check_page(limit, offset)
        e = ExcursionEpisodeRow
        query = select(e)
        if facility_codes is not None:
            query = query.where(e.facility_code.in_(list(facility_codes)))
        if unit is not None:
            query = query.where(e.unit_code == unit)
        if end is not None:
            query = query.where(e.start_at < end)
        if start is not None:
            query = query.where(e.end_at.is_(None) | (e.end_at > start))
        if open_only:
            query = query.where(e.end_at.is_(None))
        query = query.order_by(e.start_at.desc(), e.id.desc()).limit(limit).offset(offset)
        with self._sessions() as session:
            return [episode_view(row) for row in session.scalars(query)]

    def episodes_overlapping(
        self, unit_code: str, start: datetime, end: datetime
    ) -> list[EpisodeView]:
        """Every episode of the unit that overlapped [start, end), oldest first: what the
        lot trace shows for one stay of a lot in a unit (domain rule 19)."""
        e = ExcursionEpisodeRow
        query = (
            select(e)
            .where(e.unit_code == unit_code, e.start_at < end)
            .where(e.end_at.is_(None) | (e.end_at > start))
            .order_by(e.start_at, e.id)
        )
        with self._sessions() as session:
            return [episode_view(row) for row in session.scalars(query)]

    def episodes_overlapping_each(
        self, windows: Sequence[tuple[str, datetime, datetime]]
    ) -> list[list[EpisodeView]]:
        """``episodes_overlapping`` of each (unit code, start, end), in the order given, in
        one query per 500 units (the trace of a lot held in thousands of units asks this)."""
        if not windows:
            return []
        e = ExcursionEpisodeRow
        query = (
            select(e)
            .where(e.start_at < max(end for _, _, end in windows))
            .where(e.end_at.is_(None) | (e.end_at > min(start for _, start, _ in windows)))
            .order_by(e.start_at, e.id)
        )
        of_unit: dict[str, list[EpisodeView]] = {}
        with self._sessions() as session:
            for chunk in _chunks(list(dict.fromkeys(unit for unit, _, _ in windows))):
                for row in session.scalars(query.where(e.unit_code.in_(chunk))):
                    of_unit.setdefault(row.unit_code, []).append(episode_view(row))
        return [
            [
                episode
                for episode in of_unit.get(unit, ())
                if episode.start_at < end and (episode.end_at is None or episode.end_at > start)
            ]
            for unit, start, end in windows
        ]

    def alarms_of_episodes(self, episode_keys: Sequence[str]) -> dict[str, tuple[AlarmView, ...]]:
        """The alarms raised during each episode (by episode key, oldest id first), in one
        query per 500 episodes; an episode without alarms maps to ``()``."""
        found: dict[str, list[AlarmView]] = {key: [] for key in episode_keys}
        a = AlarmRow
        with self._sessions() as session:
            for chunk in _chunks(list(found)):
                query = select(a).where(a.episode_key.in_(chunk)).order_by(a.id)
                for row in session.scalars(query):
                    if row.episode_key in found:
                        found[row.episode_key].append(alarm_view(row))
        return {key: tuple(alarms) for key, alarms in found.items()}

    def episode(self, episode_id: int) -> EpisodeDetail:
        """One episode with its exposed lots and the alarms raised during it."""
        with self._sessions() as session:
            row = session.get(ExcursionEpisodeRow, episode_id)
            if row is None:
                raise EpisodeNotFound(episode_id)
            return self._detail(session, row)

    def episode_by_key(self, key: str) -> EpisodeDetail:
        with self._sessions() as session:
            row = session.scalars(
                select(ExcursionEpisodeRow).where(ExcursionEpisodeRow.key == key)
            ).one_or_none()
            if row is None:
                raise EpisodeNotFound(key)
            return self._detail(session, row)

    def _detail(self, session: Session, row: ExcursionEpisodeRow) -> EpisodeDetail:
        alarms = session.scalars(
            select(AlarmRow).where(AlarmRow.episode_key == row.key).order_by(AlarmRow.id)
        )
        return EpisodeDetail(episode_view(row), tuple(alarm_view(a) for a in alarms))

    # --- unit status board ---

    def unit_status(self, unit_codes: Sequence[str]) -> list[UnitStatus]:
        """One status per unit code, in the order given (the API passes the units in the
        caller's scope). The newest reading comes from the telemetry store."""
        codes = list(dict.fromkeys(unit_codes))
        if not codes:
            return []
        latest = self._telemetry.latest(codes) if self._telemetry is not None else {}
        with self._sessions() as session:
            alarms = session.scalars(
                select(AlarmRow)
                .where(AlarmRow.unit_code.in_(codes), AlarmRow.state == RAISED)
                .order_by(AlarmRow.raised_at, AlarmRow.id)
            ).all()
            episodes = session.scalars(
                select(ExcursionEpisodeRow)
                .where(
                    ExcursionEpisodeRow.unit_code.in_(codes), ExcursionEpisodeRow.end_at.is_(None)
                )
                .order_by(ExcursionEpisodeRow.start_at)
            ).all()
        by_unit: dict[str, list[AlarmView]] = {}
        for a in alarms:
            if a.unit_code is not None:
                by_unit.setdefault(a.unit_code, []).append(alarm_view(a))
        open_episode = {e.unit_code: episode_view(e) for e in episodes}  # newest wins
        statuses = []
        for code in codes:
            open_alarms = tuple(by_unit.get(code, ()))
            episode = open_episode.get(code)
            reading = latest.get(code)
            facility = reading.facility if reading else _facility(open_alarms, episode)
            statuses.append(
                UnitStatus(
                    unit=code,
                    facility=facility,
                    state=unit_state(open_alarms, episode),
                    latest=reading,
                    open_alarms=open_alarms,
                    open_episode=episode,
                )
            )
        return statuses

    # --- daily summaries ---

    def daily_summaries(self, unit_code: str, first: date, last: date) -> list[DailySummaryView]:
        """The Fridge-tag record of each local day from ``first`` to ``last`` (inclusive,
        at most 92 days) in the unit's time zone; days that have not begun are left out and
        today runs until now. ``UnknownUnit`` when the directory does not know the unit."""
        if last < first or (last - first).days >= MAX_SUMMARY_DAYS:
            raise InvalidQuery(f"give 1 to {MAX_SUMMARY_DAYS} days, first <= last")
        info = self._units.unit(unit_code) if self._units is not None else None
        if info is None or self._telemetry is None:
            raise UnknownUnit(unit_code)
        config = UnitConfig.for_profile(
            info.profile, rules=info.rules, reporting_interval_s=info.reporting_interval_s
        )
        now = self._clock()
        start_ns, _ = day_bounds(first, info.time_zone)
        _, end_ns = day_bounds(last, info.time_zone)
        begin = to_utc(start_ns) - timedelta(seconds=config.gap_ns / 1e9)
        end = min(to_utc(end_ns), now + timedelta(microseconds=1))
        if begin >= end:
            return []
        readings = self._telemetry.raw_readings(unit_code, start=begin, end=end)
        with self._sessions() as session:
            fired = session.execute(
                select(AlarmRow.type, AlarmRow.raised_at).where(
                    AlarmRow.unit_code == unit_code,
                    AlarmRow.raised_at >= to_utc(start_ns),
                    AlarmRow.raised_at < to_utc(end_ns),
                )
            ).all()
        return [
            _day_view(unit_code, day, info.time_zone, readings, config, fired, now)
            for day in _days(first, last)
            if to_utc(day_bounds(day, info.time_zone)[0]) <= now
        ]

    # --- stored daily figures (the status board's time in range) ---

    def stored_days(self, unit_codes: Sequence[str], since: date) -> set[tuple[str, date]]:
        """(unit, day) of every stored day figure from ``since`` on (a day with readings
        stored before figures kept their MKT, migration 0035, is not: it is computed again)."""
        f = UnitDayFigureRow
        query = select(f.unit_code, f.day).where(f.day >= since, _KEEPS_ITS_MKT)
        found: set[tuple[str, date]] = set()
        with self._sessions() as session:
            for chunk in _chunks(list(unit_codes)):
                rows = session.execute(query.where(f.unit_code.in_(chunk)))
                found.update((code, day) for code, day in rows)
        return found

    def stored_time_in_range(
        self, unit_codes: Sequence[str], first: date, last: date
    ) -> dict[str, float | None]:
        """Per unit with stored days in [first, last]: in range ÷ observed × 100 (rule 26's
        time in range; None when nothing was observed). One grouped query per 500 units."""
        f = UnitDayFigureRow
        query = (
            select(
                f.unit_code,
                func.sum(f.observed_minutes),
                func.sum(f.above_minutes),
                func.sum(f.below_minutes),
            )
            .where(f.day >= first, f.day <= last)
            .group_by(f.unit_code)
        )
        found: dict[str, float | None] = {}
        with self._sessions() as session:
            for chunk in _chunks(list(unit_codes)):
                for code, observed, above, below in session.execute(
                    query.where(f.unit_code.in_(chunk))
                ):
                    observed = float(observed or 0)
                    in_range = max(0.0, observed - float(above or 0) - float(below or 0))
                    found[code] = round(100 * in_range / observed, 1) if observed > 0 else None
        return found

    # --- cold-chain performance ---

    def performance_of_units(
        self, unit_codes: Sequence[str], first: date, last: date, *, stored: bool = True
    ) -> list[UnitPerformance]:
        """The cold-chain performance of each unit the directory knows, in the order given,
        read together: each day from its stored figures (``unit_day_figures``) when they
        were computed after the day ended and keep its MKT, else (or with ``stored=False``)
        from the unit's readings (today, a day the ``day_figures`` job has not reached); the
        alarms, the offline alarms and the excursions of all the units in one grouped query
        each (per 500 units). The figures equal ``performance``'s, unit by unit."""
        if last < first or (last - first).days >= MAX_SUMMARY_DAYS:
            raise InvalidQuery(f"give 1 to {MAX_SUMMARY_DAYS} days, first <= last")
        infos = self._units.units_of(unit_codes) if self._units is not None else {}
        known = [code for code in unit_codes if infos.get(code) is not None]
        if known and self._telemetry is None:
            raise UnknownUnit(known[0])
        zones: dict[str, tuple[datetime, datetime]] = {}
        spans: dict[str, tuple[datetime, datetime]] = {}
        for code in known:
            info = infos[code]
            assert info is not None
            span = zones.get(info.time_zone)
            if span is None:
                span = zones[info.time_zone] = (
                    to_utc(day_bounds(first, info.time_zone)[0]),
                    to_utc(day_bounds(last, info.time_zone)[1]),
                )
            spans[code] = span
        complete = self._complete_days(known, first, last, infos) if stored else {}
        start = min((s for s, _ in spans.values()), default=None)
        end = max((e for _, e in spans.values()), default=None)
        alarms: dict[str, list[tuple[str, datetime, datetime | None]]] = {}
        offline: set[str] = set()
        excursions: dict[str, int] = {}
        a, e = AlarmRow, ExcursionEpisodeRow
        with self._sessions() as session:
            for chunk in _chunks(known):
                if start is None or end is None:
                    break
                for unit, kind, raised, acked in session.execute(
                    select(a.unit_code, a.type, a.raised_at, a.acknowledged_at).where(
                        a.unit_code.in_(chunk), a.raised_at >= start, a.raised_at < end
                    )
                ):
                    span = spans[str(unit)]
                    if span[0] <= raised < span[1]:
                        alarms.setdefault(str(unit), []).append((kind, raised, acked))
                for unit, raised, cleared in session.execute(
                    select(a.unit_code, a.raised_at, a.cleared_at).where(
                        a.unit_code.in_(chunk),
                        a.type == OFFLINE,
                        a.raised_at < end,
                        a.cleared_at.is_(None) | (a.cleared_at > start),
                    )
                ):
                    span = spans[str(unit)]
                    if raised < span[1] and (cleared is None or cleared > span[0]):
                        offline.add(str(unit))
                for unit, began in session.execute(
                    select(e.unit_code, e.start_at).where(
                        e.unit_code.in_(chunk), e.start_at >= start, e.start_at < end
                    )
                ):
                    span = spans[str(unit)]
                    if span[0] <= began < span[1]:
                        excursions[str(unit)] = excursions.get(str(unit), 0) + 1
        found = []
        for code in known:
            info = infos[code]
            assert info is not None
            days = complete.get(code, {})
            missing = [day for day in _days(first, last) if day not in days]
            if missing:
                for summary in self.daily_summaries(code, min(missing), max(missing)):
                    if summary.day in missing:
                        days[summary.day] = _slice(summary)
            fired = alarms.get(code, [])
            acks = [(acked - at).total_seconds() / 60 for _, at, acked in fired if acked]
            figures = unit_figures(
                [days[day] for day in sorted(days)],
                [kind for kind, _, _ in fired],
                acks,
                excursions.get(code, 0),
                code in offline,
            )
            found.append(UnitPerformance(code, info.facility, first, last, figures))
        return found

    def _complete_days(
        self,
        unit_codes: Sequence[str],
        first: date,
        last: date,
        infos: Mapping[str, UnitInfo | None],
    ) -> dict[str, dict[date, DaySlice]]:
        """Per unit, its days in [first, last] whose stored figures are complete: computed
        after the day's end, with the day's MKT (or nothing observed)."""
        f = UnitDayFigureRow
        query = select(
            f.unit_code,
            f.day,
            f.observed_minutes,
            f.above_minutes,
            f.below_minutes,
            f.unknown_minutes,
            f.mkt_c,
            f.computed_at,
        ).where(f.day >= first, f.day <= last, _KEEPS_ITS_MKT)
        found: dict[str, dict[date, DaySlice]] = {}
        ends: dict[tuple[str, date], datetime] = {}  # (zone, day) -> the day's end
        with self._sessions() as session:
            for chunk in _chunks(list(unit_codes)):
                rows = session.execute(query.where(f.unit_code.in_(chunk)))
                for code, day, observed, above, below, unknown, mkt, computed in rows:
                    info = infos[code]
                    assert info is not None
                    end = ends.get((info.time_zone, day))
                    if end is None:  # a few zones and days for thousands of units
                        end = to_utc(day_bounds(day, info.time_zone)[1])
                        ends[(info.time_zone, day)] = end
                    if computed < end:
                        continue  # "today so far" when it was stored
                    found.setdefault(code, {})[day] = DaySlice(
                        observed + unknown, unknown, above, below, mkt
                    )
        return found

    def performance(self, unit_code: str, first: date, last: date) -> UnitPerformance:
        """The unit's cold-chain performance over local days ``first`` … ``last`` (rule 26;
        at most 92 days), every day from its readings (no stored figure): the reference
        ``performance_of_units`` equals. ``UnknownUnit`` when the directory does not know
        the unit."""
        found = self.performance_of_units([unit_code], first, last, stored=False)
        if not found:
            raise UnknownUnit(unit_code)
        return found[0]


def _day_view(
    unit: str,
    day: date,
    time_zone: str,
    readings: list[Reading],
    config: UnitConfig,
    fired: Sequence[tuple[str, datetime]],
    now: datetime,
) -> DailySummaryView:
    now_ns = _ns(now)
    s = summarise_day(readings, day, time_zone, config=config, until_ns=now_ns)
    start, end = to_utc(s.start_ns), to_utc(s.end_ns)
    flags = sorted({kind for kind, at in fired if start <= at < end})
    complete = day_bounds(day, time_zone)[1] <= now_ns
    return DailySummaryView(
        unit=unit,
        day=day,
        time_zone=time_zone,
        start=start,
        end=end,
        complete=complete,
        reading_count=s.reading_count,
        min_c=s.min_c,
        min_at=None if s.min_at_ns is None else to_utc(s.min_at_ns),
        max_c=s.max_c,
        max_at=None if s.max_at_ns is None else to_utc(s.max_at_ns),
        mean_c=s.mean_c,
        mkt_c=s.mkt_c,
        minutes_above=s.minutes_above,
        minutes_below=s.minutes_below,
        minutes_at_or_below_freeze=s.minutes_at_or_below_freeze,
        unknown_minutes=s.unknown_minutes,
        alarms=tuple(flags),
    )


def _slice(summary: DailySummaryView) -> DaySlice:
    """What performance needs of one daily summary."""
    return DaySlice(
        (summary.end - summary.start).total_seconds() / 60,
        summary.unknown_minutes,
        summary.minutes_above,
        summary.minutes_below,
        summary.mkt_c,
    )


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _ns(moment: datetime) -> int:
    return (moment - to_utc(0)) // timedelta(microseconds=1) * 1000


def _facility(alarms: tuple[AlarmView, ...], episode: EpisodeView | None) -> str | None:
    if alarms:
        return alarms[0].facility
    return episode.facility if episode is not None else None


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidQuery(f"limit must be 1..{MAX_LIMIT} and offset >= 0")
