"""Invariants 1-3 under real concurrency: a gunicorn server with several worker processes, hit
from many threads in this process and from other processes at once."""

from __future__ import annotations

import json
import random
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context

import pytest
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.draw import verify
from campaigns.draw.keys import CampaignKeys
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.conftest import free_port
from tests.ledger import settle
from tests.live_server import LiveServer
from tests.load import fire

pytestmark = pytest.mark.slow  # servers and thousands of plays


@pytest.fixture
def clock():
    """The server runs on the real clock, so the campaign must be open now."""
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def server(app, tmp_path):
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "server-instance"),
    }
    live = LiveServer(free_port(), env, workers=3, log_path=tmp_path / "gunicorn.log").start()
    yield live
    live.stop()


def cookie_for(app, player) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"player_id": player.id, "openid": player.openid, "_permanent": True})


def _fire_in_other_process(base_url, jobs):
    from tests.load import fire as fire_here

    return fire_here(base_url, jobs, threads=16)


def test_2000_plays_from_200_players_never_oversell(app, factory, server, redis):
    campaign = factory.campaign(
        plays_per_user_per_day=8,
        wins_per_user_total=1,
        prizes=[{"name": "Coupon", "stock": 50, "probability": 0.5}],
    )
    players = factory.players(200)
    jobs = [
        (f"/h5/{campaign.id}/play", cookie_for(app, p), None) for p in players for _ in range(10)
    ]
    random.Random(7).shuffle(jobs)
    halves = [jobs[i::3] for i in range(3)]
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as others:
        remote = [others.submit(_fire_in_other_process, server.url, half) for half in halves[1:]]
        results = fire(server.url, halves[0], threads=32)
        for future in remote:
            results += future.result()

    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 429}, statuses
    assert statuses[200] == 200 * 8  # every player had exactly 8 plays, the rest refused
    refusals = Counter(body["error"] for status, body in results if status == 429)
    assert refusals == {"daily_limit": 200 * 2}

    wins_in_responses = sum(
        1 for status, body in results if status == 200 and body["outcome"] == "win"
    )
    assert wins_in_responses == 50
    settle(app)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Win)) == 50
    prize = campaign.prizes[0]
    assert int(redis.hget(CampaignKeys(campaign.id).awarded, str(prize.id))) == 50
    slots = sorted(db.session.scalars(select(Win.slot)).all())
    assert slots == list(range(1, 51))
    per_player = db.session.execute(
        select(Play.player_id, func.count()).group_by(Play.player_id)
    ).all()
    assert len(per_player) == 200 and all(count == 8 for _, count in per_player)
    wins_per_player = db.session.execute(
        select(Win.player_id, func.count()).group_by(Win.player_id)
    ).all()
    assert all(count == 1 for _, count in wins_per_player)
    seqs = db.session.scalars(select(Play.seq).order_by(Play.seq)).all()
    assert seqs == list(range(1, 1601))  # no gaps, no duplicates
    codes = db.session.scalars(select(Win.code)).all()
    assert len(set(codes)) == 50

    # and an outsider can check every one of those draws once the campaign has ended
    _, audit = factory.end_and_audit(campaign)
    result = verify.verify(audit)
    assert result.ok and result.entries == 1600 and result.wins == 50, str(result)


def test_one_player_20_concurrent_requests_stay_within_the_limit(app, factory, server):
    campaign = factory.campaign(plays_per_user_per_day=3, plays_per_user_total=5)
    player = factory.player()
    jobs = [(f"/h5/{campaign.id}/play", cookie_for(app, player), None)] * 20
    results = fire(server.url, jobs, threads=20)
    assert sum(1 for status, _ in results if status == 200) == 3
    assert {body["error"] for status, body in results if status != 200} == {"daily_limit"}
    settle(app)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Play)) == 3


def test_same_idempotency_key_concurrently_is_one_play(app, factory, server):
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 100, "probability": 0.5}])
    player = factory.player()
    jobs = [(f"/h5/{campaign.id}/play", cookie_for(app, player), "same-key")] * 12
    results = fire(server.url, jobs, threads=12)
    assert {status for status, _ in results} == {200}
    bodies = {json.dumps(body, sort_keys=True) for _, body in results}
    assert len(bodies) == 1
    settle(app)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Play)) == 1


def test_window_holds_on_the_live_server(app, factory, server, clock):
    later = factory.campaign(
        starts_at=clock.now() + timedelta(hours=1), ends_at=clock.now() + timedelta(hours=2)
    )
    player = factory.player()
    [(status, body)] = fire(server.url, [(f"/h5/{later.id}/play", cookie_for(app, player), None)])
    assert status == 403 and body["error"] == "not_started"
