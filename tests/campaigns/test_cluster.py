"""Scale-out: the draw engine on a real Redis Cluster (3 masters, 3 replicas), several gunicorn
servers sharing one database and Redis, and a master killed mid-run."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from campaigns.draw import state
from campaigns.draw.keys import all_shards
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.campaigns.conftest import live_servers, session_cookie
from tests.ledger import settle
from tests.load import fire, post

pytestmark = [pytest.mark.one_database, pytest.mark.slow]


@pytest.fixture
def clock(live_clock):
    return live_clock


def test_a_hot_campaign_spreads_its_shards_over_the_three_masters(cluster):
    for campaign_id in (1, 2, 3):
        shards = all_shards(campaign_id, 3)
        assert len({cluster.master_port_for(keys.meta) for keys in shards}) == 3


@pytest.mark.parametrize("shards", [1, 3])
def test_2000_plays_on_two_servers_and_a_redis_cluster(cluster_app, factory, tmp_path, shards):
    app = cluster_app
    campaign = factory.campaign(
        shards=shards,
        plays_per_user_per_day=8,
        prizes=[{"name": "Coupon", "stock": 50, "probability": 0.5}],
    )
    players = factory.players(200)
    servers = live_servers(app, tmp_path, 2)
    try:
        jobs = [
            (f"/h5/{campaign.id}/play", session_cookie(app, p), None)
            for p in players
            for _ in range(10)
        ]
        random.Random(3).shuffle(jobs)
        halves = [
            threading.Thread(target=lambda s=s, j=jobs[i::2]: results.extend(fire(s.url, j)))
            for i, s in enumerate(servers)
        ]
        results: list = []
        for thread in halves:
            thread.start()
        for thread in halves:
            thread.join()
    finally:
        for server in servers:
            server.stop()
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1600, 429: 400}, statuses
    settle(app)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Win)) == 50
    awarded = state.awarded_in_redis(app.extensions["redis"]["counters"], campaign.id, shards)
    assert awarded == {campaign.prizes[0].id: 50}
    assert sorted(db.session.scalars(select(Win.slot))) == list(range(1, 51))
    per_player = db.session.execute(select(Play.player_id, func.count()).group_by(Play.player_id))
    assert {count for _, count in per_player} == {8}
    for shard in range(shards):  # shard k of N numbers its plays k+1, k+1+N, ... without gaps
        seqs = db.session.scalars(
            select(Play.seq).where(Play.of_shard(shard, shards)).order_by(Play.seq)
        ).all()
        assert seqs == list(range(shard + 1, shard + 1 + shards * len(seqs), shards))
    assert db.session.scalar(select(func.count()).select_from(Play)) == 1600


@pytest.mark.parametrize("shards", [1, 3])
def test_a_master_killed_mid_run_fails_over_without_oversell(
    cluster_app, cluster, factory, tmp_path, shards
):
    app = cluster_app
    campaign = factory.campaign(
        shards=shards,
        plays_per_user_per_day=6,
        wins_per_user_total=1,
        prizes=[{"name": "Coupon", "stock": 40, "probability": 0.4}],
    )
    # Enough players that the daily limits (6 each) outlast the failover and the rejoin.
    players = factory.players(240)
    # Each play answered only once a replica holds it: the failover may refuse some (503), but
    # loses none that was acknowledged.
    [server] = live_servers(app, tmp_path, 1, COUNTERS_WAIT_REPLICAS="1")
    path = f"/h5/{campaign.id}/play"
    cookies = [session_cookie(app, p) for p in players]
    results: list[tuple[str, int, dict]] = []
    phase = {"now": "before"}
    stop = threading.Event()

    def keep_playing(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(400):  # bounded
            if stop.is_set():
                return
            status, body = post(server.url, path, rng.choice(cookies))
            results.append((phase["now"], status, body))

    workers = [threading.Thread(target=keep_playing, args=(n,)) for n in range(8)]
    try:
        for worker in workers:
            worker.start()
        while len(results) < 150:
            threading.Event().wait(0.05)
        # The master of the (last) shard: with 3 shards the other two keep playing meanwhile.
        master = cluster.master_port_for(all_shards(campaign.id, shards)[-1].meta)
        phase["now"] = "failover"
        cluster.kill(master)
        cluster.wait_failover(master)
        # The promoted replica has no replica of its own until the old master rejoins as one:
        # until then WAIT cannot be satisfied and its plays answer 503 (none is acknowledged
        # unreplicated); they go on once it is back.
        cluster.nodes[master].start()
        cluster.wait_ok()
        phase["now"] = "after"
        while sum(1 for p, s, _ in results if p == "after" and s == 200) < 100:
            if not any(w.is_alive() for w in workers):
                break
            threading.Event().wait(0.05)
        stop.set()
        for worker in workers:
            worker.join()
    finally:
        server.stop()
        if cluster.nodes[master].process is None:  # back as a replica, for the next test
            cluster.nodes[master].start()
        cluster.wait_ok()
    statuses = Counter((p, s) for p, s, _ in results)
    assert all(s in (200, 429, 503) for _, s in statuses.elements()), statuses
    assert statuses[("after", 200)] >= 100, statuses  # plays continue after the failover
    settle(app)
    db.session.expire_all()
    wins = db.session.scalar(select(func.count()).select_from(Win))
    assert 0 < wins <= 40
    assert db.session.scalar(select(func.count(func.distinct(Win.slot)))) == wins
    per_day = db.session.execute(
        select(func.count()).where(Play.outcome != "void").group_by(Play.player_id, Play.day)
    ).scalars()
    assert max(per_day) <= 6
    per_player_wins = db.session.execute(
        select(func.count()).select_from(Win).group_by(Win.player_id)
    ).scalars()
    assert max(per_player_wins) <= 1
    # Every acknowledged play, wins included, is in SQL (play_id: its sequence number).
    acknowledged = {body["play_id"] for _, status, body in results if status == 200}
    in_sql = set(db.session.scalars(select(Play.seq).where(Play.campaign_id == campaign.id)).all())
    assert acknowledged <= in_sql, sorted(acknowledged - in_sql)[:10]
    won = {b["play_id"] for _, s, b in results if s == 200 and b["outcome"] == "win"}
    assert won <= set(
        db.session.scalars(
            select(Play.seq).where(Play.campaign_id == campaign.id, Play.outcome == "win")
        ).all()
    )
