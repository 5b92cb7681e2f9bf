"""Winner notices through the sandbox on a real server: exactly one template message per win,
through WeChat's busy answers, token refusals, timeouts, a refusal for good, and a worker
SIGKILLed in the middle of a send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from rq import Queue
from sqlalchemy import select

from campaigns import jobs, notices
from campaigns.extensions import db
from campaigns.models import Win
from campaigns.wechat import keys
from tests.live_server import ROOT
from tests.sandbox_client import wait_for

SEND = "cgi-bin/message/template/send"


@pytest.fixture
def win(factory, client, sandbox):
    """Play once and win (the notice job is enqueued, not yet run); returns (win, openid)."""

    def make(follow: bool = True):
        campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}])
        player = factory.player()
        if follow:
            sandbox.phone(player.openid, "follow")
        response = factory.signed_in(player, client).post(f"/h5/{campaign.id}/play", json={})
        assert response.status_code == 200 and response.get_json()["outcome"] == "win"
        return db.session.scalar(select(Win).where(Win.player_id == player.id)), player.openid

    return make


def fresh(win_id: int) -> Win:
    db.session.expire_all()
    return db.session.get(Win, win_id)


def test_a_win_sends_exactly_one_template_message(win, sandbox, run_jobs, redis, app):
    won, openid = win()
    run_jobs()
    sent = sandbox.sent_templates()
    assert len(sent) == 1
    body = sent[0]["body"]
    assert body["touser"] == openid and body["template_id"] == app.config["WECHAT_TEMPLATE_ID"]
    assert body["data"]["keyword1"]["value"] == "Coupon"
    assert body["data"]["keyword2"]["value"] == won.code
    stored = fresh(won.id)
    assert (stored.notice_status, stored.notice_attempts) == ("sent", 1)
    assert stored.notice_sent_at is not None and stored.notice_msgid
    # enqueued again (the sweep, a retry) and worked again: still one message
    notices.enqueue_notice(redis, won.id, [0])
    run_jobs()
    assert len(sandbox.sent_templates()) == 1


def test_a_double_enqueue_is_one_job(win, redis):
    won, _ = win()
    notices.enqueue_notice(redis, won.id, [0])
    notices.enqueue_notice(redis, won.id, [0])
    assert Queue(jobs.NOTICES, connection=redis).job_ids == [notices.job_id(won.id)]


def test_busy_twice_then_accepted_is_still_one_message(win, sandbox, run_jobs):
    sandbox.fail(SEND, "busy", times=2)
    won, _ = win()
    run_jobs()
    attempts = sandbox.calls(SEND)
    assert [c["errcode"] for c in reversed(attempts)] == [-1, -1, 0]
    assert len(sandbox.sent_templates()) == 1
    stored = fresh(won.id)
    assert (stored.notice_status, stored.notice_attempts) == ("sent", 3)


def test_a_refused_token_is_refreshed_by_wechatpy_and_the_send_retried(win, sandbox, run_jobs):
    won, _ = win()
    run_jobs_before = len(sandbox.calls("cgi-bin/token"))
    sandbox.fail(SEND, "40001", times=1)
    run_jobs()
    assert len(sandbox.calls("cgi-bin/token")) == run_jobs_before + 2  # first token, then anew
    assert len(sandbox.sent_templates()) == 1
    assert fresh(won.id).notice_status == "sent"


def test_unfollowed_fails_for_good_with_no_retry_left(win, sandbox, run_jobs, redis):
    won, _ = win(follow=False)
    run_jobs()
    stored = fresh(won.id)
    assert (stored.notice_status, stored.notice_attempts) == ("failed: unfollowed", 1)
    queue = Queue(jobs.NOTICES, connection=redis)
    assert queue.count == 0 and queue.scheduled_job_registry.count == 0
    assert queue.fetch_job(notices.job_id(won.id)).get_status() == "finished"
    assert sandbox.sent_templates() == [] and len(sandbox.calls(SEND)) == 1


def test_a_timed_out_send_is_resent_only_after_its_lease(win, sandbox, run_jobs, redis, clock, app):
    # A lease well past the client's 2 s timeout: on a busy machine the attempt may take a few
    # seconds more to come back, and the lease must still be held then (it ran out under 3 s).
    app.config["NOTICE_LEASE_SECONDS"] = 10
    sandbox.fail(SEND, "timeout", times=1, seconds=3)  # longer than the client's 2 s
    won, _ = win()
    run_jobs()
    assert fresh(won.id).notice_status == "sending"  # outcome unknown: the lease is kept
    assert redis.exists(keys.notice_lock(won.id))
    wait_for(lambda: not redis.exists(keys.notice_lock(won.id)))  # the lease runs out
    clock.advance(minutes=2)
    jobs.queue().enqueue(jobs.sweep_in_flight)
    run_jobs()
    assert len(sandbox.sent_templates()) == 1
    assert fresh(won.id).notice_status == "sent"


def test_a_worker_killed_mid_send_leaves_no_duplicate_and_no_lost_notice(
    win, sandbox, sandbox_server, run_jobs, app, clock, redis
):
    won, _ = win()
    sandbox.fail(SEND, "delay", times=1, seconds=3)  # WeChat takes its time to answer
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "WECHAT_API_BASE_URL": sandbox_server.url + "/sandbox/",
        "WECHAT_TIMEOUT_SECONDS": "10",
        "NOTICE_LEASE_SECONDS": "5",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: fresh(won.id).notice_status == "sending")  # claimed, send in flight
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse
        worker.wait()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    # WeChat got the message; its delivery report reaches the callback and settles the win.
    wait_for(lambda: len(sandbox.sent_templates()) == 1)
    wait_for(lambda: fresh(won.id).notice_status == "sent")
    # Another worker, after the lease and a sweep: nothing more is sent.
    wait_for(lambda: not redis.exists(keys.notice_lock(won.id)))
    clock.advance(minutes=2)
    jobs.queue().enqueue(jobs.sweep_in_flight)
    run_jobs()
    assert len(sandbox.sent_templates()) == 1
    assert fresh(won.id).notice_status == "sent"


def test_a_lost_enqueue_is_picked_up_by_the_sweep(win, sandbox, run_jobs, redis, clock):
    won, _ = win()
    Queue(jobs.NOTICES, connection=redis).empty()  # as if Redis lost the job
    clock.advance(minutes=2)
    jobs.queue().enqueue(jobs.sweep_in_flight)
    run_jobs()
    assert len(sandbox.sent_templates()) == 1 and fresh(won.id).notice_status == "sent"


def test_winners_api_shows_notice_status_with_masked_openids(win, factory, client, run_jobs):
    won, openid = win()
    run_jobs()
    db.session.expire_all()  # the test client shares this context's session
    response = client.get(
        f"/api/campaigns/{won.campaign_id}/winners",
        headers={"Authorization": f"Bearer {factory.token('analyst')}"},
    )
    assert response.status_code == 200
    [row] = response.get_json()
    assert row["notice_status"] == "sent" and row["notice_attempts"] == 1
    assert openid not in row["openid"] and row["openid"].endswith(openid[-4:])
    assert client.get(f"/api/campaigns/{won.campaign_id}/winners").status_code == 401
