"""The record of plays and wins in SQL, its hash chain and audit trail, and the sweep that writes
decisions whose request died before the ledger write."""
