"""Winner notices by ledger batch: one RQ job for a batch's wins, each win sent once through it,
a job run twice or beside the sweep's per-win jobs sending nothing twice, a win WeChat answers
"busy" retried alone in its own job, a refusal recorded as for a win's own job, and the
production worker running these jobs in its own process."""

from __future__ import annotations

import os

import pytest
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from campaigns.core import queues
from campaigns.models import Win
from campaigns.web.extensions import db
from campaigns.web.worker import run_worker
from campaigns.wechat import notices
from tests.ledger import settle

SEND = "cgi-bin/message/template/send"
COUPON = [{"name": "Coupon", "stock": 20, "probability": 1.0}]
WINNERS = 5


@pytest.fixture
def batch(factory, sandbox, app):
    """``WINNERS`` players win, their plays written to SQL by one drain of the stream (one
    ledger batch, so one ``notify_wins`` call); returns {win id: openid}. ``follow``: which of
    the players follow the account (all by default)."""

    def make(follow=lambda n: True) -> dict[int, str]:
        app.config["TEST_SETTLE_AFTER_REQUEST"] = False
        campaign = factory.campaign(prizes=COUPON)
        players = factory.players(WINNERS)
        for n, player in enumerate(players):
            if follow(n):
                sandbox.phone(player.openid, "follow")
            played = factory.signed_in(player).post(f"/h5/{campaign.id}/play", json={})
            assert played.get_json()["outcome"] == "win"
        settle(app)
        db.session.expire_all()
        wins = db.session.scalars(select(Win).where(Win.campaign_id == campaign.id)).all()
        assert len(wins) == WINNERS
        by_openid = {win.player.openid: win.id for win in wins}
        return {by_openid[player.openid]: player.openid for player in players}  # players' order

    return make


def stored(win_ids) -> dict[int, tuple[str, int]]:
    db.session.expire_all()
    return {
        win.id: (win.notice_status, win.notice_attempts)
        for win in db.session.scalars(select(Win).where(Win.id.in_(win_ids)))
    }


def notices_queue(redis) -> Queue:
    return Queue(queues.NOTICES, connection=redis)


def test_a_batch_of_wins_is_one_job_sending_each_win_once(batch, sandbox, run_jobs, redis):
    wins = batch()
    assert notices_queue(redis).job_ids == [notices.batch_job_id(list(wins))]
    run_jobs()
    sent = sorted(call["body"]["touser"] for call in sandbox.sent_templates())
    assert sent == sorted(wins.values())
    assert stored(wins) == {win_id: ("sent", 1) for win_id in wins}
    job = Job.fetch(notices.batch_job_id(list(wins)), connection=redis)
    assert job.get_status() == "finished" and job.return_value() == {"sent": WINNERS}


def test_a_batch_job_twice_and_beside_the_sweeps_jobs_sends_nothing_twice(
    batch, sandbox, run_jobs, redis
):
    wins = batch()
    ids = list(wins)
    notices.notify_wins(ids)  # the same batch again (an at-least-once caller): the same job
    assert notices_queue(redis).job_ids == [notices.batch_job_id(ids)]
    for win_id in ids:  # the sweep's per-win jobs, waiting beside the batch's
        notices.enqueue_notice(redis, win_id, [0])
    run_jobs()
    assert len(sandbox.sent_templates()) == WINNERS
    # The batch's job run again, under another id: every win is sent already.
    queues.enqueue(notices.send_win_notices, ids, queue_name=queues.NOTICES, job_id="again")
    run_jobs()
    assert len(sandbox.sent_templates()) == WINNERS and len(sandbox.calls(SEND)) == WINNERS
    assert stored(wins) == {win_id: ("sent", 1) for win_id in wins}


def test_a_win_wechat_answers_busy_is_retried_alone(batch, sandbox, run_jobs, redis):
    wins = batch()
    ids = list(wins)
    sandbox.fail(SEND, "busy", times=1)
    run_jobs()
    assert len(sandbox.calls(SEND)) == WINNERS + 1  # the batch's five, then the retry
    assert sorted(c["body"]["touser"] for c in sandbox.sent_templates()) == sorted(wins.values())
    attempts = stored(wins)
    [busy] = [win_id for win_id, (_, tries) in attempts.items() if tries == 2]
    assert attempts == {win_id: ("sent", 2 if win_id == busy else 1) for win_id in ids}
    batch_job = Job.fetch(notices.batch_job_id(ids), connection=redis)
    assert batch_job.get_status() == "finished"  # not failed, not retried
    assert batch_job.return_value() == {"sent": WINNERS - 1, "retried alone": 1}
    assert Job.fetch(notices.job_id(busy), connection=redis).get_status() == "finished"
    for other in set(ids) - {busy}:  # no job of their own: never touched again
        assert not Job.exists(notices.job_id(other), connection=redis)


def test_a_refusal_in_a_batch_is_recorded_and_never_retried(batch, sandbox, run_jobs, redis):
    wins = batch(follow=lambda n: n != 2)
    refused = list(wins)[2]
    run_jobs()
    assert stored(wins) == {
        win_id: ("failed: not following (43004)", 1) if win_id == refused else ("sent", 1)
        for win_id in wins
    }
    assert len(sandbox.calls(SEND)) == WINNERS and len(sandbox.sent_templates()) == WINNERS - 1
    assert not Job.exists(notices.job_id(refused), connection=redis)
    queue = notices_queue(redis)
    assert queue.count == 0 and queue.scheduled_job_registry.count == 0


def test_the_production_worker_sends_notices_in_process_and_forks_for_other_queues(
    batch, sandbox, app, redis
):
    """``AppWorker`` (not the suite's in-process worker): the notices queue's jobs in the
    worker's own process, the sweep's queue's in a work horse, which opens its own SQL
    connections rather than using the worker's."""
    wins = batch()
    in_process = queues.enqueue("os.getpid", queue_name=queues.NOTICES)
    forked = queues.enqueue("os.getpid")
    run_worker(app, burst=True)
    assert in_process.latest_result().return_value == os.getpid()
    assert forked.latest_result().return_value not in (None, os.getpid())
    assert stored(wins) == {win_id: ("sent", 1) for win_id in wins}
    assert len(sandbox.sent_templates()) == WINNERS
