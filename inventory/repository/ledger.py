"""Ledger rows: accounts, balances and posting movements (the heart of the write side).

Invariants: a movement and its lines are inserted together with the balance projection in
the caller's transaction; balance rows are locked in one stable order (account, lot) before
they are read, so two writers cannot both spend the same doses (PostgreSQL ``FOR UPDATE``;
SQLite serialises writers with ``BEGIN IMMEDIATE``); a line that takes doses out of a real
stock account is refused if the balance would go negative now or at any later time on the
ledger's time line (``occurred_at``); the ``ck_balances_nonnegative`` CHECK is the last line
of defence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, case, func, insert, select, tuple_, update

from inventory import models as m
from inventory.domain.accounts import AccountRef
from inventory.domain.movements import Line
from inventory.errors import InsufficientStock
from inventory.repository.consumption import record_consumption
from inventory.repository.cumulative import CumulativeRows
from kit.columns import UTCDateTime

Pair = tuple[int, int]  # (account_id, lot_id)


@dataclass(frozen=True)
class MovementHeader:
    """Everything about a movement except its lines."""

    kind: str
    occurred_at: datetime
    recorded_at: datetime
    user: str
    idempotency_key: str
    fingerprint: str
    facility_id: int | None = None
    reason: str | None = None
    reference: str | None = None
    reverses_movement_id: int | None = None
    shipment_id: int | None = None
    dose_number: int | None = None


@dataclass(frozen=True)
class ResolvedLine:
    """A line whose account has a database id."""

    account_id: int
    lot_id: int
    doses: int
    nonnegative: bool


class LedgerRows(CumulativeRows):
    # -- accounts ---------------------------------------------------------------------------

    def account_ids(self, refs: Iterable[AccountRef]) -> dict[AccountRef, int]:
        """Ids of the accounts, creating missing ones (concurrently safe: ON CONFLICT)."""
        by_key = {ref.key: ref for ref in refs}
        unknown = {k: ref for k, ref in by_key.items() if k not in self._account_cache}
        if unknown:
            found = self._account_ids_by_key(unknown)
            missing = [unknown[k] for k in sorted(unknown) if k not in found]
            if missing:
                stmt = self._insert(m.Account.__table__).on_conflict_do_nothing(
                    index_elements=["key"]
                )
                self.session.execute(stmt, [_account_row(ref) for ref in missing])
                found = self._account_ids_by_key(unknown)
            self._account_cache.update(found)
        return {ref: self._account_cache[key] for key, ref in by_key.items()}

    def account_id(self, ref: AccountRef) -> int:
        return self.account_ids([ref])[ref]

    def lots_in_account(self, account_id: int) -> set[int]:
        """Every lot that ever had a balance row in the account."""
        stmt = select(m.Balance.lot_id).where(m.Balance.account_id == account_id)
        return set(self.session.scalars(stmt))

    def _account_ids_by_key(self, by_key: Mapping[str, AccountRef]) -> dict[str, int]:
        stmt = select(m.Account.key, m.Account.id).where(m.Account.key.in_(list(by_key)))
        return {key: account_id for key, account_id in self.session.execute(stmt)}

    def lots_held_citing(self, account_id: int, reference: str) -> set[int]:
        """Lots that quarantine movements citing ``reference`` put into the account (read
        through the account's line index; a ledger can hold several such movements from
        before one quarantine per reference)."""
        line, movement = m.MovementLine, m.Movement
        stmt = (
            select(line.lot_id)
            .join(movement, movement.id == line.movement_id)
            .where(
                line.account_id == account_id,
                line.doses > 0,
                movement.kind == "quarantine",
                movement.reference == reference,
            )
        )
        return set(self.session.scalars(stmt))

    # -- balances ---------------------------------------------------------------------------

    def lock_balances(self, pairs: Iterable[Pair]) -> dict[Pair, int]:
        """Lock the balance rows of ``pairs`` in (account, lot) order; missing rows read 0."""
        wanted = sorted(set(pairs))
        if not wanted:
            return {}
        b = m.Balance
        stmt = (
            select(b.account_id, b.lot_id, b.doses)
            .where(tuple_(b.account_id, b.lot_id).in_(wanted))
            .order_by(b.account_id, b.lot_id)
            .with_for_update()
        )
        current = {(a, lot): doses for a, lot, doses in self.session.execute(stmt)}
        return {pair: current.get(pair, 0) for pair in wanted}

    def lock_account_balances(self, account_id: int) -> dict[int, int]:
        """Lock and return every non-zero balance of one account, by lot."""
        b = m.Balance
        stmt = (
            select(b.lot_id, b.doses)
            .where(b.account_id == account_id, b.doses != 0)
            .order_by(b.lot_id)
            .with_for_update()
        )
        return {lot: doses for lot, doses in self.session.execute(stmt)}

    def balance_at(self, account_id: int, lot_id: int, at: datetime) -> int:
        """The balance on the ledger's time line: lines with ``occurred_at <= at``."""
        stmt = select(func.coalesce(func.sum(m.MovementLine.doses), 0)).where(
            m.MovementLine.account_id == account_id,
            m.MovementLine.lot_id == lot_id,
            m.MovementLine.occurred_at <= at,
        )
        return int(self.session.execute(stmt).scalar_one())

    def _later_changes(self, pair: Pair, after: datetime) -> list[int]:
        """Net change per instant after ``after``, in time order.

        Changes at one instant are summed: the order of movements within an instant means
        nothing (a reversal shares its original's instant and cancels it there).
        """
        stmt = (
            select(func.sum(m.MovementLine.doses))
            .where(
                m.MovementLine.account_id == pair[0],
                m.MovementLine.lot_id == pair[1],
                m.MovementLine.occurred_at > after,
            )
            .group_by(m.MovementLine.occurred_at)
            .order_by(m.MovementLine.occurred_at)
        )
        return [int(change) for change in self.session.scalars(stmt)]

    def add_count_differences(
        self, movement_id: int, differences: Sequence[tuple[int, int, int, str | None]]
    ) -> None:
        """The lots of a count that differ from the books: (lot, book, counted, reason)."""
        rows = [
            {
                "movement_id": movement_id,
                "lot_id": lot_id,
                "book_doses": book,
                "counted_doses": counted,
                "reason": reason,
            }
            for lot_id, book, counted, reason in differences
        ]
        if rows:
            self.session.execute(insert(m.CountDifference), rows)

    # -- posting ----------------------------------------------------------------------------

    def post(self, header: MovementHeader, lines: Sequence[Line]) -> int:
        """Check and write one balanced movement; return its id.

        Raises ``InsufficientStock`` if a real stock account would go negative at
        ``header.occurred_at`` or at any later point of its history.
        """
        ids = self.account_ids(line.account for line in lines)
        resolved = [
            ResolvedLine(ids[line.account], line.lot_id, line.doses, line.account.nonnegative)
            for line in lines
        ]
        refs = {ids[line.account]: line.account for line in lines}
        net: dict[Pair, int] = defaultdict(int)
        for line in resolved:
            net[(line.account_id, line.lot_id)] += line.doses
        current = self.lock_balances(net)
        for pair, delta in sorted(net.items()):
            if delta < 0 and refs[pair[0]].nonnegative:
                self._check_never_negative(pair, current[pair], delta, header, refs[pair[0]])
        return self.append_movements([(header, resolved)])[0]

    def _check_never_negative(
        self, pair: Pair, balance: int, delta: int, header: MovementHeader, ref: AccountRef
    ) -> None:
        if balance + delta < 0:
            raise InsufficientStock(
                f"{self._describe(ref)} holds {balance} doses of lot "
                f"{self.lot_number(pair[1])}; {-delta} requested"
            )
        later = self._later_changes(pair, header.occurred_at)
        if not later:
            return
        running = balance - sum(later) + delta
        lowest = running
        for change in later:
            running += change
            lowest = min(lowest, running)
        if lowest < 0:
            raise InsufficientStock(
                f"{self._describe(ref)} would go {lowest} doses below zero for lot "
                f"{self.lot_number(pair[1])} after {header.occurred_at.isoformat()}: later "
                "movements already used those doses"
            )

    def append_movements(
        self, batch: Sequence[tuple[MovementHeader, Sequence[ResolvedLine]]]
    ) -> list[int]:
        """Insert movements, their lines, the balance changes and the daily doses report's
        cumulative read model (``cumulative.py``), without checks.

        ``post`` calls this after its checks; bulk loaders may call it with many movements
        in one transaction (the CHECK constraint still refuses a negative balance).
        """
        if not batch:
            return []
        stmt = insert(m.Movement).returning(m.Movement.id, sort_by_parameter_order=True)
        ids = list(self.session.scalars(stmt, [_movement_row(h) for h, _ in batch]))
        rows = [
            {
                "movement_id": mid,
                "account_id": ln.account_id,
                "lot_id": ln.lot_id,
                "doses": ln.doses,
                "occurred_at": header.occurred_at,
            }
            for mid, (header, lines) in zip(ids, batch, strict=True)
            for ln in lines
        ]
        if rows:
            self.session.execute(insert(m.MovementLine), rows)
            self._apply_to_balances(
                (header.occurred_at, ln) for header, lines in batch for ln in lines
            )
            self._apply_to_cumulative(batch)
            # The stock status report's read model (repository/consumption.py).
            record_consumption(self.session, rows)
        return ids

    def _apply_to_balances(self, lines: Iterable[tuple[datetime, ResolvedLine]]) -> None:
        """Add the lines to the projection: the balance, the doses that came in, when they
        first came in and when the last line was (every pair a line touches, even when its
        lines net to zero)."""
        rows = _projection_rows(lines)
        # The CHECK is evaluated on the row an upsert proposes to insert, so a decrease of a
        # non-negative balance (whose row must exist) is a plain UPDATE.
        decreases = [r for r in rows if r["nonnegative"] and r["doses"] < 0]
        others = [r for r in rows if not (r["nonnegative"] and r["doses"] < 0)]
        table = cast(Table, m.Balance.__table__)
        if decreases:
            stmt = (
                update(table)
                .where(
                    table.c.account_id == bindparam("b_account"),
                    table.c.lot_id == bindparam("b_lot"),
                )
                .values(
                    doses=table.c.doses + bindparam("b_doses"),
                    doses_in=table.c.doses_in + bindparam("b_in"),
                    first_in=_earliest(table.c.first_in, bindparam("b_first", type_=UTCDateTime)),
                    last_at=_latest(table.c.last_at, bindparam("b_last", type_=UTCDateTime)),
                )
            )
            params = [
                {
                    "b_account": r["account_id"],
                    "b_lot": r["lot_id"],
                    "b_doses": r["doses"],
                    "b_in": r["doses_in"],
                    "b_first": r["first_in"],
                    "b_last": r["last_at"],
                }
                for r in decreases
            ]
            result = self.session.connection().execute(stmt, params)
            if result.rowcount != len(params):
                raise InsufficientStock("a stock balance to take doses from does not exist")
        if others:
            insert_stmt = self._insert(table)
            new = insert_stmt.excluded
            upsert = insert_stmt.on_conflict_do_update(
                index_elements=["account_id", "lot_id"],
                set_={
                    "doses": table.c.doses + new.doses,
                    "doses_in": table.c.doses_in + new.doses_in,
                    "first_in": _earliest(table.c.first_in, new.first_in),
                    "last_at": _latest(table.c.last_at, new.last_at),
                },
            )
            self.session.execute(upsert, others)

    def first_received(self, account_id: int) -> dict[int, datetime]:
        """When each lot first entered the account (FEFO's last tie-breaker)."""
        line = m.MovementLine
        stmt = (
            select(line.lot_id, func.min(line.occurred_at))
            .where(line.account_id == account_id, line.doses > 0)
            .group_by(line.lot_id)
        )
        return {lot: first for lot, first in self.session.execute(stmt)}

    def _describe(self, ref: AccountRef) -> str:
        if ref.storage_unit_id is not None:
            code = self.session.scalar(
                select(m.StorageUnit.code).where(m.StorageUnit.id == ref.storage_unit_id)
            )
            where = "quarantine of storage unit" if ref.kind == "quarantine" else "storage unit"
            return f"{where} {code}"
        if ref.shipment_id is not None:
            return f"shipment {ref.shipment_id} in transit"
        return f"{ref.kind.value} account {ref.key}"


def _projection_rows(lines: Iterable[tuple[datetime, ResolvedLine]]) -> list[dict[str, Any]]:
    """One balances row per (account, lot) the lines touch, in (account, lot) order."""
    rows: dict[Pair, dict[str, Any]] = {}
    for at, ln in lines:
        row = rows.get((ln.account_id, ln.lot_id))
        if row is None:
            row = rows[(ln.account_id, ln.lot_id)] = {
                "account_id": ln.account_id,
                "lot_id": ln.lot_id,
                "doses": 0,
                "nonnegative": ln.nonnegative,
                "doses_in": 0,
                "first_in": None,
                "last_at": at,
            }
        row["doses"] += ln.doses
        row["last_at"] = max(row["last_at"], at)
        if ln.doses > 0:
            row["doses_in"] += ln.doses
            row["first_in"] = at if row["first_in"] is None else min(row["first_in"], at)
    return [rows[pair] for pair in sorted(rows)]


def _earliest(stored: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    """The earlier of two times, either of which may be NULL (portable: no LEAST in SQLite,
    whose two-argument min() returns NULL when either is NULL)."""
    return case((new.is_(None), stored), (stored.is_(None), new), (new < stored, new), else_=stored)


def _latest(stored: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((new.is_(None), stored), (stored.is_(None), new), (new > stored, new), else_=stored)


def _account_row(ref: AccountRef) -> dict[str, Any]:
    return {
        "key": ref.key,
        "kind": ref.kind.value,
        "storage_unit_id": ref.storage_unit_id,
        "facility_id": ref.facility_id,
        "shipment_id": ref.shipment_id,
        "reason": ref.reason.value if ref.reason else None,
        "nonnegative": ref.nonnegative,
    }


def _movement_row(h: MovementHeader) -> dict[str, Any]:
    return {
        "kind": h.kind,
        "occurred_at": h.occurred_at,
        "recorded_at": h.recorded_at,
        "user_name": h.user,
        "facility_id": h.facility_id,
        "reason": h.reason,
        "reference": h.reference,
        "reverses_movement_id": h.reverses_movement_id,
        "idempotency_key": h.idempotency_key,
        "request_fingerprint": h.fingerprint,
        "shipment_id": h.shipment_id,
        "dose_number": h.dose_number,
    }
