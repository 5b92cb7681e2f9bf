"""Where a player stands in a campaign before playing: may they play, how many plays are left,
what they have won. The page uses it to show the right screen at once; the draw script stays the
authority when the play is made (this is read from SQL and may lag a play in flight)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from campaigns.core.errors import ErrorCode
from campaigns.draw.engine import local_day
from campaigns.models import Campaign, Play, Win
from campaigns.models.campaign import Status
from campaigns.play import PlayerRef
from campaigns.wechat.followers import FollowStatus

COUNTED = ("win", "lose")  # void and lost entries never used up a play


def campaign_refusal(campaign: Campaign, now: datetime) -> ErrorCode | None:
    """The refusal every player would get now, in the order the draw script checks."""
    if campaign.status == Status.ENDED:
        return ErrorCode.ENDED
    if campaign.status != Status.LIVE:
        return ErrorCode.NOT_LIVE
    if now < campaign.starts_utc:
        return ErrorCode.NOT_STARTED
    if now >= campaign.ends_utc:
        return ErrorCode.ENDED
    return None


def refusal(
    session, campaign: Campaign, player: PlayerRef, now: datetime, follows: FollowStatus
) -> ErrorCode | None:
    """The refusal this player's next play would get, or None if it would be drawn.

    A follow status WeChat cannot give now refuses nothing here: the page must not tell a
    follower to follow; the play itself asks again and answers 503 if WeChat still cannot say."""
    code = campaign_refusal(campaign, now)
    if code is not None:
        return code
    if campaign.require_follow and follows.of(player.openid) is False:
        return ErrorCode.NOT_FOLLOWING
    total, today = _plays(session, campaign, player.id, now)
    if campaign.plays_per_user_total and total >= campaign.plays_per_user_total:
        return ErrorCode.TOTAL_LIMIT
    if campaign.plays_per_user_per_day and today >= campaign.plays_per_user_per_day:
        return ErrorCode.DAILY_LIMIT
    return None


def plays_left_today(session, campaign: Campaign, player_id: int, now: datetime) -> int | None:
    """Plays left today, the total limit included; None when neither limit is set."""
    total, today = _plays(session, campaign, player_id, now)
    left = []
    if campaign.plays_per_user_per_day:
        left.append(campaign.plays_per_user_per_day - today)
    if campaign.plays_per_user_total:
        left.append(campaign.plays_per_user_total - total)
    return max(0, min(left)) if left else None


def _plays(session, campaign: Campaign, player_id: int, now: datetime) -> tuple[int, int]:
    rows = session.execute(
        select(Play.day, func.count())
        .where(
            Play.campaign_id == campaign.id,
            Play.player_id == player_id,
            Play.outcome.in_(COUNTED),
        )
        .group_by(Play.day)
    ).all()
    day = local_day(campaign, now)
    return sum(n for _, n in rows), sum(n for d, n in rows if d == day)


def wins(session, campaign_id: int, player_id: int) -> list[Win]:
    return list(
        session.scalars(
            select(Win)
            .where(Win.campaign_id == campaign_id, Win.player_id == player_id)
            .order_by(Win.created_at.desc())
        )
    )
