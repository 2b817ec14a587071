"""Pure rules of the ledger over frozen dataclasses: no I/O, no database, no clock."""
