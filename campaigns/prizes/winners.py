"""The latest wins a game page may show ("o***4 获得 10元券 10:32"): committed wins only (SQL
rows), the winner masked, cached in Redis for a few seconds so a crowd opening the page asks SQL
once per ``CACHE_SECONDS`` and a play asks it nothing."""

from __future__ import annotations

import json

from redis.exceptions import RedisError
from sqlalchemy import select

from campaigns.core.clock import as_utc
from campaigns.models import Campaign, Player, Prize, Win
from campaigns.prizes import keys

CACHE_SECONDS = 5
SHOWN = 10


def mask(openid: str) -> str:
    """First and last character of the openid, no more: the list must not identify anyone."""
    return f"{openid[:1]}***{openid[-1:]}" if openid else "***"


def latest(session, redis, campaign: Campaign) -> list[dict]:
    """The campaign's latest wins, newest first: masked winner, prize name, local time."""
    key = keys.latest_winners(campaign.id)
    try:
        cached = redis.get(key)
    except RedisError:
        cached = None
    if cached is not None:
        return json.loads(cached)
    rows = session.execute(
        select(Player.openid, Prize.name, Win.created_at)
        .join(Player, Player.id == Win.player_id)
        .join(Prize, Prize.id == Win.prize_id)
        .where(Win.campaign_id == campaign.id)
        .order_by(Win.id.desc())
        .limit(SHOWN)
    ).all()
    zone = campaign.zone
    wins = [
        {"who": mask(openid), "prize": prize, "at": as_utc(at).astimezone(zone).strftime("%H:%M")}
        for openid, prize, at in rows
    ]
    try:
        redis.set(key, json.dumps(wins, ensure_ascii=False), ex=CACHE_SECONDS)
    except RedisError:
        pass  # shown uncached; the next page view asks again
    return wins
