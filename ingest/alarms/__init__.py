"""Excursion episodes and alarms, persisted with a lifecycle (raise → acknowledge → clear).

See README.md for the data flow. ``ports.py`` holds the protocols the composition root
implements (ledger, unit directory, notifier); this package imports nothing of ``inventory``.
"""
