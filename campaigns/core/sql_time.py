"""Time arithmetic in SQL that runs the same on SQLite and PostgreSQL.

Timestamps are stored as naive UTC. Reports need them in a campaign's time zone, so the zone's
UTC offsets over the campaign's window become a CASE expression (one branch per DST period; a
single constant for zones without DST such as Asia/Shanghai) and each dialect adds that many
minutes with its own function. This stays exact across DST changes and half-hour zones, and the
grouping still happens in SQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, func, literal

from campaigns.core.clock import as_utc, utc_naive


def offset_periods(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(naive UTC moment the period ends, offset in minutes)], the last one open-ended."""
    moment = as_utc(start).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    stop = as_utc(end) + timedelta(days=1)
    periods: list[tuple[datetime, int]] = []
    current = _offset(zone, moment)
    while moment < stop:
        moment += timedelta(hours=1)
        following = _offset(zone, moment)
        if following != current:
            periods.append((utc_naive(moment), current))
            current = following
    periods.append((datetime.max, current))
    return periods


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)


def offset_minutes(column, periods: list[tuple[datetime, int]]):
    if len(periods) == 1:
        return literal(periods[0][1])
    whens = [(column < until, minutes) for until, minutes in periods[:-1]]
    return case(*whens, else_=periods[-1][1])


def local_hour(dialect: str, column, periods: list[tuple[datetime, int]]):
    """Hour of day (0-23) of a stored UTC timestamp in the zone the periods describe.

    SQLite keeps timestamps as ISO text, so the hour and minute are cut out of the text (far
    cheaper than parsing a date per row); PostgreSQL adds an interval to a real timestamp.
    """
    minutes = offset_minutes(column, periods)
    if dialect == "sqlite":
        utc_minutes = cast(func.substr(column, 12, 2), Integer) * 60 + cast(
            func.substr(column, 15, 2), Integer
        )
        return ((utc_minutes + minutes + 1440) // 60) % 24
    shifted = column + func.make_interval(0, 0, 0, 0, 0, minutes)
    return cast(func.extract("hour", shifted), Integer)


def plus_days(dialect: str, column, days: int):
    """A stored timestamp plus whole days, comparable with other stored timestamps."""
    if dialect == "sqlite":
        return func.strftime("%Y-%m-%d %H:%M:%f", column, f"+{int(days)} days")
    return column + func.make_interval(0, 0, 0, int(days))
