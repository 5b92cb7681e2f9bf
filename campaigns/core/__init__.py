"""The domain's ground floor: one clock, error codes, the URL builder, switches, SQL time,
queues, and the one bridge to the running app's services (db, Redis, clock, engine). Imports
nothing above it."""
