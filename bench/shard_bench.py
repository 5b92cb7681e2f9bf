"""A hot campaign's draws/s with 1 and with 3 shards on a local Redis Cluster.

Starts 3 masters and 3 replicas on loopback (tests/cluster.py), builds a campaign of each kind,
and lets ``CLIENTS`` processes fire pipelined draw scripts at it for many different players, as
web processes would. One shard puts every draw on one master (Redis runs scripts on one thread);
three shards spread them over three masters. On a 2-core machine the masters, their replicas and
the client processes share two cores, so this shows how the load spreads, not what three real
hosts would give: read it as a ratio, not as capacity.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from redis.cluster import RedisCluster

from bench import seed
from campaigns.draw.keys import all_shards, for_player
from campaigns.draw.scripts import source
from campaigns.web.app import create_app
from campaigns.web.extensions import db
from tests.cluster import LocalCluster, ports_free

CLIENTS = 3
DRAWS_PER_CLIENT = 15_000
BATCH = 300
AMPLE = [
    {"name": "A", "stock": 10_000_000, "probability": 0.1},
    {"name": "B", "stock": 10_000_000, "probability": 0.2},
]


def run(database_url: str, redis_url: str) -> dict:
    """Draws/s with 1 and with 3 shards, and the cluster's masters each shard landed on."""
    with tempfile.TemporaryDirectory(prefix="shard-bench-") as workdir:
        cluster = LocalCluster(Path(workdir), ports_free(6)).start()
        try:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": database_url,
                    "REDIS_URL": redis_url,
                    "COUNTERS_REDIS_URL": cluster.url,
                    "SECRET_KEY": "bench-secret",
                }
            )
            results = {}
            for shards in (1, 3):
                with app.app_context():
                    job = _prepare(app, shards)
                shard_keys = all_shards(job[0], shards)
                masters = sorted({cluster.master_port_for(keys.meta) for keys in shard_keys})
                for port in sorted(cluster.master_ports()):
                    cluster.client(port).config_resetstat()
                rate = _fire(cluster.url, *job)
                results[shards] = {"draws_per_s": rate, "masters": len(masters)}
                results[shards].update(_server_side(cluster))
            return results
        finally:
            cluster.stop()


def _server_side(cluster) -> dict:
    """What the masters themselves spent: the busiest one's share of the draws and its time per
    draw. One Redis runs scripts on one thread, so 1 / (share x time) is the draws/s that the
    campaign can reach once every master has a core of its own (the ceiling sharding lifts)."""
    stats = []
    for port in sorted(cluster.master_ports()):
        evalsha = cluster.client(port).info("commandstats").get("cmdstat_evalsha", {})
        stats.append((evalsha.get("calls", 0), evalsha.get("usec", 0)))
    total = sum(calls for calls, _ in stats) or 1
    calls, usec = max(stats)
    share = calls / total
    per_draw = usec / max(calls, 1)
    return {
        "busiest_share": share,
        "usec_per_draw": per_draw,
        "ceiling_draws_per_s": 1e6 / (share * per_draw) if per_draw else 0.0,
    }


def _prepare(app, shards: int) -> tuple:
    """A live campaign with every shard's state built and its seeded numbers computed ahead."""
    now = datetime.now(UTC)
    engine = app.extensions["engine"]
    redis = app.extensions["redis"]["counters"]
    campaign = seed.live_campaign(
        app, f"Hot campaign, {shards} shard(s)", now, shards=shards, wins_per_user_total=None,
        prizes=AMPLE,
    )  # fmt: skip
    for shard in range(shards):  # a first draw on each shard builds the state
        engine.decide(db.session, campaign, shard, f"warm-{shard}", now)
    draws = CLIENTS * DRAWS_PER_CLIENT
    for keys in all_shards(campaign.id, shards):
        after = int(redis.get(keys.seq)) + shards
        engine.fill_pool(campaign, after, draws // shards + 2 * BATCH, keys=keys)
    return campaign.id, shards, engine.draw_args(campaign, 0, "", now)


def _fire(cluster_url: str, campaign_id: int, shards: int, args: list) -> float:
    """All clients start at one moment (after connecting); draws/s until the last finishes.
    ``args`` are one play's (Engine.draw_args), each client's draws name their own players."""
    start_at = time.time() + 3
    with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
        pending = [
            pool.apply_async(_client, (cluster_url, campaign_id, shards, args, n, start_at))
            for n in range(CLIENTS)
        ]
        finished = [result.get(timeout=600) for result in pending]
    return CLIENTS * DRAWS_PER_CLIENT / (max(finished) - start_at)


def _client(cluster_url, campaign_id, shards, args, number, start_at) -> float:
    """One web process's worth of draws. redis-py's cluster pipeline refuses EVALSHA, so each
    batch goes as one plain pipeline per shard, straight to the master holding that shard."""
    cluster = RedisCluster.from_url(cluster_url.replace("redis+cluster://", "redis://"))
    nodes = {}
    for keys in all_shards(campaign_id, shards):
        node = cluster.get_redis_connection(cluster.get_node_from_key(keys.meta))
        nodes[keys.shard] = (node, node.register_script(source("draw")))
    base = (number + 1) * 1_000_000
    time.sleep(max(0.0, start_at - time.time()))
    for first in range(0, DRAWS_PER_CLIENT, BATCH):
        pipes = {shard: node.pipeline(transaction=False) for shard, (node, _) in nodes.items()}
        for n in range(first, first + BATCH):
            player = base + n
            keys = for_player(campaign_id, player, shards)
            key = f"b{n}"
            nodes[keys.shard][1](
                keys=keys.draw_keys(player, key),
                args=[*args[:2], player, key, *args[4:]],  # ARGV 3 and 4: player, key
                client=pipes[keys.shard],
            )
        for pipe in pipes.values():
            for reply in pipe.execute():
                if reply[0] != b"ok":
                    raise RuntimeError(f"draw did not decide: {reply!r}")
    return time.time()


if __name__ == "__main__":
    import sys

    from devtools.embedded_redis import EmbeddedRedis

    with tempfile.TemporaryDirectory(prefix="shard-bench-main-") as scratch:
        main_redis = EmbeddedRedis(f"{scratch}/redis.sock", scratch)
        main_redis.start()
        url = f"sqlite:///{scratch}/bench.sqlite3"
        try:
            bench_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": main_redis.url})
            with bench_app.app_context():
                db.create_all()
            print(run(url, main_redis.url), file=sys.stdout)
        finally:
            main_redis.stop()
