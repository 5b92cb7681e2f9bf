"""Against a real gunicorn server: the database unreachable for writes during a burst of plays
(503, stock given back, nothing half-written, service resumes), and workers gracefully reloaded
with SIGHUP under load (no 500, no play lost, no play recorded that no request got)."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.campaigns.test_concurrency import cookie_for
from tests.campaigns.test_ledger_faults import database_write_locked
from tests.conftest import free_port
from tests.live_server import LiveServer
from tests.load import fire, post


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def live(app, tmp_path):
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "server-instance"),
        "DB_LOCK_TIMEOUT_MS": "300",
    }
    server = LiveServer(free_port(), env, workers=3, log_path=tmp_path / "gunicorn.log").start()
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
        prizes=[{"name": "Phone", "stock": 3, "probability": 1.0}],
    )
    players = factory.players(12)
    path = f"/h5/{campaign.id}/play"
    jobs = [(path, cookie_for(app, p), f"locked-{p.id}") for p in players]
    with database_write_locked(app.config["SQLALCHEMY_DATABASE_URI"]):
        locked = fire(live.url, jobs, threads=12)
    assert {(s, b["error"]) for s, b in locked} == {(503, "unavailable")}
    assert _counts() == (0, 0)  # nothing half-written: no play, no win

    # the database is back: the three phones were given back and go to the next three plays,
    # and a retry with the key of a refused play is a fresh play, not the withdrawn one
    back = fire(live.url, jobs, threads=12)
    assert Counter(s for s, _ in back) == {200: 12}
    outcomes = Counter(b["outcome"] for _, b in back)
    assert outcomes == {"win": 3, "lose": 9}
    plays, wins = _counts()
    assert wins == 3
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Win.slot))) == [1, 2, 3]


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
    db.session.expire_all()
    recorded = set(db.session.scalars(select(Play.id).where(Play.campaign_id == campaign.id)))
    assert answered == recorded  # no play lost, none recorded that no request got
    assert len(answered) == statuses[200]  # each key its own play
