"""The campaign's state in Redis: pushed from SQL, and rebuilt from SQL when Redis lost it.

Rebuilding happens under a Redis lock before the campaign takes another play, so a Redis that
restarted empty, failed over or evicted keys can never make the engine forget awarded stock.
Player counters are rebuilt lazily, one player at a time, on their next play (``load_player``),
so a campaign with a million players is back in milliseconds.

A sharded campaign (keys.py) is rebuilt whole: every shard first stops handing out stock, then
each gets the wins its players already hold and an equal part of the slots SQL shows unused.
"""

from __future__ import annotations

import json
import secrets

from redis.exceptions import LockError
from sqlalchemy import func, select

from campaigns.core.clock import as_utc, to_ms
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.draw import table
from campaigns.draw.keys import CampaignKeys, all_shards, for_player, player_shard
from campaigns.models import Campaign, Play, Win
from campaigns.models.settings import SCRIPT_KEYS

LOCK_TIMEOUT_S = 30
# Player counters outlive the campaign by this much, then Redis forgets them.
PLAYER_TTL_AFTER_END_S = 7 * 24 * 3600
RECENT_KEYS_LOADED = 200


def meta_fields(campaign: Campaign) -> dict[str, str | int]:
    """The fields of the meta hash that follow the campaign's settings (the settings the script
    reads, by their ``script_key``; an unset limit is 0)."""
    return {
        "status": campaign.status,
        "starts": to_ms(campaign.starts_utc),
        "ends": to_ms(campaign.ends_utc),
        **{key: getattr(campaign, name) or 0 for key, name in SCRIPT_KEYS.items()},
        "prizes": table.encode(campaign.prizes),
    }


def push_settings(redis, campaign: Campaign) -> None:
    """Tell a ready Redis state about new settings (status, stock). Not ready: the next rebuild
    reads SQL anyway. Under the lock, so a rebuild in progress cannot overwrite it with old data.
    A sharded campaign whose stock changed is rebuilt instead, to share the new stock out."""
    shards = all_shards(campaign.id, campaign.shards)
    fields = meta_fields(campaign)
    with redis.lock(shards[0].lock, timeout=LOCK_TIMEOUT_S, blocking_timeout=LOCK_TIMEOUT_S):
        held = [redis.hmget(keys.meta, "ready", "prizes") for keys in shards]
        restock = campaign.shards > 1 and any(
            ready == b"1" and prizes != fields["prizes"].encode() for ready, prizes in held
        )
        for keys, (ready, _) in zip(shards, held, strict=True):
            if restock:
                redis.hdel(keys.meta, "ready")
            elif ready == b"1":
                redis.hset(keys.meta, mapping=fields)


def awarded_in_redis(redis, campaign_id: int, shards: int) -> dict[int, int]:
    """Slots handed out per prize as Redis counts them (all shards; given-back ones excluded)."""
    totals: dict[int, int] = {}
    for keys in all_shards(campaign_id, shards):
        free = redis.hgetall(keys.free)
        for prize_id, top in redis.hgetall(keys.awarded).items():
            given_back = len([s for s in (free.get(prize_id) or b"").split(b",") if s])
            totals[int(prize_id)] = totals.get(int(prize_id), 0) + int(top) - given_back
    return totals


def rebuild(session, redis, campaign_id: int, shard: int = 0, before=None) -> None:
    """Rebuild a campaign's counters from the SQL ledger (idempotent; first caller does it).

    ``shard`` is the shard that found its state missing: if it is ready by the time the lock is
    held, another process rebuilt already. ``before(session, redis, campaign_id)`` runs under the
    lock first: the ledger writer's drain, so plays still in the streams are in SQL (a state
    rebuilt behind them would hand their numbers and slots out again).

    A lock not had within LOCK_TIMEOUT_S, or lost while ``before`` ran (a drain of a backlog
    near LEDGER_BACKLOG_MAX takes seconds): ``unavailable``, and nothing is written, since
    another process holds the lock and rebuilds; the player's retry finds its state."""
    try:
        _rebuild_locked(session, redis, campaign_id, shard, before)
    except LockError as exc:
        session.rollback()
        raise DomainError(
            ErrorCode.UNAVAILABLE, "The campaign's state is being restored; please retry."
        ) from exc


def _rebuild_locked(session, redis, campaign_id: int, shard: int, before) -> None:
    with redis.lock(
        CampaignKeys(campaign_id).lock, timeout=LOCK_TIMEOUT_S, blocking_timeout=LOCK_TIMEOUT_S
    ) as lock:
        campaign = session.get(Campaign, campaign_id)
        session.refresh(campaign)
        shards = all_shards(campaign_id, campaign.shards)
        if redis.hget(shards[min(shard, len(shards) - 1)].meta, "ready") == b"1":
            return
        if before is not None:
            for keys in shards:  # no shard adds to its stream while it is drained
                redis.hdel(keys.meta, "ready")
            before(session, redis, campaign_id)
            # Still ours, and another LOCK_TIMEOUT_S for the rebuild (LockNotOwnedError else).
            lock.extend(LOCK_TIMEOUT_S, replace_ttl=True)
        if campaign.shards == 1:
            _rebuild_single(session, redis, campaign, shards[0])
        else:
            _rebuild_sharded(session, redis, campaign, shards)
        session.commit()


def _fresh_meta(campaign: Campaign, epoch: str, lazy: bool) -> dict:
    fields = meta_fields(campaign)
    fields.update(epoch=epoch, lazy=1 if lazy else 0, ready=1)
    return fields


def _rebuild_single(session, redis, campaign: Campaign, keys: CampaignKeys) -> None:
    top_seq = session.scalar(select(func.max(Play.seq)).where(Play.campaign_id == campaign.id))
    slots: dict[int, list[int]] = {}
    for prize_id, slot in session.execute(
        select(Win.prize_id, Win.slot).where(Win.campaign_id == campaign.id)
    ):
        slots.setdefault(prize_id, []).append(slot)
    pipe = redis.pipeline(transaction=True)
    pipe.delete(*keys.stock_keys())
    for prize_id, used in slots.items():
        top = max(used)
        pipe.hset(keys.awarded, str(prize_id), top)
        missing = sorted(set(range(1, top + 1)) - set(used))
        if missing:
            pipe.hset(keys.free, str(prize_id), ",".join(map(str, missing)))
    pipe.set(keys.seq, top_seq or 0)
    pipe.hset(keys.meta, mapping=_fresh_meta(campaign, secrets.token_hex(8), bool(top_seq)))
    pipe.execute()


def _rebuild_sharded(session, redis, campaign: Campaign, shards: list[CampaignKeys]) -> None:
    count = len(shards)
    for keys in shards:  # first no shard hands out stock, then the shares are recomputed
        redis.hdel(keys.meta, "ready")
    session.commit()  # a fresh snapshot: every win committed before this point is seen
    top_seqs = {  # shard k of N numbers its plays k+1, k+1+N, ...
        keys.shard: session.scalar(
            select(func.max(Play.seq)).where(
                Play.campaign_id == campaign.id, Play.of_shard(keys.shard, count)
            )
        )
        for keys in shards
    }
    used: dict[int, list[int]] = {}
    held: dict[tuple[int, int], int] = {}  # (prize, shard) -> wins its players hold
    for prize_id, slot, player_id in session.execute(
        select(Win.prize_id, Win.slot, Win.player_id).where(Win.campaign_id == campaign.id)
    ):
        used.setdefault(prize_id, []).append(slot)
        key = (prize_id, player_shard(player_id, count))
        held[key] = held.get(key, 0) + 1
    shares = {
        prize.id: split(unused_ranges(prize.stock, used.get(prize.id, [])), count)
        for prize in campaign.prizes
    }
    epoch = secrets.token_hex(8)
    lazy = any(top_seqs.values())
    for keys in shards:
        pipe = redis.pipeline(transaction=True)
        pipe.delete(*keys.stock_keys())
        for prize in campaign.prizes:
            base = held.get((prize.id, keys.shard), 0)
            part = shares[prize.id][keys.shard]
            ranges = ",".join(f"{low}-{high}" for low, high in part)
            pipe.hset(keys.awarded, str(prize.id), base)
            pipe.hset(keys.allot, str(prize.id), base + sum(h - lo + 1 for lo, h in part))
            pipe.hset(keys.slots, str(prize.id), f"{base}|{ranges}")
        pipe.set(keys.seq, top_seqs.get(keys.shard) or keys.shard + 1 - count)
        fields = _fresh_meta(campaign, epoch, lazy)
        fields.update(step=count, shard=keys.shard)
        pipe.hset(keys.meta, mapping=fields)
        pipe.execute()


def unused_ranges(stock: int, used: list[int]) -> list[tuple[int, int]]:
    """The slots 1..stock not in ``used``, as inclusive ranges (a million slots stay small)."""
    ranges, low = [], 1
    for slot in sorted(set(used)):
        if slot > stock:
            break
        if slot > low:
            ranges.append((low, slot - 1))
        low = slot + 1
    if low <= stock:
        ranges.append((low, stock))
    return ranges


def split(ranges: list[tuple[int, int]], parts: int) -> list[list[tuple[int, int]]]:
    """Cut ranges into ``parts`` runs of slots whose sizes differ by at most one."""
    total = sum(high - low + 1 for low, high in ranges)
    sizes = [total // parts + (1 if n < total % parts else 0) for n in range(parts)]
    out: list[list[tuple[int, int]]] = [[] for _ in range(parts)]
    queue = list(ranges)
    for n, size in enumerate(sizes):
        while size > 0:
            low, high = queue.pop(0)
            take = min(size, high - low + 1)
            out[n].append((low, low + take - 1))
            if low + take <= high:
                queue.insert(0, (low + take, high))
            size -= take
    return out


def player_counts(redis, campaign, player_id: int, day: str) -> tuple[int, int] | None:
    """(plays in total, plays on ``day``) as the draw script counts them, or None when Redis
    holds no counters of this epoch for the player (then SQL, behind it by moments, says)."""
    keys = for_player(campaign.id, player_id, campaign.shards)
    epoch = redis.hget(keys.meta, "epoch")
    fields = redis.hmget(keys.player(player_id), "e", "t", "v", f"d:{day}", f"dv:{day}")
    if epoch is None or fields[0] != epoch:
        return None
    t, v, d, dv = (int(value or 0) for value in fields[1:])
    return t - v, d - dv


def player_ttl(campaign: Campaign, now) -> int:
    return max(60, int((as_utc(campaign.ends_at) - now).total_seconds()) + PLAYER_TTL_AFTER_END_S)


def load_player(
    session,
    redis,
    scripts,
    campaign: Campaign,
    keys: CampaignKeys,
    player_id: int,
    day: str,
    now,
    idem_ttl: int,
) -> None:
    """Install one player's counters (and recent idempotency keys) from SQL after a rebuild;
    ``keys`` are those of the player's shard."""
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
