"""All SQL writes of the ledger, and the locking reads that writes depend on.

``Repository`` is assembled from one part per concept: ``base`` (session, look-ups, lot
locks), ``ledger`` (accounts, balances, posting), ``shipments``, ``recalls``.

Invariants: a movement and its lines are inserted together with the balance projection in
the caller's transaction; balance rows are locked in one stable order (account, lot) before
they are read, so two writers cannot both spend the same doses (PostgreSQL ``FOR UPDATE``;
SQLite serialises writers with ``BEGIN IMMEDIATE``); a line that takes doses out of a real
stock account is refused if the balance would go negative now or at any later time on the
ledger's time line (``occurred_at``); the ``ck_balances_nonnegative`` CHECK is the last line
of defence.
"""

from __future__ import annotations

from inventory.repository.ledger import LedgerRows, MovementHeader, ResolvedLine
from inventory.repository.recalls import RecallRows
from inventory.repository.shipments import ShipmentRows

__all__ = ["MovementHeader", "Repository", "ResolvedLine"]


class Repository(LedgerRows, ShipmentRows, RecallRows):
    """Every write (and locking read) of one unit of work, on its session."""
