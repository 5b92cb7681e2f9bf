"""The draw engine alone: the Lua script pipelined from one client beside plain INCR, and the
cost of the verifiable-draw parts (seeded numbers, hash chain).

Both loops send the same number of commands in the same batches to a fresh campaign. Redis's
own figures say how the time splits: ``usec_per_call`` is wall time inside the server (it grows
when the machine is busy and Redis waits for a core), the server's CPU time per call is what the
script itself costs; this process's CPU time per draw is redis-py's share (packing, parsing).
Each draw appends its play to the campaign's stream, as in production, and the worker's ledger
writer copies them into SQL meanwhile (the players are the HTTP runs' own).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench import seed
from campaigns.draw import seeding
from campaigns.draw.keys import CampaignKeys
from campaigns.ledger import chain
from campaigns.models import Player
from campaigns.web.extensions import db

DRAWS = 50_000
BATCH = 1_000


def run(app) -> dict:
    with app.app_context():
        redis = app.extensions["redis"]["counters"]
        engine = app.extensions["engine"]
        now = datetime.now(UTC)
        ample = [
            {"name": "A", "stock": 10_000_000, "probability": 0.1},
            {"name": "B", "stock": 10_000_000, "probability": 0.2},
        ]
        campaign = seed.live_campaign(
            app, "Engine bench", now, days=1, wins_per_user_total=None, prizes=ample
        )
        engine.decide(db.session, campaign, 1, "warm-up", now)
        engine.fill_pool(campaign, 2, DRAWS + 10)
        keys = CampaignKeys(campaign.id)
        # The HTTP runs' players (ids 1..N), so the writer's rows name real players; alone, any.
        players = db.session.scalar(db.select(db.func.count()).select_from(Player)) or 5000
        redis.config_resetstat()
        cpu, client_cpu = _server_cpu(redis), time.process_time()
        started = time.perf_counter()
        for first in range(0, DRAWS, BATCH):
            pipe = redis.pipeline(transaction=False)
            for n in range(first, first + BATCH):
                player = n % players + 1
                args = engine.draw_args(campaign, player, f"k{n}", now)
                engine.scripts.draw(keys=keys.draw_keys(player, f"k{n}"), args=args, client=pipe)
            pipe.execute()
        draws = DRAWS / (time.perf_counter() - started)
        client_cpu = (time.process_time() - client_cpu) * 1e6 / DRAWS
        draw_cpu = (_server_cpu(redis) - cpu) / DRAWS
        usec = redis.info("commandstats").get("cmdstat_evalsha", {}).get("usec_per_call", 0.0)
        cpu = _server_cpu(redis)
        started = time.perf_counter()
        for _batch in range(0, DRAWS, BATCH):
            pipe = redis.pipeline(transaction=False)
            for _ in range(BATCH):
                pipe.incr("bench:incr")
            pipe.execute()
        incr = DRAWS / (time.perf_counter() - started)
        incr_cpu = (_server_cpu(redis) - cpu) / DRAWS
        started = time.perf_counter()
        seeding.pool_batch(campaign.seed, campaign.id, 1, 100_000)
        hmac_rate = 100_000 / (time.perf_counter() - started)
        return {
            "draws_per_s": draws,
            "incr_per_s": incr,
            "draw_usec_per_call": usec,
            "draw_server_cpu_usec": draw_cpu,
            "incr_server_cpu_usec": incr_cpu,
            "draw_client_cpu_usec": client_cpu,
            "hmac_per_s": hmac_rate,
            "chain_per_s": _chain_rate(redis, now),
        }


def _server_cpu(redis) -> float:
    """The Redis server's CPU time so far, in µs (user and system, all its threads)."""
    info = redis.info("cpu")
    return (info["used_cpu_user"] + info["used_cpu_sys"]) * 1e6


def _chain_rate(redis, now) -> float:
    """Chain every play of the benchmark's HTTP campaign, from the first."""
    from campaigns.models import Campaign, Play

    campaign = db.session.scalars(db.select(Campaign).order_by(Campaign.id)).first()
    count = db.session.scalar(
        db.select(db.func.count()).select_from(Play).where(Play.campaign_id == campaign.id)
    )
    # The worker's sweep has chained them already: undo that, then time chaining them all.
    db.session.execute(
        db.update(Play)
        .where(Play.campaign_id == campaign.id)
        .values(prev_hash=None, entry_hash=None)
    )
    db.session.commit()
    started = time.perf_counter()
    chain.extend(db.session, redis, campaign, now + timedelta(hours=1))
    return count / max(time.perf_counter() - started, 1e-9)


if __name__ == "__main__":
    import sys
    import tempfile

    from campaigns.web.app import create_app
    from devtools.embedded_redis import EmbeddedRedis

    # Alone: an embedded Redis and a scratch SQLite; no HTTP campaign, so nothing to chain.
    # Repeat runs: on a shared machine compare the ratio within one run, not the raw rates.
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as scratch:
        server = EmbeddedRedis(f"{scratch}/redis.sock", scratch)
        server.start()
        try:
            bench_app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}/bench.sqlite3",
                    "REDIS_URL": server.url,
                    "COUNTERS_REDIS_URL": server.url,
                }
            )
            with bench_app.app_context():
                db.create_all()
            for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
                result = run(bench_app)
                result["ratio"] = result["draws_per_s"] / result["incr_per_s"]
                print({name: round(value, 2) for name, value in result.items()}, flush=True)
        finally:
            server.stop()
