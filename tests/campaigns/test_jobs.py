"""The periodic sweep, run by a real RQ worker: what the play streams hold reaches the ledger
(the net under the ledger writer) and the hash chain grows over it."""

from __future__ import annotations

from sqlalchemy import select

from campaigns.core import queues
from campaigns.jobs import schedule
from campaigns.models import Play
from campaigns.web.extensions import db


def test_the_sweep_job_writes_a_crashed_play_and_chains_it(factory, engine, clock, run_jobs):
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}])
    player = factory.player()
    engine.decide(db.session, campaign, player.id, "crashed", clock.now())  # no writer running
    queues.queue().enqueue(schedule.sweep_in_flight)
    run_jobs()
    stored = db.session.scalar(select(Play))
    assert stored is not None and stored.outcome == "win"
    assert stored.prev_hash == campaign.seed_commitment and stored.entry_hash
    # the job rescheduled itself, exactly once
    scheduled = queues.queue().scheduled_job_registry.get_job_ids()
    assert scheduled == [schedule.SWEEP_JOB_ID]


def test_page_views_reach_sql_through_the_sweep(factory, redis, clock, run_jobs):
    from campaigns.models import PageViewBucket
    from campaigns.reports import pageviews

    campaign = factory.campaign()
    for _ in range(3):
        pageviews.record_view(redis, campaign.id, clock.now())
    clock.advance(hours=1)
    pageviews.record_view(redis, campaign.id, clock.now())
    queues.queue().enqueue(schedule.sweep_in_flight)
    run_jobs()
    buckets = db.session.scalars(select(PageViewBucket).order_by(PageViewBucket.hour)).all()
    assert [b.views for b in buckets] == [3, 1]
