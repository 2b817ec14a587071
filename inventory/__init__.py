"""The vaccine lot ledger: facilities, storage units, products, lots and double-entry movements.

Imports nothing from ``ingest``, ``api`` or ``simulators``.
"""
