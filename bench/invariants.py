"""After the load: nothing oversold, Redis and SQL agree, no player over a limit."""

from __future__ import annotations

from sqlalchemy import func, select

from campaigns.draw.keys import all_shards
from campaigns.draw.state import awarded_in_redis
from campaigns.models import Campaign, Play, Win


def check(session, redis, campaign_id: int) -> dict:
    campaign = session.get(Campaign, campaign_id)
    shards = all_shards(campaign_id, campaign.shards)
    lines, ok = [], True
    awarded = awarded_in_redis(redis, campaign_id, campaign.shards)
    wins = dict(
        session.execute(
            select(Win.prize_id, func.count())
            .where(Win.campaign_id == campaign_id)
            .group_by(Win.prize_id)
        ).all()
    )
    for prize in campaign.prizes:
        sql, red = wins.get(prize.id, 0), awarded.get(prize.id, 0)
        good = sql <= prize.stock and sql == red
        ok &= good
        lines.append(
            f"{prize.name}: stock {prize.stock}, SQL wins {sql}, Redis awarded {red}"
            f"{'' if good else '  <-- VIOLATION'}"
        )
    worst_day = (
        session.execute(
            select(func.count())
            .where(Play.campaign_id == campaign_id, Play.outcome != "void")
            .group_by(Play.player_id, Play.day)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar()
        or 0
    )
    worst_wins = (
        session.execute(
            select(func.count())
            .where(Win.campaign_id == campaign_id)
            .group_by(Win.player_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar()
        or 0
    )
    day_ok = worst_day <= (campaign.plays_per_user_per_day or worst_day)
    wins_ok = worst_wins <= (campaign.wins_per_user_total or worst_wins)
    ok &= day_ok and wins_ok
    lines.append(
        f"most plays by one player in a day: {worst_day} (limit {campaign.plays_per_user_per_day})"
    )
    lines.append(f"most wins by one player: {worst_wins} (limit {campaign.wins_per_user_total})")
    step = campaign.shards  # shard k of N numbers its plays k+1, k+1+N, ...
    plays = highest = 0
    gapless = True
    for keys in shards:
        count, top = session.execute(
            select(func.count(), func.max(Play.seq)).where(
                Play.campaign_id == campaign_id, Play.of_shard(keys.shard, step)
            )
        ).one()
        plays, highest = plays + count, max(highest, top or 0)
        gapless &= (top or keys.shard + 1 - step) == keys.shard + 1 + step * (count - 1)
    ok &= gapless
    lines.append(f"sequence numbers: {plays} plays, highest {highest} (no gaps: {gapless})")
    unwritten = sum(redis.xlen(keys.stream) for keys in shards)
    ok &= unwritten == 0
    lines.append(f"plays still in the streams after draining: {unwritten}")
    return {"ok": bool(ok), "lines": lines}
