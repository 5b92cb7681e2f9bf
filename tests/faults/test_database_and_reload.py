"""Against a real gunicorn server and ledger writer: the database unwritable during a burst of
plays (no play refused: they wait in the play streams, and SQL catches up once it is back,
every answered play and win exactly once), and workers gracefully reloaded with SIGHUP under
load (no 500, no play lost, no play recorded that no request got)."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.campaigns.conftest import live_servers
from tests.campaigns.test_concurrency import cookie_for
from tests.campaigns.test_ledger_writer import database_write_locked
from tests.ledger import caught_up
from tests.load import fire, post


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def live(app, tmp_path):
    [server] = live_servers(app, tmp_path, 1, workers=3, with_writer=True, DB_LOCK_TIMEOUT_MS="300")
    yield server
    server.stop()


def _counts():
    db.session.expire_all()
    plays = db.session.scalar(select(func.count()).select_from(Play))
    wins = db.session.scalar(select(func.count()).select_from(Win))
    db.session.rollback()
    return plays, wins


@pytest.mark.slow
def test_database_locked_during_a_burst_then_back(app, factory, live):
    campaign = factory.campaign(
        wins_per_user_total=None,
        prizes=[{"name": "Phone", "stock": 3, "probability": 0.2}],
    )
    players = factory.players(24)
    path = f"/h5/{campaign.id}/play"
    jobs = [(path, cookie_for(app, p), f"locked-{p.id}") for p in players]
    with database_write_locked(app.config["SQLALCHEMY_DATABASE_URI"]):
        locked = fire(live.url, jobs[:12], threads=12)
        time.sleep(1)  # the writer tries, and fails, meanwhile
        assert _counts() == (0, 0)  # nothing half-written: no play, no win
    assert Counter(s for s, _ in locked) == {200: 12}  # no play refused
    back = fire(live.url, jobs[12:], threads=12)
    assert Counter(s for s, _ in back) == {200: 12}
    assert caught_up(live)["backlog"] == 0  # SQL caught up, by the writer alone
    answers = {b["play_id"]: b for _, b in locked + back}
    db.session.expire_all()
    rows = db.session.execute(select(Play.seq, Play.outcome).order_by(Play.seq)).all()
    assert {seq: outcome for seq, outcome in rows} == {k: b["outcome"] for k, b in answers.items()}
    codes = {b["code"] for b in answers.values() if b["outcome"] == "win"}
    assert set(db.session.scalars(select(Win.code))) == codes
    assert sorted(db.session.scalars(select(Win.slot))) == list(range(1, len(codes) + 1))
    assert not live.failures_in_logs()


@pytest.mark.slow
def test_graceful_reload_under_load_loses_nothing(app, factory, live):
    campaign = factory.campaign(
        plays_per_user_per_day=20,
        prizes=[{"name": "Coupon", "stock": 40, "probability": 0.2}],
    )
    cookies = [cookie_for(app, p) for p in factory.players(30)]
    path = f"/h5/{campaign.id}/play"
    jobs = [(path, cookies[i % 30], f"reload-{i}") for i in range(600)]
    results: list = [None] * len(jobs)
    progress = threading.Semaphore(0)

    def one(index):
        try:
            results[index] = post(live.url, *jobs[index])
        except OSError as exc:  # a dropped connection is a lost request: the test fails on it
            results[index] = (0, {"error": repr(exc)})
        progress.release()

    with ThreadPoolExecutor(12) as pool:
        for index in range(len(jobs)):
            pool.submit(one, index)
        for _ in range(3):  # a reload after every 100 answers, with requests in flight
            for _ in range(100):
                progress.acquire(timeout=60)
            live.process.send_signal(signal.SIGHUP)

    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 429}, statuses  # no 500, no 503, no dropped connection
    answered = {body["play_id"] for status, body in results if status == 200}
    caught_up(live)
    db.session.expire_all()
    recorded = set(db.session.scalars(select(Play.seq).where(Play.campaign_id == campaign.id)))
    assert answered == recorded  # no play lost, none recorded that no request got
    assert len(answered) == statuses[200]  # each key its own play
