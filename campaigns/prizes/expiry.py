"""Expiring wins whose prize's ``claim_days`` ran out before the winner acted: a code not
redeemed, goods not claimed. One conditional UPDATE per prize, so the job is idempotent and the
sweep (campaigns/jobs/schedule.py) may run it as often as it likes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select, update

from campaigns.core.clock import utc_naive
from campaigns.models import Campaign, Claim, Prize, Win
from campaigns.models.campaign import PrizeKind


def expire(session, now: datetime) -> int:
    """Mark the overdue wins expired; returns how many were marked now."""
    prizes = session.execute(
        select(Prize.id, Prize.kind, Prize.claim_days)
        .join(Campaign, Campaign.id == Prize.campaign_id)
        .where(
            Prize.claim_days.is_not(None),
            Prize.kind.in_((PrizeKind.CODE.value, PrizeKind.GOODS.value)),
            Campaign.seed.is_not(None),  # published
        )
    ).all()
    marked = 0
    for prize_id, kind, days in prizes:
        condition = [
            Win.prize_id == prize_id,
            Win.expired_at.is_(None),
            Win.redeemed_at.is_(None),
            Win.created_at <= utc_naive(now - timedelta(days=days)),
        ]
        if kind == PrizeKind.GOODS.value:
            condition.append(~exists().where(Claim.win_id == Win.id))
        marked += session.execute(
            update(Win).where(*condition).values(expired_at=utc_naive(now))
        ).rowcount
    session.commit()
    return marked
