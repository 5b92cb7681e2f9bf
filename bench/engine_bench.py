"""The draw engine alone: the Lua script pipelined from one client beside plain INCR, and the
cost of the verifiable-draw parts (seeded numbers, hash chain)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench import seed
from campaigns import chain
from campaigns.clock import to_ms
from campaigns.draw import seeding
from campaigns.draw.engine import local_day
from campaigns.draw.keys import CampaignKeys
from campaigns.extensions import db

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
        keys, day = CampaignKeys(campaign.id), local_day(campaign, now)
        redis.config_resetstat()
        started = time.perf_counter()
        for first in range(0, DRAWS, BATCH):
            pipe = redis.pipeline(transaction=False)
            for n in range(first, first + BATCH):
                player = n % 5000
                args = [to_ms(now), day, player, f"k{n}", 600, 600, 1]
                engine.scripts.draw(keys=keys.draw_keys(player, f"k{n}"), args=args, client=pipe)
            pipe.execute()
        draws = DRAWS / (time.perf_counter() - started)
        usec = redis.info("commandstats").get("cmdstat_evalsha", {}).get("usec_per_call", 0.0)
        started = time.perf_counter()
        for _batch in range(0, DRAWS, BATCH):
            pipe = redis.pipeline(transaction=False)
            for _ in range(BATCH):
                pipe.incr("bench:incr")
            pipe.execute()
        incr = DRAWS / (time.perf_counter() - started)
        started = time.perf_counter()
        seeding.pool_batch(campaign.seed, campaign.id, 1, 100_000)
        hmac_rate = 100_000 / (time.perf_counter() - started)
        return {
            "draws_per_s": draws,
            "incr_per_s": incr,
            "draw_usec_per_call": usec,
            "hmac_per_s": hmac_rate,
            "chain_per_s": _chain_rate(redis, now),
        }


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
