"""The campaign's state in Redis: pushed from SQL, and rebuilt from SQL when Redis lost it.

Rebuilding happens under a Redis lock before the campaign takes another play, so a Redis that
restarted empty, failed over or evicted keys can never make the engine forget awarded stock.
Player counters are rebuilt lazily, one player at a time, on their next play (``load_player``),
so a campaign with a million players is back in milliseconds.
"""

from __future__ import annotations

import json
import secrets

from sqlalchemy import func, select

from campaigns.clock import as_utc, to_ms
from campaigns.draw import table
from campaigns.draw.keys import CampaignKeys
from campaigns.models import Campaign, Play, Win

LOCK_TIMEOUT_S = 30
# Player counters outlive the campaign by this much, then Redis forgets them.
PLAYER_TTL_AFTER_END_S = 7 * 24 * 3600
RECENT_KEYS_LOADED = 200


def meta_fields(campaign: Campaign) -> dict[str, str | int]:
    """The fields of the meta hash that follow the campaign's settings."""
    return {
        "status": campaign.status,
        "starts": to_ms(campaign.starts_utc),
        "ends": to_ms(campaign.ends_utc),
        "ppd": campaign.plays_per_user_per_day or 0,
        "ppt": campaign.plays_per_user_total or 0,
        "wpt": campaign.wins_per_user_total or 0,
        "prizes": table.encode(campaign.prizes),
    }


def push_settings(redis, campaign: Campaign) -> None:
    """Tell a ready Redis state about new settings (status, stock). Not ready: the next rebuild
    reads SQL anyway. Under the lock, so a rebuild in progress cannot overwrite it with old data."""
    keys = CampaignKeys(campaign.id)
    with redis.lock(keys.lock, timeout=LOCK_TIMEOUT_S, blocking_timeout=LOCK_TIMEOUT_S):
        if redis.hget(keys.meta, "ready") == b"1":
            redis.hset(keys.meta, mapping=meta_fields(campaign))


def rebuild(session, redis, campaign_id: int) -> None:
    """Rebuild a campaign's counters from the SQL ledger (idempotent; first caller does it)."""
    keys = CampaignKeys(campaign_id)
    with redis.lock(keys.lock, timeout=LOCK_TIMEOUT_S, blocking_timeout=LOCK_TIMEOUT_S):
        if redis.hget(keys.meta, "ready") == b"1":
            return
        campaign = session.get(Campaign, campaign_id)
        session.refresh(campaign)
        top_seq = session.scalar(select(func.max(Play.seq)).where(Play.campaign_id == campaign_id))
        slots: dict[int, list[int]] = {}
        for prize_id, slot in session.execute(
            select(Win.prize_id, Win.slot).where(Win.campaign_id == campaign_id)
        ):
            slots.setdefault(prize_id, []).append(slot)
        pipe = redis.pipeline(transaction=True)
        pipe.delete(keys.meta, keys.awarded, keys.free, keys.seq, keys.pool)
        for prize_id, used in slots.items():
            top = max(used)
            pipe.hset(keys.awarded, str(prize_id), top)
            missing = sorted(set(range(1, top + 1)) - set(used))
            if missing:
                pipe.hset(keys.free, str(prize_id), ",".join(map(str, missing)))
        pipe.set(keys.seq, top_seq or 0)
        fields = meta_fields(campaign)
        fields["epoch"] = secrets.token_hex(8)
        fields["lazy"] = 1 if top_seq else 0
        fields["ready"] = 1
        pipe.hset(keys.meta, mapping=fields)
        pipe.execute()
        session.commit()


def player_ttl(campaign: Campaign, now) -> int:
    return max(60, int((as_utc(campaign.ends_at) - now).total_seconds()) + PLAYER_TTL_AFTER_END_S)


def load_player(
    session, redis, scripts, campaign: Campaign, player_id: int, day: str, now, idem_ttl: int
) -> None:
    """Install one player's counters (and recent idempotency keys) from SQL after a rebuild."""
    keys = CampaignKeys(campaign.id)
    epoch = redis.hget(keys.meta, "epoch")
    if epoch is None:
        return
    epoch = epoch.decode()
    mine = (Play.campaign_id == campaign.id, Play.player_id == player_id)
    top, valid = session.execute(
        select(func.max(Play.player_seq), func.count().filter(Play.outcome != "void")).where(*mine)
    ).one()
    top_day, valid_day = session.execute(
        select(func.max(Play.day_seq), func.count().filter(Play.outcome != "void")).where(
            *mine, Play.day == day
        )
    ).one()
    top_win, wins = session.execute(
        select(func.max(Win.player_win_no), func.count()).where(
            Win.campaign_id == campaign.id, Win.player_id == player_id
        )
    ).one()
    fields = {
        "t": top or 0,
        "v": (top or 0) - valid,
        "w": top_win or 0,
        "wv": (top_win or 0) - wins,
        f"d:{day}": top_day or 0,
        f"dv:{day}": (top_day or 0) - valid_day,
    }
    argv = [epoch, player_ttl(campaign, now)]
    for name, value in fields.items():
        argv += [name, value]
    scripts.load_player(keys=[keys.player(player_id)], args=argv)
    recent = session.execute(
        select(Play.idempotency_key, Play.seq)
        .where(*mine, Play.outcome != "void")
        .order_by(Play.seq.desc())
        .limit(RECENT_KEYS_LOADED)
    )
    pipe = redis.pipeline(transaction=False)
    for key, seq in recent:
        marker = json.dumps({"seq": seq, "epoch": epoch, "player": player_id, "key": key})
        pipe.set(keys.idempotency(player_id, key), marker, ex=idem_ttl, nx=True)
    pipe.execute()
    session.commit()
