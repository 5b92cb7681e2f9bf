"""Rate limits at their real size (RATELIMIT_SCALE=1): counted in Redis so every process shares
them, keyed by player on the play path and by token on the admin API, answered with our JSON
error, 429 and Retry-After. The limits here are per hour so no test depends on the clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis as redis_lib
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.draw.keys import CampaignKeys
from campaigns.models import Play
from campaigns.web.extensions import db
from campaigns.web.ratelimits import scaled, storage_uri
from tests.campaigns.test_concurrency import cookie_for
from tests.conftest import free_port
from tests.live_server import LiveServer
from tests.load import fire


@pytest.fixture
def strict_app(app_on, redis_url):
    def build(**limits):
        return app_on(redis_url, RATELIMIT_SCALE=1, **limits)

    return build


def _assert_rate_limited(response):
    assert response.status_code == 429
    assert response.json["error"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_plays_are_limited_per_player_not_per_ip(strict_app, factory):
    app = strict_app(RATELIMIT_PLAY="3/hour")
    with app.app_context():
        campaign = factory.campaign()
        alice, bob = factory.players(2)
        a = factory.signed_in(alice, app.test_client())
        b = factory.signed_in(bob, app.test_client())  # same IP as alice
        assert [a.post(f"/h5/{campaign.id}/play").status_code for _ in range(3)] == [200] * 3
        _assert_rate_limited(a.post(f"/h5/{campaign.id}/play"))
        assert b.post(f"/h5/{campaign.id}/play").status_code == 200
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Play)) == 4  # refused: no play


@pytest.fixture
def clock():
    """The live server runs on the real clock, so campaigns must be open now."""
    return FrozenClock(datetime.now(UTC))


def test_gunicorn_workers_share_the_count_in_redis(app, factory, redis_url, tmp_path):
    """Three worker processes, one player firing 15 plays at once: exactly 5 get through, so
    the count is shared (in-memory counts would let each process grant its own 5)."""
    campaign = factory.campaign()
    player = factory.player()
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "server-instance"),
        "RATELIMIT_SCALE": "1",
        "RATELIMIT_PLAY": "5/hour",
    }
    server = LiveServer(free_port(), env, workers=3, log_path=tmp_path / "gunicorn.log").start()
    try:
        jobs = [(f"/h5/{campaign.id}/play", cookie_for(app, player), None)] * 15
        results = fire(server.url, jobs, threads=15)
    finally:
        server.stop()
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 5 + [429] * 10
    assert {body["error"] for status, body in results if status == 429} == {"rate_limited"}
    # counted in the app's counters Redis, by the draw script
    assert redis_lib.Redis.from_url(redis_url).exists(CampaignKeys(campaign.id).rate(player.id))


def test_a_play_limit_of_two_windows_refuses_to_start(strict_app):
    """The draw script counts one window: a second one would go unenforced for players."""
    with pytest.raises(RuntimeError, match="RATELIMIT_PLAY takes one window"):
        strict_app(RATELIMIT_PLAY="5/second;100/minute")
    assert strict_app(RATELIMIT_PLAY="100/minute").config["RATELIMIT_PLAY"] == "100/minute"


def test_players_without_a_session_are_limited_by_ip(strict_app, factory):
    app = strict_app(RATELIMIT_PLAY="2/hour")
    with app.app_context():
        campaign = factory.campaign()
        client = app.test_client()
        assert [client.post(f"/h5/{campaign.id}/play").status_code for _ in range(2)] == [401] * 2
        _assert_rate_limited(client.post(f"/h5/{campaign.id}/play"))


def test_admin_api_is_limited_per_token(strict_app, factory):
    app = strict_app(RATELIMIT_ADMIN="3/hour")
    with app.app_context():
        mine, other = factory.token("marketer"), factory.token("analyst")
        client = app.test_client()
        for _ in range(3):
            ok = client.get("/api/campaigns", headers={"Authorization": f"Bearer {mine}"})
            assert ok.status_code == 200
        _assert_rate_limited(
            client.get("/api/campaigns", headers={"Authorization": f"Bearer {mine}"})
        )
        theirs = client.get("/api/campaigns", headers={"Authorization": f"Bearer {other}"})
        assert theirs.status_code == 200


def test_made_up_tokens_share_the_ip_allowance(strict_app, factory):
    """Guessing tokens buys no fresh allowance: unknown tokens count against the client IP."""
    app = strict_app(RATELIMIT_ADMIN="3/hour")
    with app.app_context():
        client = app.test_client()
        statuses = [
            client.get("/api/campaigns", headers={"Authorization": f"Bearer guess-{i}"})
            for i in range(4)
        ]
        assert [r.status_code for r in statuses[:3]] == [401] * 3
        _assert_rate_limited(statuses[3])


def test_the_scale_switch_raises_every_limit():
    assert scaled("10/second;300/minute", 1) == "10/second;300/minute"
    assert scaled("10/second;300/minute", 100) == "1000 per 1 second;30000 per 1 minute"
    assert scaled("3/hour", 0.01) == "1 per 1 hour"


def test_counts_live_in_the_apps_redis():
    assert storage_uri("unix:///tmp/r.sock") == "redis+unix:///tmp/r.sock"
    assert storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
