"""Redis SIGKILLed in the middle of a stream of plays against a real gunicorn server and ledger
writer, then started again from its append-only file: plays during the outage get 503
unavailable (never a 500, never a consumed play); after the restart the plays go on; at the end
every acknowledged play (the test keeps every response) is in SQL exactly once, no prize is over
stock, every player is within limits, and the published log verifies with no gap at all.

(A Redis restarted EMPTY, its files lost, is tests/campaigns/test_draw_engine.py's: the state is
rebuilt from SQL, and what its streams held that SQL did not yet is lost with them.)"""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from campaigns.core.clock import FrozenClock
from campaigns.draw import verify
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from devtools.embedded_redis import EmbeddedRedis
from tests.campaigns.test_concurrency import cookie_for
from tests.conftest import free_port
from tests.ledger import caught_up
from tests.live_server import LiveServer
from tests.load import post

PLAYERS, PER_DAY, STOCK = 40, 6, 30


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def restartable_redis(tmp_path):
    """Every write in the append-only file before its reply (appendfsync always): what a reply
    acknowledged survives even the machine's crash, not only the process's."""
    server = EmbeddedRedis(
        None, str(tmp_path / "redis-own"), port=free_port(), appendfsync="always"
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server_on_own_redis(app, restartable_redis, tmp_path):
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": restartable_redis.url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "server-instance"),
    }
    log = tmp_path / "gunicorn.log"
    live = LiveServer(free_port(), env, workers=2, log_path=log, with_writer=True).start()
    yield live
    live.stop()


@pytest.mark.slow
def test_redis_killed_mid_stream_and_restarted_from_its_aof(
    app, factory, server_on_own_redis, restartable_redis
):
    campaign = factory.campaign(
        plays_per_user_per_day=PER_DAY,
        wins_per_user_total=1,
        prizes=[{"name": "Coupon", "stock": STOCK, "probability": 0.3}],
    )
    cookies = [cookie_for(app, p) for p in factory.players(PLAYERS)]
    path = f"/h5/{campaign.id}/play"
    url = server_on_own_redis.url
    rng = random.Random(11)

    def stream(count):
        return [(path, rng.choice(cookies), f"k{rng.getrandbits(48)}") for _ in range(count)]

    results = []
    with ThreadPoolExecutor(16) as pool:
        # 1. a stream of plays; Redis is SIGKILLed once a third of them have been answered
        first = [pool.submit(post, url, *job) for job in stream(150)]
        answered = 0
        for future in first:
            future.result()
            answered += 1
            if answered == 50:
                restartable_redis.kill()
                break
        wait(first)
        results += [f.result() for f in first]
        # 2. plays while Redis is down: every one 503 (none recorded: the end shows SQL holds no
        # play beyond those answered and those the kill cut off; the writer meanwhile writes
        # what it had read, so SQL's count may still grow here)
        during = [f.result() for f in [pool.submit(post, url, *job) for job in stream(40)]]
        assert {(s, b.get("error")) for s, b in during} == {(503, "unavailable")}
        # 3. started again from its append-only file
        restartable_redis.start()
        after = [f.result() for f in [pool.submit(post, url, *job) for job in stream(300)]]
    results += during + after

    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 429, 503}, statuses  # never a 500
    assert {b["error"] for s, b in results if s == 503} <= {"unavailable"}
    assert {b["error"] for s, b in results if s == 429} <= {"daily_limit"}
    assert sum(1 for s, _ in after if s == 200) > 0  # it carried on after the restart

    assert caught_up(server_on_own_redis)["backlog"] == 0  # the server's writer wrote it all
    db.session.expire_all()
    wins = db.session.execute(
        select(Play.seq, Win.slot, Win.player_id, Win.code).join(Win.play)
    ).all()
    assert len(wins) <= STOCK
    assert sorted(w.slot for w in wins) == sorted({w.slot for w in wins})  # no slot twice
    assert all(1 <= w.slot <= STOCK for w in wins)
    # every win a player was shown is in SQL exactly once; a win SQL holds that nobody was shown
    # is a play Redis recorded whose reply the kill cut off (the player's retry would get it)
    shown = {(b["play_id"], b["code"]) for s, b in results if s == 200 and b["outcome"] == "win"}
    stored = {(w.seq, w.code) for w in wins}
    assert shown <= stored
    assert len(stored - shown) <= sum(1 for s, _ in results[:150] if s == 503)
    assert max(Counter(w.player_id for w in wins).values()) == 1  # wins_per_user_total
    per_player = db.session.execute(
        select(Play.player_id, func.count())
        .where(Play.outcome.in_(("win", "lose")))
        .group_by(Play.player_id)
    ).all()
    assert all(count <= PER_DAY for _, count in per_player)
    # every 200 is a play in SQL, and each response names a different play (or a replay)
    played = {b["play_id"] for s, b in results if s == 200}
    recorded = set(db.session.scalars(select(Play.seq).where(Play.outcome.in_(("win", "lose")))))
    assert played <= recorded
    assert len(recorded - played) <= sum(1 for s, _ in results[:150] if s == 503)

    # the published log: every number accounted for, none lost
    _, audit = factory.end_and_audit(campaign)
    result = verify.verify(audit)
    assert result.ok, str(result)
    db.session.expire_all()
    seqs = db.session.scalars(select(Play.seq).order_by(Play.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))
    assert set(db.session.scalars(select(Play.outcome))) <= {"win", "lose"}
    assert not server_on_own_redis.failures_in_logs()
