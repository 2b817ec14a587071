"""Ledger self-check: every invariant of the ledger, re-derived from the rows.

Returns a list of problems (empty when the ledger is sound) rather than stopping at the
first: movements whose lines do not sum to zero per lot, a ``balances`` projection that
differs from the sum of the lines, a negative balance on a real stock account, and a lot
whose doses do not conserve.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from inventory import models as m
from inventory.unit_of_work import UnitOfWork


def verify_ledger(uow: UnitOfWork) -> list[str]:
    problems: list[str] = []
    line = m.MovementLine
    with uow:
        session = uow.session
        unbalanced = session.execute(
            select(line.movement_id, line.lot_id, func.sum(line.doses))
            .group_by(line.movement_id, line.lot_id)
            .having(func.sum(line.doses) != 0)
        )
        problems += [
            f"movement {mid}: lines of lot {lot} sum to {total:+d}, not 0"
            for mid, lot, total in unbalanced
        ]
        from_lines = {
            (a, lot): int(total)
            for a, lot, total in session.execute(
                select(line.account_id, line.lot_id, func.sum(line.doses)).group_by(
                    line.account_id, line.lot_id
                )
            )
        }
        projection = {
            (a, lot): (doses, nonnegative)
            for a, lot, doses, nonnegative in session.execute(
                select(
                    m.Balance.account_id, m.Balance.lot_id, m.Balance.doses, m.Balance.nonnegative
                )
            )
        }
        kinds = {i: k for i, k in session.execute(select(m.Account.id, m.Account.kind))}
    for pair in sorted(set(from_lines) | set(projection)):
        derived = from_lines.get(pair, 0)
        stored, nonnegative = projection.get(pair, (0, False))
        if derived != stored:
            problems.append(
                f"balance of account {pair[0]}, lot {pair[1]} is {stored}, lines say {derived}"
            )
        if nonnegative and stored < 0:
            problems.append(f"account {pair[0]} holds {stored} doses of lot {pair[1]}")
        if kinds.get(pair[0]) in ("stock", "quarantine", "in_transit") and derived < 0:
            problems.append(f"real account {pair[0]} has {derived} doses of lot {pair[1]}")
    per_lot: dict[int, int] = defaultdict(int)
    for (_, lot), total in from_lines.items():
        per_lot[lot] += total
    problems += [f"lot {lot} does not conserve: {t:+d}" for lot, t in sorted(per_lot.items()) if t]
    return problems
