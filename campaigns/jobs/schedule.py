"""Background jobs through one helper: named queues, retries, and app context in the worker.

Jobs are at-least-once (a killed worker may lose or rerun one), so every job is idempotent on its
own key and a periodic sweep finds work that was missed.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from rq import Queue, Retry
from sqlalchemy import select

from campaigns import chain, notices, pageviews
from campaigns.draw.sweeper import sweep
from campaigns.extensions import db, redis_clients
from campaigns.models import Campaign

NOTICES = "notices"
DEFAULT = "default"
REPORTS = "reports"
# Order matters: a worker takes from the first queue with work. The sweep (default) is the
# safety net for crashed requests and must never wait behind thousands of winner notices; a
# report's WeChat check (campaigns/follower_check.py) waits behind both.
QUEUES = (DEFAULT, NOTICES, REPORTS)
SWEEP_JOB_ID = "sweep-in-flight-plays"
SWEEP_EVERY = timedelta(seconds=15)


def queue(name: str = DEFAULT, connection=None) -> Queue:
    return Queue(name, connection=connection or redis_clients.main)


def enqueue(
    func,
    *args,
    queue_name: str = DEFAULT,
    job_id: str | None = None,
    retry: Retry | None = None,
    **kwargs,
):
    return queue(queue_name).enqueue(func, *args, job_id=job_id, retry=retry, **kwargs)


def schedule_sweep(connection=None) -> None:
    """(Re)schedule the in-flight sweep; a fixed job id keeps exactly one scheduled."""
    queue(DEFAULT, connection).enqueue_in(SWEEP_EVERY, sweep_in_flight, job_id=SWEEP_JOB_ID)


def sweep_in_flight() -> int:
    """Finish stock transfers between shards and write decisions whose request died before the
    ledger write (see draw/stock.py and draw/sweeper.py), extend
    each campaign's hash chain over what has arrived, move page views into SQL, and re-enqueue
    winner notices that are still open."""
    now = current_app.extensions["clock"].now()
    secret_key = current_app.config["SECRET_KEY"]
    written = 0
    try:
        published = db.session.scalars(select(Campaign).where(Campaign.seed.is_not(None))).all()
        engine = current_app.extensions["engine"]
        for campaign in published:
            engine.settle_transfers(campaign.id, campaign.shards, now)
            written += sweep(
                db.session,
                redis_clients.counters,
                campaign.id,
                now,
                secret_key,
                shards=campaign.shards,
            )
            chain.extend(db.session, redis_clients.counters, campaign, now)
            pageviews.flush(db.session, redis_clients.counters, campaign.id)
        notices.requeue_stale(  # winner notices still open a while after the win
            db.session, redis_clients.main, now, current_app.config["NOTICE_RETRY_INTERVALS"]
        )
    finally:
        db.session.remove()
        schedule_sweep()
    return written
