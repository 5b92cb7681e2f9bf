"""Winner notices through the sandbox on a real server: exactly one template message per win,
its values in the template's keyword fields, through WeChat's busy answers, token refusals,
timeouts, refusals for good, and a worker SIGKILLed in the middle of a send."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import event, select

from campaigns.core import queues
from campaigns.jobs import schedule
from campaigns.models import Win
from campaigns.web.extensions import db
from campaigns.wechat import keys, notices
from devtools.sandbox import keys as sandbox_keys
from devtools.sandbox.config import REDIS_DB as SANDBOX_DB
from devtools.sandbox.config import with_db
from tests.conftest import free_port
from tests.live_server import ROOT, LiveServer
from tests.sandbox_client import wait_for

SEND = "cgi-bin/message/template/send"
COUPON = [{"name": "Coupon", "stock": 5, "probability": 1.0}]


@pytest.fixture
def win(factory, client, sandbox):
    """Play once and win (the notice job is enqueued, not yet run); returns (win, openid)."""

    def make(follow: bool = True, openid: str | None = None, **campaign):
        campaign = factory.campaign(**{"prizes": COUPON, **campaign})
        player = factory.player(openid)
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
    won, openid = win(name="中秋大转盘")
    run_jobs()
    sent = sandbox.sent_templates()
    assert len(sent) == 1
    body = sent[0]["body"]
    assert body["touser"] == openid and body["template_id"] == app.config["WECHAT_TEMPLATE_ID"]
    # The default mapping, in Chinese: what WeChat shows since first/remark were dropped.
    assert body["data"] == {
        "thing1": {"value": "中秋大转盘"},
        "thing2": {"value": "Coupon"},
        "character_string3": {"value": won.code},
        "time4": {"value": "2026年9月20日 11:00"},  # the frozen clock, in Asia/Shanghai
    }
    assert body["url"] == f"http://testserver/h5/{won.campaign_id}/prizes"
    stored = fresh(won.id)
    assert (stored.notice_status, stored.notice_attempts) == ("sent", 1)
    assert stored.notice_sent_at is not None and stored.notice_msgid
    # enqueued again (the sweep, a retry) and worked again: still one message
    notices.enqueue_notice(redis, won.id, [0])
    run_jobs()
    assert len(sandbox.sent_templates()) == 1


def test_a_notice_reads_its_win_player_prize_and_campaign_once(win, sandbox):
    """A burst sends thousands of notices: each reads the win with its player and prize in one
    SELECT and its campaign in one more (lazy loads would add two SELECTs per win)."""
    won, _ = win()
    win_id = won.id
    db.session.remove()  # as the worker finds it: nothing loaded yet
    selects = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert notices.send_win_notice(win_id) == "sent"
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(sandbox.sent_templates()) == 1
    assert len(selects) == 2, selects


def test_a_double_enqueue_is_one_job(win, redis):
    won, _ = win()
    notices.enqueue_notice(redis, won.id, [0])
    notices.enqueue_notice(redis, won.id, [0])
    waiting = Queue(queues.NOTICES, connection=redis).job_ids
    assert waiting == [notices.batch_job_id([won.id]), notices.job_id(won.id)]  # its batch's


@pytest.mark.parametrize(
    ("language", "moment", "hint"),
    [
        ("en", "2026-09-20 11:00", "Show code to redeem"),
        ("zh", "2026年9月20日 11:00", "到店出示兑奖码领取，限兑一次"),
    ],
)
def test_the_mapping_puts_each_value_in_its_keyword_within_wechats_rules(
    language, moment, hint, win, sandbox, run_jobs, app
):
    """Another account's template: names cut to a thing's 20 characters, no line breaks, the
    time as a date keyword takes it, the redemption hint in the campaign's language."""
    app.config["WECHAT_TEMPLATE_KEYWORDS"] = (
        "thing1=prize, thing2=campaign, keyword3=code, date4=won_at, thing5=redeem_hint"
    )
    prizes = [{"name": "Coupon\n10 yuan off", "stock": 5, "probability": 1.0}]
    won, _ = win(name="The Great Mid-Autumn Lantern Wheel", language=language, prizes=prizes)
    run_jobs()
    [sent] = sandbox.sent_templates()
    assert sent["body"]["data"] == {
        "thing1": {"value": "Coupon 10 yuan off"},
        "thing2": {"value": "The Great Mid-Autum…"},
        "keyword3": {"value": won.code},
        "date4": {"value": moment},
        "thing5": {"value": hint},
    }
    assert all(len(v["value"]) <= 20 for v in sent["body"]["data"].values())


BAD_MAPPINGS = [
    ("", "no keyword carries prize and code"),
    ("thing1=prize", "no keyword carries code"),
    ("thing1=code, character_string2=prize", "character_string2 cannot carry prize"),
    ("thing1=prize, thing2=code, time3=campaign", "time3 cannot carry campaign"),
    ("phrase1=prize, thing2=code", "phrase1: a phrase keyword can hold none"),
    ("thing1=prize, thing1=code", "thing1 given more than once"),
    ("thing1=prize, thing2=code, thing3=colour", "thing3: unknown value 'colour'"),
    ("thing1=prize, widget2=code", "widget2: unknown keyword type 'widget'"),
    ("Thing1=prize, thing2=code", "'Thing1' is not a template keyword name"),
    ("thing1 prize, thing2=code", "'thing1 prize' is not <keyword>=<value>"),
]


@pytest.mark.parametrize(("setting", "complaint"), BAD_MAPPINGS)
def test_a_bad_mapping_refuses_to_start_naming_the_setting(setting, complaint, app_on, redis_url):
    with pytest.raises(ValueError) as refused:
        app_on(redis_url, WECHAT_TEMPLATE_KEYWORDS=setting)
    assert str(refused.value).startswith("WECHAT_TEMPLATE_KEYWORDS: ")
    assert complaint in str(refused.value)


def test_the_real_server_refuses_to_start_with_a_bad_mapping(_schema, redis_url, tmp_path):
    """As deployed: gunicorn exits instead of serving, and its log says which setting."""
    log = tmp_path / "gunicorn.log"
    env = {
        "DATABASE_URL": _schema,
        "REDIS_URL": redis_url,
        "INSTANCE_PATH": str(tmp_path),
        "WECHAT_TEMPLATE_KEYWORDS": "thing1=code,character_string2=prize",
    }
    server = LiveServer(free_port(), env, workers=1, log_path=log)
    with pytest.raises(RuntimeError, match="exited with"):
        server.start()
    server.stop()
    assert "WECHAT_TEMPLATE_KEYWORDS: character_string2 cannot carry prize" in log.read_text()


@pytest.mark.parametrize(("mode", "code"), [("busy", -1), ("45009", 45009)])
def test_refused_for_now_twice_then_accepted_is_still_one_message(
    win, sandbox, run_jobs, mode, code
):
    sandbox.fail(SEND, mode, times=2)
    won, _ = win()
    run_jobs()
    attempts = sandbox.calls(SEND)
    assert [c["errcode"] for c in reversed(attempts)] == [code, code, 0]
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


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("never followed", "failed: not following (43004)"),
        ("turned the template off", "failed: refused by the user (43101)"),
        ("openid of another account", "failed: invalid openid (40003)"),
    ],
)
def test_a_refusal_for_good_is_recorded_once_and_never_retried(
    case, status, win, sandbox, run_jobs, redis, factory, client, clock
):
    if case == "turned the template off":
        sandbox.fail(SEND, "43101")
    won, _ = win(
        follow=case == "turned the template off",
        openid="not an openid" if case == "openid of another account" else None,
    )
    run_jobs()
    stored = fresh(won.id)
    assert (stored.notice_status, stored.notice_attempts) == (status, 1)
    queue = Queue(queues.NOTICES, connection=redis)
    assert queue.count == 0 and queue.scheduled_job_registry.count == 0
    assert queue.fetch_job(notices.batch_job_id([won.id])).get_status() == "finished"
    assert queue.fetch_job(notices.job_id(won.id)) is None  # no retry of its own
    assert sandbox.sent_templates() == [] and len(sandbox.calls(SEND)) == 1
    # The sweep leaves it alone, and a stray enqueue sends nothing.
    clock.advance(minutes=2)
    queues.queue().enqueue(schedule.sweep_in_flight)
    notices.enqueue_notice(redis, won.id, [0])
    run_jobs()
    assert len(sandbox.calls(SEND)) == 1 and fresh(won.id).notice_attempts == 1
    # Marketers see why: the winners API and winners.csv.
    db.session.expire_all()
    analyst = {"Authorization": f"Bearer {factory.token('analyst')}"}
    [row] = client.get(f"/api/campaigns/{won.campaign_id}/winners", headers=analyst).get_json()
    assert row["notice_status"] == status
    exported = client.get(f"/api/campaigns/{won.campaign_id}/winners.csv", headers=analyst)
    [line] = csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")))
    assert line["notice_status"] == status and line["code"] == won.code


def test_a_failed_delivery_report_is_recorded_with_its_reason(win, sandbox, run_jobs, clock):
    """WeChat's TEMPLATESENDJOBFINISH may say the follower blocked the message."""
    won, openid = win()
    notices._claim(db.session, won.id)  # a send in flight, whose report comes first
    notices.record_delivery_report(db.session, openid, None, "failed:user block", clock)
    assert fresh(won.id).notice_status == "failed: user block (delivery report)"


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
    queues.queue().enqueue(schedule.sweep_in_flight)
    run_jobs()
    assert len(sandbox.sent_templates()) == 1
    assert fresh(won.id).notice_status == "sent"


def test_a_worker_killed_mid_send_leaves_no_duplicate_and_no_lost_notice(
    win, sandbox, sandbox_server, run_jobs, app, clock, redis
):
    won, _ = win()
    sandbox.fail(SEND, "delay", times=1, seconds=3)  # WeChat takes its time to answer
    sandbox_redis = Redis.from_url(with_db(app.config["REDIS_URL"], SANDBOX_DB))
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "WECHAT_API_BASE_URL": sandbox_server.url + "/",
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
        wait_for(lambda: fresh(won.id).notice_status == "sending")  # claimed
        # The send reached WeChat (the sandbox took the delay it answers with): the worker,
        # which sends notices in its own process, is killed while it waits for the answer.
        wait_for(lambda: not sandbox_redis.exists(sandbox_keys.failures(SEND)))
        os.killpg(worker.pid, signal.SIGKILL)
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
    queues.queue().enqueue(schedule.sweep_in_flight)
    run_jobs()
    assert len(sandbox.sent_templates()) == 1
    assert fresh(won.id).notice_status == "sent"


def test_a_lost_enqueue_is_picked_up_by_the_sweep(win, sandbox, run_jobs, redis, clock):
    won, _ = win()
    Queue(queues.NOTICES, connection=redis).empty()  # as if Redis lost the job
    clock.advance(minutes=2)
    queues.queue().enqueue(schedule.sweep_in_flight)
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
