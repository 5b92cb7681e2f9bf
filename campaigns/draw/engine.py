"""Deciding a play: the draw script plus what it asks for (a rebuild, a player's counters, seeded
numbers). Plain functions of a SQL session, a Redis client and a moment; no Flask here."""

from __future__ import annotations

from datetime import datetime

import redis as redis_lib

from campaigns.core.clock import to_ms
from campaigns.core.errors import DomainError, ErrorCode
from campaigns.draw import seeding, state, stock
from campaigns.draw.decision import Decision
from campaigns.draw.keys import CampaignKeys, all_shards, for_player
from campaigns.draw.scripts import Scripts
from campaigns.models import Campaign

# Rebuild, player load, pool refill and a stock transfer each take at most one round; a few
# spare for races.
MAX_ROUNDS = 10

REDIS_DOWN = (redis_lib.ConnectionError, redis_lib.TimeoutError, redis_lib.BusyLoadingError)


class Engine:
    """The draw engine bound to the counters Redis. One per app; cheap to share across threads."""

    def __init__(self, redis, idempotency_ttl: int):
        self.redis = redis
        self.scripts = Scripts(redis)
        self.idempotency_ttl = idempotency_ttl

    def decide(
        self,
        session,
        campaign: Campaign,
        player_id: int,
        idem_key: str,
        now: datetime,
        eligible: bool = True,
    ) -> Decision:
        """Run the draw script until it decides, refuses, or replays a stored decision."""
        return self.decide_or_replay(session, campaign, player_id, idem_key, now, eligible)[0]

    def decide_or_replay(
        self,
        session,
        campaign: Campaign,
        player_id: int,
        idem_key: str,
        now: datetime,
        eligible: bool = True,
    ) -> tuple[Decision, bool]:
        """Like ``decide``; the flag is True for a new decision, False for a stored one."""
        keys = for_player(campaign.id, player_id, campaign.shards)
        day = local_day(campaign, now)
        args = [
            to_ms(now),
            day,
            player_id,
            idem_key,
            self.idempotency_ttl,
            state.player_ttl(campaign, now),
            1 if eligible else 0,
        ]
        for _ in range(MAX_ROUNDS):
            kind, *rest = self.scripts.draw(keys=keys.draw_keys(player_id, idem_key), args=args)
            if kind in (b"ok", b"replay"):
                return Decision.parse(rest[0]), kind == b"ok"
            if kind == b"refused":
                raise DomainError(ErrorCode(rest[0].decode()))
            if kind == b"reconcile":
                state.rebuild(session, self.redis, campaign.id, keys.shard)
            elif kind == b"load_player":
                state.load_player(
                    session,
                    self.redis,
                    self.scripts,
                    campaign,
                    keys,
                    player_id,
                    day,
                    now,
                    self.idempotency_ttl,
                )
            elif kind == b"need_pool":
                if not campaign.seed:  # a snapshot from before the campaign went live
                    session.refresh(campaign, ["seed"])
                self.fill_pool(campaign, int(rest[0]), keys=keys)
            elif kind == b"need_stock":
                stock.borrow(self.redis, self.scripts, keys, rest[0].decode(), args[0])
        raise DomainError(ErrorCode.UNAVAILABLE, "The draw did not settle; please retry.")

    def fill_pool(
        self,
        campaign: Campaign,
        first_seq: int,
        count: int = seeding.POOL_BATCH,
        keys: CampaignKeys | None = None,
    ) -> None:
        """Seeded numbers for the next ``count`` sequence numbers of one shard (``keys``)."""
        if not campaign.seed:
            raise DomainError(ErrorCode.NOT_LIVE)
        keys = keys or CampaignKeys(campaign.id)
        batch = seeding.pool_batch(campaign.seed, campaign.id, first_seq, count, keys.shards)
        self.redis.hset(keys.pool, mapping=batch)

    def give_back(self, campaign_id: int, decision: Decision) -> bool:
        """Withdraw a decision whose ledger write failed (see give_back.lua)."""
        keys = CampaignKeys(campaign_id, decision.shard, decision.shards)
        done = self.scripts.give_back(
            keys=[
                keys.meta,
                keys.awarded,
                keys.free,
                keys.player(decision.player_id),
                keys.idempotency(decision.player_id, decision.idempotency_key),
                keys.inflight,
            ],
            args=[decision.raw],
        )
        return bool(done)

    def settle_transfers(self, campaign_id: int, shards: int, now: datetime) -> int:
        """Deliver stock transfers between shards that a dead process left half-done."""
        return stock.settle(self.redis, self.scripts, campaign_id, shards, to_ms(now))

    def force_rebuild(self, campaign_id: int, decision: Decision) -> None:
        """SQL refused a number Redis handed out: Redis is behind SQL, rebuild before going on."""
        for keys in all_shards(campaign_id, decision.shards):
            if self.redis.hget(keys.meta, "epoch") == decision.epoch.encode():
                self.redis.hdel(keys.meta, "ready")


def local_day(campaign: Campaign, now: datetime) -> str:
    """The day in the campaign's own time zone: daily limits reset at its midnight, not UTC's."""
    return now.astimezone(campaign.zone).date().isoformat()
