"""The daily doses report's cumulative read model, kept in the posting transaction.

Per facility and product, two kinds of series (``cumulative_series``): physical stock (the
lines of the facility's stock and quarantine accounts) and doses administered per dose
number (a reversal counts under the number of the movement it reverses; 0: recorded
without one). Each series has a row per UTC day with lines (``cumulative_days``): the day's
net change and the running total up to the end of that day. So "the total before instant
t" is the running total of the series' latest day before t's UTC day (one index seek) plus
the lines of t's UTC day before t (a day of lines at most).

Lines are only ever added (a reversal adds the opposite lines at the original's time), so a
day's change and running totals stay exact. A backdated line adds to its own day and to the
running total of every later day of its series. Series rows are locked (``FOR UPDATE``, in
id order, after the balance rows ``post`` locks) before their days are read, so two writers
of one series cannot lose each other's change on PostgreSQL; SQLite serialises writers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, tuple_, update
from sqlalchemy.orm import aliased

from inventory import models as m
from inventory.domain.accounts import AccountKind
from inventory.domain.cumulative import ADMINISTERED, PHYSICAL, SeriesKey, utc_day
from inventory.repository.base import RepositoryBase

if TYPE_CHECKING:
    from inventory.repository.ledger import MovementHeader, ResolvedLine

PHYSICAL_KINDS = frozenset({AccountKind.STOCK.value, AccountKind.QUARANTINE.value})
_CHUNK = 2000


class CumulativeRows(RepositoryBase):
    def _apply_to_cumulative(
        self, batch: Sequence[tuple[MovementHeader, Sequence[ResolvedLine]]]
    ) -> None:
        """Add a batch's lines to the cumulative read model (after its balances)."""
        facts = self._account_facts({ln.account_id for _, lines in batch for ln in lines})
        wanted = [
            (header, ln)
            for header, lines in batch
            for ln in lines
            if facts[ln.account_id][0] in PHYSICAL_KINDS
            or facts[ln.account_id][0] == AccountKind.ADMINISTERED.value
        ]
        if not wanted:
            return
        products = self._lot_products({ln.lot_id for _, ln in wanted})
        reversed_ids = {
            h.reverses_movement_id
            for h, ln in wanted
            if h.reverses_movement_id is not None
            and h.dose_number is None
            and facts[ln.account_id][0] == AccountKind.ADMINISTERED.value
        }
        numbers = self._dose_numbers(reversed_ids)
        changes: dict[tuple[SeriesKey, date], int] = defaultdict(int)
        for header, ln in wanted:
            kind, facility = facts[ln.account_id]
            assert facility is not None  # stock, quarantine and administered: a facility's
            if kind == AccountKind.ADMINISTERED.value:
                number = header.dose_number
                if number is None and header.reverses_movement_id is not None:
                    number = numbers.get(header.reverses_movement_id)
                key: SeriesKey = (facility, products[ln.lot_id], ADMINISTERED, number or 0)
            else:
                key = (facility, products[ln.lot_id], PHYSICAL, 0)
            changes[(key, utc_day(header.occurred_at))] += ln.doses
        series = self.lock_series({key for key, _ in changes})
        by_series: dict[int, dict[date, int]] = defaultdict(dict)
        for (key, day), delta in changes.items():
            by_series[series[key]][day] = delta
        self._add_days(by_series)

    def lock_series(self, keys: Iterable[SeriesKey]) -> dict[SeriesKey, int]:
        """Ids of the series, created when missing (ON CONFLICT), locked in id order."""
        wanted = sorted(set(keys))
        found = self._series_ids(wanted)
        missing = [k for k in wanted if k not in found]
        if missing:
            stmt = self._insert(m.CumulativeSeries.__table__).on_conflict_do_nothing(
                index_elements=["facility_id", "product_id", "measure", "dose_number"]
            )
            self.session.execute(
                stmt,
                [
                    {"facility_id": f, "product_id": p, "measure": measure, "dose_number": n}
                    for f, p, measure, n in missing
                ],
            )
            found.update(self._series_ids(missing))
        return found

    def _series_ids(self, keys: Sequence[SeriesKey]) -> dict[SeriesKey, int]:
        s = m.CumulativeSeries
        found: dict[SeriesKey, int] = {}
        for start in range(0, len(keys), _CHUNK):
            stmt = (
                select(s.id, s.facility_id, s.product_id, s.measure, s.dose_number)
                .where(
                    tuple_(s.facility_id, s.product_id, s.measure, s.dose_number).in_(
                        keys[start : start + _CHUNK]
                    )
                )
                .order_by(s.id)
                .with_for_update()
            )
            for sid, f, p, measure, n in self.session.execute(stmt):
                found[(f, p, measure, n)] = sid
        return found

    def _add_days(self, by_series: dict[int, dict[date, int]]) -> None:
        """Add each series' changes per day: a day after the series' latest is a new row
        whose running total is computed here; the latest day itself is updated in place; an
        earlier day (backdated) is upserted from the row before it and every later day's
        running total gets the change too."""
        latest = self._latest_days(list(by_series))
        new_rows: list[dict[str, Any]] = []
        same_day: list[dict[str, Any]] = []
        backdated: list[dict[str, Any]] = []
        for sid in sorted(by_series):
            days = by_series[sid]
            last_day, running = latest.get(sid, (None, 0))
            for day in sorted(days):
                delta = days[day]
                if last_day is None or day > last_day:
                    running += delta
                    new_rows.append(
                        {"series_id": sid, "day": day, "change": delta, "running": running}
                    )
                    continue
                running += delta  # every later day of the series includes it
                row = {"s": sid, "d": day, "delta": delta}
                (same_day if day == last_day else backdated).append(row)
        table = cast(Table, m.CumulativeDay.__table__)
        c = table.c
        if backdated:
            later = (
                update(table)
                .where(c.series_id == bindparam("s"), c.day > bindparam("d"))
                .values(running=c.running + bindparam("delta"))
            )
            self.session.connection().execute(later, backdated)
            before = (
                select(c.running)
                .where(c.series_id == bindparam("s"), c.day < bindparam("d"))
                .order_by(c.day.desc())
                .limit(1)
                .scalar_subquery()
            )
            stmt = self._insert(table).values(
                series_id=bindparam("s"),
                day=bindparam("d"),
                change=bindparam("delta"),
                running=bindparam("delta") + func.coalesce(before, 0),
            )
            upsert = stmt.on_conflict_do_update(
                index_elements=["series_id", "day"],
                set_={
                    "change": c.change + stmt.excluded.change,
                    "running": c.running + stmt.excluded.change,
                },
            )
            self.session.connection().execute(upsert, backdated)
        if same_day:
            stmt_same = (
                update(table)
                .where(c.series_id == bindparam("s"), c.day == bindparam("d"))
                .values(
                    change=c.change + bindparam("delta"), running=c.running + bindparam("delta")
                )
            )
            self.session.connection().execute(stmt_same, same_day)
        if new_rows:
            self.session.execute(insert(table), new_rows)

    def _latest_days(self, series_ids: list[int]) -> dict[int, tuple[date, int]]:
        """Each series' latest day and its running total (the series is locked)."""
        d = m.CumulativeDay
        inner = aliased(m.CumulativeDay)
        found: dict[int, tuple[date, int]] = {}
        for start in range(0, len(series_ids), _CHUNK):
            chunk = series_ids[start : start + _CHUNK]
            last = (
                select(func.max(inner.day)).where(inner.series_id == d.series_id).scalar_subquery()
            )
            stmt = select(d.series_id, d.day, d.running).where(
                d.series_id.in_(chunk), d.day == last
            )
            for sid, day, running in self.session.execute(stmt):
                found[sid] = (day, int(running))
        return found

    def _account_facts(self, account_ids: set[int]) -> dict[int, tuple[str, int | None]]:
        """Kind and facility of each account (accounts never change: remembered)."""
        unknown = sorted(a for a in account_ids if a not in self._account_facts_cache)
        for start in range(0, len(unknown), _CHUNK):
            a = m.Account
            stmt = select(a.id, a.kind, a.facility_id).where(
                a.id.in_(unknown[start : start + _CHUNK])
            )
            for aid, kind, facility in self.session.execute(stmt):
                self._account_facts_cache[aid] = (kind, facility)
        return {aid: self._account_facts_cache[aid] for aid in account_ids}

    def _lot_products(self, lot_ids: set[int]) -> dict[int, int]:
        """The product of each lot (a lot's product never changes: remembered)."""
        unknown = sorted(lot for lot in lot_ids if lot not in self._lot_product_cache)
        for start in range(0, len(unknown), _CHUNK):
            stmt = select(m.Lot.id, m.Lot.product_id).where(
                m.Lot.id.in_(unknown[start : start + _CHUNK])
            )
            self._lot_product_cache.update({lot: p for lot, p in self.session.execute(stmt)})
        return {lot: self._lot_product_cache[lot] for lot in lot_ids}

    def _dose_numbers(self, movement_ids: set[int]) -> dict[int, int | None]:
        if not movement_ids:
            return {}
        stmt = select(m.Movement.id, m.Movement.dose_number).where(
            m.Movement.id.in_(sorted(movement_ids))
        )
        return {mid: number for mid, number in self.session.execute(stmt)}
