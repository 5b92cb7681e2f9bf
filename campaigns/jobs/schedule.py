"""The schedule: the periodic sweep, the one job that re-enqueues itself.

Jobs are at-least-once (a killed worker may lose or rerun one), so every job is idempotent on its
own key and a periodic sweep finds work that was missed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaigns.core import queues, services
from campaigns.core.services import redis_clients
from campaigns.jobs import ledger_writer
from campaigns.ledger import chain
from campaigns.models import Campaign
from campaigns.prizes import cash, claims, expiry
from campaigns.reports import pageviews
from campaigns.wechat import notices, reminders

SWEEP_JOB_ID = "sweep-in-flight-plays"
SWEEP_EVERY = timedelta(seconds=15)


def schedule_sweep(connection=None) -> None:
    """(Re)schedule the in-flight sweep; a fixed job id keeps exactly one scheduled."""
    queues.queue(queues.DEFAULT, connection).enqueue_in(
        SWEEP_EVERY, sweep_in_flight, job_id=SWEEP_JOB_ID
    )


def _settle(campaign, now) -> int:
    """One campaign's part of the sweep; returns the plays written from its streams."""
    session = services.session()
    services.engine().settle_transfers(campaign.id, campaign.shards, now)
    written = ledger_writer.drain_campaign(session, redis_clients.counters, campaign.id)
    chain.extend(session, redis_clients.counters, campaign, now)
    pageviews.flush(session, redis_clients.counters, campaign.id)
    return written


def sweep_in_flight() -> int:
    """Finish stock transfers between shards (see draw/stock.py), write what the play streams
    hold (the ledger writer does so continuously; this is the net under it, and takes over what
    a dead writer left pending), extend each campaign's hash chain over what has arrived, move
    page views into SQL, re-enqueue winner notices that are still open, and remind winners whose
    prize's deadline is near."""
    now = services.now()
    session = services.session()
    written = 0
    try:
        published = session.scalars(select(Campaign).where(Campaign.seed.is_not(None))).all()
        for campaign in published:
            # one campaign whose plays SQL refuses must not stop the rest of the sweep
            written += ledger_writer.apart(session, campaign.id, _settle, campaign, now) or 0
        notices.requeue_stale(  # winner notices still open a while after the win
            session,
            redis_clients.main,
            now,
            services.settings()["NOTICE_RETRY_INTERVALS"],
        )
        expiry.expire(session, now)  # wins past their prize's claim_days
        claims.purge(session, now, services.settings()["CLAIMS_PURGE_DAYS"])
        notices.requeue_shipping(session)
        # claim reminders, days before a waiting win's deadline
        reminders.sweep(session, now, services.settings()["CLAIM_REMINDER_DAYS"])
        cash.enqueue_due(session, services.settings(), now)  # red packets of cash wins
    finally:
        session.remove()
        schedule_sweep()
    return written
