"""Unit tests of the ledger's pure rules."""
