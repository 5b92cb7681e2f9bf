"""Scale-out: the draw engine on a real Redis Cluster (3 masters, 3 replicas), several gunicorn
servers sharing one database and Redis, and a master killed mid-run."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from campaigns.clock import FrozenClock
from campaigns.extensions import _counters_client, db
from campaigns.models import Play, Win
from tests.cluster import LocalCluster, ports_free
from tests.conftest import free_port
from tests.live_server import LiveServer
from tests.load import fire, post

pytestmark = pytest.mark.one_database


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = LocalCluster(tmp_path_factory.mktemp("cluster"), ports_free(6)).start()
    yield running
    running.stop()


@pytest.fixture
def cluster_app(cluster, app_on, redis_url):
    """The app with its counters on the cluster (RQ and caches stay on plain Redis)."""
    counters = _counters_client(cluster.url)
    for node in counters.get_primaries():
        counters.get_redis_connection(node).flushall()
    built = app_on(redis_url, COUNTERS_REDIS_URL=cluster.url)
    with built.app_context():
        yield built


def _servers(app, tmp_path, count: int) -> list[LiveServer]:
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "COUNTERS_REDIS_URL": app.config["COUNTERS_REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
    }
    servers = []
    for n in range(count):
        env_n = {**env, "INSTANCE_PATH": str(tmp_path / f"server-{n}")}
        servers.append(LiveServer(free_port(), env_n, workers=2, log_path=tmp_path / f"s{n}.log"))
    return [server.start() for server in servers]


def _cookie(app, player) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"player_id": player.id, "openid": player.openid, "_permanent": True})


def test_2000_plays_on_two_servers_and_a_redis_cluster(cluster_app, factory, tmp_path):
    app = cluster_app
    campaign = factory.campaign(
        plays_per_user_per_day=8, prizes=[{"name": "Coupon", "stock": 50, "probability": 0.5}]
    )
    players = factory.players(200)
    servers = _servers(app, tmp_path, 2)
    try:
        jobs = [
            (f"/h5/{campaign.id}/play", _cookie(app, p), None) for p in players for _ in range(10)
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
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Win)) == 50
    awarded = app.extensions["redis"]["counters"].hget(
        f"cg:{{c:{campaign.id}}}:awarded", str(campaign.prizes[0].id)
    )
    assert int(awarded) == 50
    per_player = db.session.execute(select(Play.player_id, func.count()).group_by(Play.player_id))
    assert {count for _, count in per_player} == {8}
    seqs = db.session.scalars(select(Play.seq).order_by(Play.seq)).all()
    assert seqs == list(range(1, 1601))


def test_a_master_killed_mid_run_fails_over_without_oversell(
    cluster_app, cluster, factory, tmp_path
):
    app = cluster_app
    campaign = factory.campaign(
        plays_per_user_per_day=6,
        wins_per_user_total=1,
        prizes=[{"name": "Coupon", "stock": 40, "probability": 0.4}],
    )
    players = factory.players(120)
    [server] = _servers(app, tmp_path, 1)
    path = f"/h5/{campaign.id}/play"
    cookies = [_cookie(app, p) for p in players]
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
        master = cluster.master_port_for(f"cg:{{c:{campaign.id}}}:meta")
        phase["now"] = "failover"
        cluster.kill(master)
        cluster.wait_failover(master)
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
        cluster.nodes[master].start()  # back as a replica, for the next test
        cluster.wait_ok()
    statuses = Counter((p, s) for p, s, _ in results)
    assert all(s in (200, 429, 503) for _, s in statuses.elements()), statuses
    assert statuses[("after", 200)] >= 100, statuses  # plays continue after the failover
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
