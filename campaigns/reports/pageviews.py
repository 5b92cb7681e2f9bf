"""Game page views for the report's funnel: one Redis HINCRBY per view (cheap at burst time),
moved into SQL buckets by the periodic sweep so the report can aggregate them in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from campaigns.core.clock import utc_naive
from campaigns.draw.keys import CampaignKeys
from campaigns.models import PageViewBucket


def hour_of(moment: datetime) -> str:
    return utc_naive(moment).replace(minute=0, second=0, microsecond=0).isoformat()


def record_view(redis, campaign_id: int, now: datetime) -> None:
    redis.hincrby(CampaignKeys(campaign_id).page_views, hour_of(now), 1)


def flush(session, redis, campaign_id: int) -> int:
    """Move counted views into SQL; a failed flush is retried from where it stopped."""
    keys = CampaignKeys(campaign_id)
    if not redis.exists(keys.page_views_flushing):
        if not redis.exists(keys.page_views):
            return 0
        redis.rename(keys.page_views, keys.page_views_flushing)
    moved = 0
    for hour_text, count in redis.hgetall(keys.page_views_flushing).items():
        hour = datetime.fromisoformat(hour_text.decode())
        bucket = session.scalar(
            select(PageViewBucket).where(
                PageViewBucket.campaign_id == campaign_id, PageViewBucket.hour == hour
            )
        )
        if bucket is None:
            bucket = PageViewBucket(campaign_id=campaign_id, hour=hour, views=0)
            session.add(bucket)
        bucket.views += int(count)
        moved += int(count)
    session.commit()
    redis.delete(keys.page_views_flushing)
    return moved
