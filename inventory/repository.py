"""All SQL writes of the ledger, and the locking reads that writes depend on.

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
from datetime import date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from inventory import models as m
from inventory.domain.accounts import AccountRef
from inventory.domain.movements import Line
from inventory.domain.shipments import Discrepancy
from inventory.errors import InsufficientStock, NotFound

T = TypeVar("T", bound=m.Base)
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


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._account_cache: dict[str, int] = {}  # accounts are never deleted or changed

    # -- entities ---------------------------------------------------------------------------

    def add(self, row: m.Base) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, model: type[T], row_id: int, what: str, *, lock: bool = False) -> T:
        row = self.session.get(model, row_id, with_for_update=lock, populate_existing=lock)
        if row is None:
            raise NotFound(f"{what} {row_id} does not exist")
        return row

    def exists(self, model: type[m.Base], column: str, value: object) -> bool:
        stmt = select(model.__table__.c.id).where(model.__table__.c[column] == value).limit(1)  # type: ignore[attr-defined]
        return self.session.execute(stmt).first() is not None

    def find_lot(self, product_id: int, lot_number: str, expiry: date) -> m.Lot | None:
        stmt = select(m.Lot).where(
            m.Lot.product_id == product_id, m.Lot.lot_number == lot_number, m.Lot.expiry == expiry
        )
        return self.session.scalars(stmt).first()

    def allocation_for_update(
        self, facility_id: int, product_id: int, period_start: date
    ) -> m.Allocation | None:
        stmt = (
            select(m.Allocation)
            .where(
                m.Allocation.facility_id == facility_id,
                m.Allocation.product_id == product_id,
                m.Allocation.period_start == period_start,
            )
            .with_for_update()
        )
        return self.session.scalars(stmt).first()

    def movement_by_key(self, key: str) -> m.Movement | None:
        stmt = select(m.Movement).where(m.Movement.idempotency_key == key)
        return self.session.scalars(stmt).first()

    def lock_lots(self, lot_ids: Iterable[int], *, exclusive: bool = False) -> dict[int, m.Lot]:
        """Lock lot rows in id order and return them by id.

        Issuing takes a shared lock (``FOR SHARE``), a recall an exclusive one, so that a
        recall and an issue of the same lot never interleave; lots are always locked before
        balances.
        """
        ids = sorted(set(lot_ids))
        if not ids:
            return {}
        stmt = (
            select(m.Lot)
            .where(m.Lot.id.in_(ids))
            .order_by(m.Lot.id)
            .with_for_update(read=not exclusive)
            .execution_options(populate_existing=True)
        )
        lots = {lot.id: lot for lot in self.session.scalars(stmt)}
        missing = [i for i in ids if i not in lots]
        if missing:
            raise NotFound(f"lot {missing[0]} does not exist")
        return lots

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
        """Insert movements, their lines and the balance changes, without checks.

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
            self._apply_to_balances([ln for _, lines in batch for ln in lines])
        return ids

    def _apply_to_balances(self, lines: Iterable[ResolvedLine]) -> None:
        net: dict[tuple[int, int, bool], int] = defaultdict(int)
        for ln in lines:
            net[(ln.account_id, ln.lot_id, ln.nonnegative)] += ln.doses
        rows = [
            {"account_id": a, "lot_id": lot, "doses": d, "nonnegative": nn}
            for (a, lot, nn), d in sorted(net.items())
            if d != 0
        ]
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
                .values(doses=table.c.doses + bindparam("b_doses"))
            )
            params = [
                {"b_account": r["account_id"], "b_lot": r["lot_id"], "b_doses": r["doses"]}
                for r in decreases
            ]
            result = self.session.connection().execute(stmt, params)
            if result.rowcount != len(params):
                raise InsufficientStock("a stock balance to take doses from does not exist")
        if others:
            insert_stmt = self._insert(table)
            upsert = insert_stmt.on_conflict_do_update(
                index_elements=["account_id", "lot_id"],
                set_={"doses": table.c.doses + insert_stmt.excluded.doses},
            )
            self.session.execute(upsert, others)

    # -- shipments --------------------------------------------------------------------------

    def set_shipment_lines(self, shipment_id: int, dispatched: Mapping[int, int]) -> None:
        self.session.execute(
            insert(m.ShipmentLine),
            [
                {"shipment_id": shipment_id, "lot_id": lot, "dispatched_doses": d}
                for lot, d in sorted(dispatched.items())
            ],
        )

    def clear_shipment_lines(self, shipment_id: int) -> None:
        self.session.execute(
            delete(m.ShipmentLine).where(m.ShipmentLine.shipment_id == shipment_id)
        )

    def record_received(self, shipment_id: int, received: Mapping[int, int]) -> None:
        existing = set(
            self.session.scalars(
                select(m.ShipmentLine.lot_id).where(m.ShipmentLine.shipment_id == shipment_id)
            )
        )
        for lot_id, doses in sorted(received.items()):
            if lot_id in existing:
                self.session.execute(
                    update(m.ShipmentLine)
                    .where(
                        m.ShipmentLine.shipment_id == shipment_id, m.ShipmentLine.lot_id == lot_id
                    )
                    .values(received_doses=doses)
                )
            else:
                self.session.execute(
                    insert(m.ShipmentLine).values(
                        shipment_id=shipment_id,
                        lot_id=lot_id,
                        dispatched_doses=0,
                        received_doses=doses,
                    )
                )

    def clear_received(self, shipment_id: int) -> None:
        line = m.ShipmentLine
        self.session.execute(
            delete(line).where(line.shipment_id == shipment_id, line.dispatched_doses == 0)
        )
        self.session.execute(
            update(line).where(line.shipment_id == shipment_id).values(received_doses=None)
        )

    def dispatched_lots(self, shipment_id: int) -> dict[int, int]:
        line = m.ShipmentLine
        stmt = select(line.lot_id, line.dispatched_doses).where(
            line.shipment_id == shipment_id, line.dispatched_doses > 0
        )
        return {lot: doses for lot, doses in self.session.execute(stmt)}

    def add_discrepancies(
        self, shipment_id: int, movement_id: int, discrepancies: Iterable[Discrepancy]
    ) -> None:
        rows = [
            {
                "shipment_id": shipment_id,
                "movement_id": movement_id,
                "lot_id": d.lot_id,
                "kind": d.kind.value,
                "dispatched_doses": d.dispatched,
                "received_doses": d.received,
                "reason": d.reason,
            }
            for d in discrepancies
        ]
        if rows:
            self.session.execute(insert(m.ShipmentDiscrepancy), rows)

    def discrepancies_of(self, movement_id: int) -> list[m.ShipmentDiscrepancy]:
        stmt = (
            select(m.ShipmentDiscrepancy)
            .where(m.ShipmentDiscrepancy.movement_id == movement_id)
            .order_by(m.ShipmentDiscrepancy.id)
        )
        return list(self.session.scalars(stmt))

    def first_received(self, account_id: int) -> dict[int, datetime]:
        """When each lot first entered the account (FEFO's last tie-breaker)."""
        line = m.MovementLine
        stmt = (
            select(line.lot_id, func.min(line.occurred_at))
            .where(line.account_id == account_id, line.doses > 0)
            .group_by(line.lot_id)
        )
        return {lot: first for lot, first in self.session.execute(stmt)}

    # -- recalls ----------------------------------------------------------------------------

    def lock_usable_holdings(self, lot_id: int) -> list[tuple[int, int, int, int]]:
        """(facility, unit, lot, doses) of every unit holding usable doses of the lot, locked."""
        b, a = m.Balance, m.Account
        stmt = (
            select(a.facility_id, a.storage_unit_id, b.lot_id, b.doses)
            .join(a, a.id == b.account_id)
            .where(b.lot_id == lot_id, a.kind == "stock", b.doses > 0)
            .order_by(b.account_id)
            .with_for_update(of=b)
        )
        return [(int(f or 0), int(u or 0), lot, d) for f, u, lot, d in self.session.execute(stmt)]

    def recalled_lot(self, movement_id: int) -> int:
        stmt = select(m.Lot.id).where(m.Lot.recall_movement_id == movement_id)
        lot_id = self.session.scalar(stmt)
        if lot_id is None:
            raise NotFound(f"movement {movement_id} is not a recall")
        return lot_id

    @staticmethod
    def _recorded_by(movement: m.Movement) -> Any:
        """Lines recorded up to ``movement`` (ids grow in commit order for one lot: every
        movement locks its lots, and a recall locks its lot exclusively)."""
        return m.MovementLine.movement_id <= movement.id

    def physical_holders_at(
        self, lot_id: int, movement: m.Movement
    ) -> list[tuple[int, str, int, str, int]]:
        """Units physically holding the lot as recorded just after ``movement``."""
        line, a, u, f = m.MovementLine, m.Account, m.StorageUnit, m.Facility
        total = func.sum(line.doses)
        stmt = (
            select(f.id, f.code, u.id, u.code, total)
            .join(a, a.id == line.account_id)
            .join(u, u.id == a.storage_unit_id)
            .join(f, f.id == u.facility_id)
            .where(
                line.lot_id == lot_id,
                a.kind.in_(["stock", "quarantine"]),
                self._recorded_by(movement),
            )
            .group_by(f.id, f.code, u.id, u.code)
            .having(total > 0)
            .order_by(f.code, u.code)
        )
        return [(fid, fc, uid, uc, int(d)) for fid, fc, uid, uc, d in self.session.execute(stmt)]

    def in_transit_at(self, lot_id: int, movement: m.Movement) -> list[tuple[int, int, int, int]]:
        """(shipment, origin, destination, doses) of the lot in transit as recorded then."""
        line, a, s = m.MovementLine, m.Account, m.Shipment
        total = func.sum(line.doses)
        stmt = (
            select(s.id, s.origin_facility_id, s.destination_facility_id, total)
            .join(a, a.id == line.account_id)
            .join(s, s.id == a.shipment_id)
            .where(line.lot_id == lot_id, a.kind == "in_transit", self._recorded_by(movement))
            .group_by(s.id, s.origin_facility_id, s.destination_facility_id)
            .having(total > 0)
            .order_by(s.id)
        )
        return [(sid, o, d, int(n)) for sid, o, d, n in self.session.execute(stmt)]

    # -- movements --------------------------------------------------------------------------

    def movement_lines(self, movement_id: int) -> list[tuple[m.MovementLine, m.Account]]:
        stmt = (
            select(m.MovementLine, m.Account)
            .join(m.Account, m.Account.id == m.MovementLine.account_id)
            .where(m.MovementLine.movement_id == movement_id)
            .order_by(m.MovementLine.id)
        )
        return [(ln, acct) for ln, acct in self.session.execute(stmt)]

    def reversal_of(self, movement_id: int) -> int | None:
        stmt = select(m.Movement.id).where(m.Movement.reverses_movement_id == movement_id)
        return self.session.scalars(stmt).first()

    # -- helpers ----------------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def product_code(self, product_id: int) -> str:
        code = self.session.scalar(select(m.Product.code).where(m.Product.id == product_id))
        return code or f"#{product_id}"

    def lot_number(self, lot_id: int) -> str:
        number = self.session.scalar(select(m.Lot.lot_number).where(m.Lot.id == lot_id))
        return number or f"#{lot_id}"

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
