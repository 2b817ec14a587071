"""Ledger tests against real SQLite and PostgreSQL."""
