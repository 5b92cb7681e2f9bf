"""The draw engine: one atomic Redis script per play, backed by the SQL ledger."""
