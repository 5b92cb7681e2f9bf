"""A campaign's keyword: the word a follower sends the account to get the game link.

Keywords are compared folded: NFKC (a phone's full-width "ＧＯ" is "GO", the ideographic space a
space) and then casefold ("GO", "Go" and "go" are one word). Publishing and editing use the same
folding as the callback's lookup, so a keyword refused as taken is exactly one that would have
answered with the other campaign.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import select

from campaigns.core.clock import as_utc, utc_naive
from campaigns.models import Campaign
from campaigns.models.campaign import Status


def fold(keyword: str | None) -> str:
    """The form two keywords are compared in ("" for none)."""
    folded = unicodedata.normalize("NFKC", keyword or "").casefold()
    return unicodedata.normalize("NFKC", folded).strip()  # casefold can denormalize


def _live_with_keyword(session, now: datetime):
    """Live campaigns not yet ended that have a keyword, newest first."""
    return session.scalars(
        select(Campaign)
        .where(
            Campaign.status == Status.LIVE.value,
            Campaign.ends_at > utc_naive(now),
            Campaign.keyword.is_not(None),
        )
        .order_by(Campaign.id.desc())
    )


def holder(session, keyword: str | None, now: datetime, besides: int | None) -> Campaign | None:
    """The live or scheduled campaign (other than ``besides``) that answers to ``keyword``."""
    folded = fold(keyword)
    if not folded:
        return None
    return next(
        (
            c
            for c in _live_with_keyword(session, now)
            if c.id != besides and fold(c.keyword) == folded
        ),
        None,
    )


def answering(session, text: str | None, now: datetime) -> Campaign | None:
    """The open campaign a follower's message names (the newest, should two share it)."""
    folded = fold(text)
    if not folded:
        return None
    return next(
        (
            c
            for c in _live_with_keyword(session, now)
            if fold(c.keyword) == folded and as_utc(c.starts_at) <= now
        ),
        None,
    )


def open_keywords(session, now: datetime) -> list[tuple[str, Campaign]]:
    """The keywords that answer now with their campaigns, oldest campaign first."""
    seen: dict[str, tuple[str, Campaign]] = {}
    for campaign in _live_with_keyword(session, now):
        if as_utc(campaign.starts_at) <= now:
            seen.setdefault(fold(campaign.keyword), (campaign.keyword.strip(), campaign))
    return list(reversed(seen.values()))


def taken_message(other: Campaign) -> str:
    """Names the campaign holding the keyword (the console translates it by pattern)."""
    ends = other.ends_utc.astimezone(other.zone).strftime("%Y-%m-%d %H:%M")
    return f'Campaign {other.id} "{other.name}" already answers to this keyword, until {ends}.'
