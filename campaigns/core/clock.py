"""The one source of "now" for the domain, so tests can move time instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall clock in UTC. Domain functions take a clock rather than calling datetime.now()."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> None:
        self._now = self._now + timedelta(**delta)


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def utc_naive(moment: datetime) -> datetime:
    """The database stores naive UTC datetimes (SQLite has no time zones)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def as_utc(stored: datetime) -> datetime:
    return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)
