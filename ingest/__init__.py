"""Telemetry ingest: MQTT -> decode -> detect -> store -> alert.

Imports nothing from ``api`` or ``inventory``; what it needs of the ledger arrives through
an interface that ``coldchain`` wires.
"""
