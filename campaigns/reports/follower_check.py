"""WeChat's own word on a campaign's new followers (``user/info/batchget``), beside our events.

The report's follower gain and 7-day retention count the follow events this server received.
They are exact when every event arrived, but WeChat sends each event once, so an unfollow while
the server was down (or its callback misconfigured) is never heard. batchget cannot replace the
events for the 7-day figure. It says whether someone follows *now* (and when they last followed),
not whether they still followed 7 days after following through the campaign. So the report keeps
the events' figures, labelled ``"source": "follow events"``. Beside them it shows WeChat's check,
labelled ``"source": "user/info/batchget"``, with its time: how many of the new followers follow
now, and how many have left with no unfollow event reaching us. 0 there means the event figures
are complete; more means they overstate retention by at most that many.

The check runs in a job, never in the report's request: 100 openids a call, at most
``WECHAT_FOLLOWER_CHECK_LIMIT`` openids (the earliest followers first), once an hour per
campaign at most, asked for when someone reads the report.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from campaigns.core import queues, services
from campaigns.core.clock import as_utc
from campaigns.core.services import redis_clients
from campaigns.draw.engine import REDIS_DOWN
from campaigns.reports import reports
from campaigns.wechat import keys
from campaigns.wechat.clients import current_client

BATCH = 100  # WeChat's limit for user/info/batchget
CHECK_EVERY = timedelta(hours=1)
RETRY_AFTER = timedelta(minutes=10)  # a check that failed (WeChat down) is asked for again
KEEP = timedelta(days=90)  # a campaign's last check outlives its report's readers' interest


def latest(redis, campaign_id: int, now: datetime) -> dict | None:
    """The last check (None before the first), asking for a new one when it is an hour old.
    Redis trouble leaves the report without it: a report never fails for this."""
    try:
        raw = redis.get(keys.follower_check(campaign_id))
        last = json.loads(raw) if raw else None
        fresh = last and now - datetime.fromisoformat(last["checked_at"]) < CHECK_EVERY
        if not fresh and redis.set(
            keys.follower_check_asked(campaign_id), 1, nx=True, ex=RETRY_AFTER
        ):
            queues.enqueue(
                check,
                campaign_id,
                queue_name=queues.REPORTS,
                job_id=f"follower-check-{campaign_id}",
            )
    except REDIS_DOWN:
        return None
    return last


def check(campaign_id: int) -> dict:
    """The job: ask WeChat about the campaign's new followers and keep what it said."""
    now = services.now()
    limit = services.settings()["WECHAT_FOLLOWER_CHECK_LIMIT"]
    first = reports.gained_followers(campaign_id)
    rows = (
        services.session()
        .execute(
            select(first.c.openid, reports.unfollow_heard(first))
            .order_by(first.c.followed_at, first.c.openid)
            .limit(limit + 1)
        )
        .all()
    )
    services.session().remove()  # nothing more from SQL: WeChat's calls may take a while
    capped = len(rows) > limit
    rows = rows[:limit]
    client = current_client()
    following = left_unheard = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        answers = client.user.get_batch([openid for openid, _ in chunk])
        subscribed = {a["openid"] for a in answers if a.get("subscribe") == 1}
        for openid, heard in chunk:
            if openid in subscribed:
                following += 1
            elif not heard:
                left_unheard += 1
    result = {
        "source": "user/info/batchget",
        "checked_at": as_utc(now).isoformat(),
        "checked": len(rows),
        "capped": capped,
        "following_now": following,
        "left_unheard": left_unheard,
    }
    redis = redis_clients.main
    redis.set(keys.follower_check(campaign_id), json.dumps(result), ex=KEEP)
    redis.delete(keys.follower_check_asked(campaign_id))
    return result
