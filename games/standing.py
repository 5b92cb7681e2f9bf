"""Where a player stands in a campaign before playing: may they play, how many plays are left,
what they have won. The page uses it to show the right screen at once; the draw script stays the
authority when the play is made. Plays are counted from the script's own counters in Redis (SQL
follows the play streams by moments), from SQL when Redis holds none for the player; wins are
read from SQL. The rules
themselves are the draw's own (``campaigns/draw/rules.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from campaigns.core import services
from campaigns.core.errors import ErrorCode
from campaigns.draw import rules, state
from campaigns.draw.engine import REDIS_DOWN, local_day
from campaigns.models import Campaign, Play, Win
from campaigns.play import PlayerRef
from campaigns.wechat.followers import FollowStatus

COUNTED = ("win", "lose")  # void and lost entries never used up a play


def refusal(
    session, campaign: Campaign, player: PlayerRef, now: datetime, follows: FollowStatus
) -> ErrorCode | None:
    """The refusal this player's next play would get, or None if it would be drawn (the rules
    are the draw's, ``campaigns/draw/rules.py``; this counts the player's plays for them).

    A follow status WeChat cannot give now refuses nothing here: the page must not tell a
    follower to follow; the play itself asks again and answers 503 if WeChat still cannot say."""
    code = rules.campaign_refusal(campaign, now)
    if code is not None:
        return code
    if campaign.require_follow and follows.of(player.openid) is False:
        return ErrorCode.NOT_FOLLOWING
    return rules.limit_refusal(campaign, *_plays(session, campaign, player.id, now))


def plays_left_today(session, campaign: Campaign, player_id: int, now: datetime) -> int | None:
    return rules.plays_left_today(campaign, *_plays(session, campaign, player_id, now))


def _plays(session, campaign: Campaign, player_id: int, now: datetime) -> tuple[int, int]:
    day = local_day(campaign, now)
    try:
        counted = state.player_counts(services.engine().redis, campaign, player_id, day)
    except REDIS_DOWN:
        counted = None
    if counted is not None:
        return counted
    rows = session.execute(
        select(Play.day, func.count())
        .where(
            Play.campaign_id == campaign.id,
            Play.player_id == player_id,
            Play.outcome.in_(COUNTED),
        )
        .group_by(Play.day)
    ).all()
    return sum(n for _, n in rows), sum(n for d, n in rows if d == day)


def wins(session, campaign_id: int, player_id: int) -> list[Win]:
    return list(
        session.scalars(
            select(Win)
            .where(Win.campaign_id == campaign_id, Win.player_id == player_id)
            .order_by(Win.created_at.desc())
        )
    )
