"""The draw's refusals, stated once in Python in the order ``lua/draw.lua`` applies them.

The script is the authority when a play is made; this is what the rest of the server asks
before one (the player's page shows the right screen at once, the quiz refuses to deal
questions a player could not play for). Both read the same settings (``settings.SCRIPT_KEYS``);
tests/campaigns/test_play_endpoint.py checks that every refusal here is the script's.
"""

from __future__ import annotations

from datetime import datetime

from campaigns.core.errors import ErrorCode
from campaigns.models.campaign import Status


def campaign_refusal(campaign, now: datetime) -> ErrorCode | None:
    """The refusal every player would get now: status, then the window."""
    if campaign.status == Status.ENDED:
        return ErrorCode.ENDED
    if campaign.status != Status.LIVE:
        return ErrorCode.NOT_LIVE
    if now < campaign.starts_utc:
        return ErrorCode.NOT_STARTED
    if now >= campaign.ends_utc:
        return ErrorCode.ENDED
    return None


def limit_refusal(campaign, plays_total: int, plays_today: int) -> ErrorCode | None:
    """The refusal of a player who has played ``plays_total`` times (``plays_today`` of them
    today): the total limit first, then the daily one (an unset limit never refuses)."""
    if campaign.plays_per_user_total and plays_total >= campaign.plays_per_user_total:
        return ErrorCode.TOTAL_LIMIT
    if campaign.plays_per_user_per_day and plays_today >= campaign.plays_per_user_per_day:
        return ErrorCode.DAILY_LIMIT
    return None


def plays_left_today(campaign, plays_total: int, plays_today: int) -> int | None:
    """Plays left today, the total limit included; None when neither limit is set."""
    left = []
    if campaign.plays_per_user_per_day:
        left.append(campaign.plays_per_user_per_day - plays_today)
    if campaign.plays_per_user_total:
        left.append(campaign.plays_per_user_total - plays_total)
    return max(0, min(left)) if left else None
