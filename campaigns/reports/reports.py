"""A campaign's report: the funnel, prizes, plays by day and hour, follower gain.

Every figure is a SQL aggregation (GROUP BY, COUNT DISTINCT, EXISTS) read mostly from indexes, so
the report of a campaign with a million plays takes well under two seconds; Python only reshapes
the few dozen rows that come back. Days are the plays' stored ``day`` (the campaign's zone, set by
the engine); hours of day are computed in SQL with the zone's offsets (campaigns/core/sql_time.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, distinct, exists, func, select

from campaigns.core import sql_time
from campaigns.core.clock import as_utc, utc_naive
from campaigns.draw.engine import REDIS_DOWN
from campaigns.ledger import chain, writer
from campaigns.models import Campaign, FollowEvent, PageViewBucket, Play, Win

PLAYED = ("win", "lose")  # "void" and "lost" entries of the log are not plays anyone made
RETENTION_DAYS = 7


def build(
    session,
    campaign: Campaign,
    now: datetime,
    wechat_check: dict | None = None,
    redis=None,
) -> dict:
    """``wechat_check``: WeChat's last check of the campaign's new followers, if any.
    ``redis``: the counters Redis, to say how far SQL is behind the play streams (``ledger``)."""
    by_day = _by_day(session, campaign, now)
    plays = sum(d["plays"] for d in by_day)
    draws = sum(d["draws"] for d in by_day)
    prizes = _prizes(session, campaign, draws)
    wins = sum(p["wins"] for p in prizes)
    players = _players(session, campaign.id, by_day)
    seq, head = chain.head(session, campaign)
    zone = campaign.zone
    return {
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "game": campaign.game,
            "status": campaign.status,
            "timezone": campaign.timezone,
            "starts_at": campaign.starts_utc.astimezone(zone).isoformat(),
            "ends_at": campaign.ends_utc.astimezone(zone).isoformat(),
        },
        "generated_at": as_utc(now).isoformat(),
        "funnel": {
            "page_views": _page_views(session, campaign.id),
            "players": players["all"],
            "plays": plays,
            "wins": wins,
            "redeemed": sum(p["redeemed"] for p in prizes),
        },
        "draws": draws,
        "no_prize_rate": None if not draws else 1 - wins / draws,
        "prizes": prizes,
        "by_day": [{k: v for k, v in d.items() if k != "draws"} for d in by_day],
        "by_hour": _by_hour(session, campaign),
        "weekday_weekend": _weekday_weekend(by_day, players),
        "followers": _followers(session, campaign.id, now, wechat_check),
        "account_follows": _account_follows(session, campaign, now),
        "verification": {
            "seed_commitment": campaign.seed_commitment,
            "chain_head": head,
            "chained_plays": seq,
        },
        "ledger": ledger_lag(redis, campaign, now),
    }


def ledger_lag(redis, campaign: Campaign, now: datetime) -> dict:
    """How far the SQL this report reads is behind the plays: ``as_of`` is the moment before
    which every play is in SQL, ``plays_not_written`` what the play streams still hold."""
    if redis is None:
        return {"as_of": as_utc(now).isoformat(), "plays_not_written": None}
    try:
        held = writer.backlog(redis, campaign.id, campaign.shards)
    except REDIS_DOWN:
        return {"as_of": None, "plays_not_written": None}
    oldest = held.oldest_ms
    as_of = as_utc(now) if oldest is None else datetime.fromtimestamp(oldest / 1000, UTC)
    return {"as_of": as_of.isoformat(), "plays_not_written": held.plays}


def _played(campaign_id: int):
    return and_(Play.campaign_id == campaign_id, Play.outcome.in_(PLAYED))


def _page_views(session, campaign_id: int) -> int:
    total = session.scalar(
        select(func.sum(PageViewBucket.views)).where(PageViewBucket.campaign_id == campaign_id)
    )
    return int(total or 0)


def _players(session, campaign_id: int, by_day: list[dict]) -> dict[str, int]:
    """Distinct players overall, on weekdays and at weekends. Each count walks the index that
    is ordered by player (ix_play_campaign_player), so no temporary table is sorted."""

    def count(*where) -> int:
        return session.scalar(
            select(func.count(distinct(Play.player_id))).where(_played(campaign_id), *where)
        )

    weekend = [d["day"] for d in by_day if d["weekend"]]
    weekdays = [d["day"] for d in by_day if not d["weekend"]]
    return {
        "all": count(),
        "weekday": count(Play.day.in_(weekdays)) if weekdays else 0,
        "weekend": count(Play.day.in_(weekend)) if weekend else 0,
    }


def _by_day(session, campaign: Campaign, now: datetime) -> list[dict]:
    rows = session.execute(
        select(
            Play.day,
            func.count(),
            func.count(distinct(Play.player_id)),
            func.count().filter(Play.eligible.is_(True)),
        )
        .where(_played(campaign.id))
        .group_by(Play.day)
    ).all()
    found = {day: (plays, players, draws) for day, plays, players, draws in rows}
    days = set(found) | set(_window_days(campaign, now))
    return [
        {
            "day": day,
            "plays": found.get(day, (0, 0, 0))[0],
            "players": found.get(day, (0, 0, 0))[1],
            "draws": found.get(day, (0, 0, 0))[2],
            "weekend": date.fromisoformat(day).weekday() >= 5,
        }
        for day in sorted(days)
    ]


def _window_days(campaign: Campaign, now: datetime) -> list[str]:
    """Every day of the campaign so far (days without plays show as zeros in the charts)."""
    zone = campaign.zone
    first = campaign.starts_utc.astimezone(zone).date()
    last = min(campaign.ends_utc, as_utc(now)).astimezone(zone).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _by_hour(session, campaign: Campaign) -> list[dict]:
    periods = sql_time.offset_periods(campaign.zone, campaign.starts_utc, campaign.ends_utc)
    hour = sql_time.local_hour(session.get_bind().dialect.name, Play.created_at, periods).label("h")
    rows = session.execute(
        select(hour, func.count(), func.count(distinct(Play.player_id)))
        .where(_played(campaign.id))
        .group_by(hour)
    ).all()
    found = {int(h): (plays, players) for h, plays, players in rows}
    return [
        {"hour": h, "plays": found.get(h, (0, 0))[0], "players": found.get(h, (0, 0))[1]}
        for h in range(24)
    ]


def _weekday_weekend(by_day: list[dict], players: dict[str, int]) -> dict:
    result = {}
    for name, weekend in (("weekday", False), ("weekend", True)):
        days = [d for d in by_day if d["weekend"] is weekend]
        result[name] = {
            "days": len(days),
            "plays": sum(d["plays"] for d in days),
            "players": players[name],
        }
    return result


def gained_followers(campaign_id: int):
    """Followers gained through the campaign (its QR scene or follow screen): each openid once,
    ``(openid, followed_at)`` of its first attributed subscribe (a subquery)."""
    return (
        select(FollowEvent.openid, func.min(FollowEvent.created_at).label("followed_at"))
        .where(FollowEvent.campaign_id == campaign_id, FollowEvent.event == "subscribe")
        .group_by(FollowEvent.openid)
        .subquery()
    )


def unfollow_heard(first, until=None):
    """An unsubscribe event of a gained follower after they followed (and by ``until``)."""
    unsub = FollowEvent.__table__.alias("unsub")
    condition = and_(
        unsub.c.openid == first.c.openid,
        unsub.c.event == "unsubscribe",
        unsub.c.created_at > first.c.followed_at,
    )
    if until is not None:
        condition = and_(condition, unsub.c.created_at <= until)
    return exists(select(unsub.c.id).where(condition))


def _followers(session, campaign_id: int, now: datetime, wechat_check: dict | None) -> dict:
    """From the follow events this server received: "unfollowed" are gained followers with any
    unsubscribe since. ``wechat_check`` is WeChat's own word on them, beside (follower_check.py)."""
    dialect = session.get_bind().dialect.name
    first = gained_followers(campaign_id)
    cutoff = utc_naive(now) - timedelta(days=RETENTION_DAYS)
    week_later = sql_time.plus_days(dialect, first.c.followed_at, RETENTION_DAYS)
    old_enough = first.c.followed_at <= cutoff
    followed, unfollowed, eligible, kept = session.execute(
        select(
            func.count(),
            func.count().filter(unfollow_heard(first)),
            func.count().filter(old_enough),
            func.count().filter(and_(old_enough, ~unfollow_heard(first, week_later))),
        ).select_from(first)
    ).one()
    return {
        "source": "follow events",
        "followed": followed,
        "unfollowed": unfollowed,
        "net": followed - unfollowed,
        "followed_7_days_ago": eligible,
        "still_following_after_7_days": None if not eligible else kept / eligible,
        "wechat": wechat_check,
    }


def _account_follows(session, campaign: Campaign, now: datetime) -> dict:
    """Every follow and unfollow of the account in the campaign's window, for context."""
    until = min(campaign.ends_utc, as_utc(now))
    rows = dict(
        session.execute(
            select(FollowEvent.event, func.count())
            .where(
                FollowEvent.event.in_(("subscribe", "unsubscribe")),
                FollowEvent.created_at >= campaign.starts_at,
                FollowEvent.created_at <= utc_naive(until),
            )
            .group_by(FollowEvent.event)
        ).all()
    )
    follows, unfollows = rows.get("subscribe", 0), rows.get("unsubscribe", 0)
    return {"follows": follows, "unfollows": unfollows, "net": follows - unfollows}


# The normal quantile of a two-sided 95 % interval.
Z_95 = 1.959964


def wilson_interval(wins: int, draws: int, z: float = Z_95) -> tuple[float, float]:
    """The 95 % Wilson score interval of a win rate seen as ``wins`` in ``draws`` (draws > 0).

    Wilson rather than the textbook p ± z·√(p(1−p)/n): that one collapses to a single point at
    0 wins and leaves [0, 1] for small counts, exactly where a marketer looks at 4 wins in 18
    plays and asks whether the odds are honest. A configured rate inside the interval differs
    from the observed one no more than chance explains."""
    rate = wins / draws
    spread = z * z / draws
    centre = (rate + spread / 2) / (1 + spread)
    half = z * ((rate * (1 - rate) + spread / 4) / draws) ** 0.5 / (1 + spread)
    return max(0.0, centre - half), min(1.0, centre + half)


def _prizes(session, campaign: Campaign, draws: int) -> list[dict]:
    rows = session.execute(
        select(Win.prize_id, func.count(), func.count(Win.redeemed_at))
        .where(Win.campaign_id == campaign.id)
        .group_by(Win.prize_id)
    ).all()
    found = {prize_id: (wins, redeemed) for prize_id, wins, redeemed in rows}
    result = []
    for prize in campaign.prizes:
        wins, redeemed = found.get(prize.id, (0, 0))
        low, high = wilson_interval(wins, draws) if draws else (None, None)
        result.append(
            {
                "id": prize.id,
                "name": prize.name,
                "kind": prize.kind,
                "probability": prize.probability,
                "observed_rate": None if not draws else wins / draws,
                "observed_low": low,
                "observed_high": high,
                "within_chance": None if not draws else low <= prize.probability <= high,
                "stock": prize.stock,
                "wins": wins,
                "stock_left": max(prize.stock - wins, 0),
                "redeemed": redeemed,
            }
        )
    return result


def summaries(session, campaigns: list[Campaign], now: datetime) -> dict[int, dict]:
    """Plays today (in each campaign's zone) and stock left, for the console's campaign list."""
    ids = [c.id for c in campaigns]
    awarded = dict(
        session.execute(
            select(Win.campaign_id, func.count())
            .where(Win.campaign_id.in_(ids))
            .group_by(Win.campaign_id)
        ).all()
    )
    result = {}
    for campaign in campaigns:
        today = as_utc(now).astimezone(campaign.zone).date().isoformat()
        plays_today = session.scalar(
            select(func.count()).where(_played(campaign.id), Play.day == today)
        )
        stock = sum(p.stock for p in campaign.prizes)
        result[campaign.id] = {
            "plays_today": plays_today,
            "stock": stock,
            "stock_left": stock - awarded.get(campaign.id, 0),
        }
    return result
