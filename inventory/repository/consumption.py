"""The stock status report's read model: doses used per facility, product and month.

``record_consumption`` is called by ``LedgerRows.append_movements`` (so by ``post`` and by
bulk loaders) with the lines it has just inserted, in the same transaction: the lines of
administered and wasted accounts are summed per (the account's facility, the lot's product,
the month in the facility's time zone, ``domain.stock_levels.month_of``) and added to
``consumption_months`` with one upsert. Lines are only ever added (a reversal adds the
opposite lines at the original's ``occurred_at``, a backdated movement lands in its own
month), so the sums are exact; ``queries.verify_ledger`` re-derives them from the lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inventory import models as m
from inventory.domain.stock_levels import CONSUMPTION_ACCOUNT_KINDS, month_of

_CHUNK = 500  # ids per IN list


def record_consumption(session: Session, lines: Sequence[Mapping[str, Any]]) -> None:
    """Add the consumption among ``lines`` (dicts with ``account_id``, ``lot_id``, ``doses``,
    ``occurred_at``) to ``consumption_months``."""
    accounts = _consumption_accounts(session, {line["account_id"] for line in lines})
    if not accounts:
        return
    used = [line for line in lines if line["account_id"] in accounts]
    products = _products(session, {line["lot_id"] for line in used})
    totals: dict[tuple[int, int, date], int] = defaultdict(int)
    for line in used:
        facility, zone = accounts[line["account_id"]]
        at: datetime = line["occurred_at"]
        totals[(facility, products[line["lot_id"]], month_of(at, zone))] += line["doses"]
    rows = [
        {"facility_id": f, "product_id": p, "month": month, "doses": doses}
        for (f, p, month), doses in sorted(totals.items())
    ]
    table = cast(Table, m.ConsumptionMonth.__table__)
    stmt: Any
    if session.get_bind().dialect.name == "postgresql":
        stmt = postgresql.insert(table)
    else:
        stmt = sqlite.insert(table)
    upsert = stmt.on_conflict_do_update(
        index_elements=["facility_id", "product_id", "month"],
        set_={"doses": table.c.doses + stmt.excluded.doses},
    )
    session.execute(upsert, rows)


def _consumption_accounts(session: Session, ids: Iterable[int]) -> dict[int, tuple[int, ZoneInfo]]:
    """Of these accounts, the administered and wasted ones: id → (facility, its zone)."""
    a, f = m.Account, m.Facility
    found: dict[int, tuple[int, ZoneInfo]] = {}
    zones: dict[str, ZoneInfo] = {}
    for chunk in _chunks(ids):
        stmt = (
            select(a.id, f.id, f.timezone)
            .join(f, f.id == a.facility_id)
            .where(a.id.in_(chunk), a.kind.in_(CONSUMPTION_ACCOUNT_KINDS))
        )
        for account, facility, zone in session.execute(stmt):
            found[account] = (facility, zones.setdefault(zone, ZoneInfo(zone)))
    return found


def _products(session: Session, lot_ids: Iterable[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in _chunks(lot_ids):
        stmt = select(m.Lot.id, m.Lot.product_id).where(m.Lot.id.in_(chunk))
        found.update({lot: product for lot, product in session.execute(stmt)})
    return found


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]
