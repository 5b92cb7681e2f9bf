"""Deciding a play: the draw script plus what it asks for (a rebuild, a player's counters, seeded
numbers). Plain functions of a SQL session, a Redis client and a moment; no Flask here."""

from __future__ import annotations

from datetime import datetime

import redis as redis_lib

from campaigns.clock import to_ms
from campaigns.draw import seeding, state
from campaigns.draw.decision import Decision
from campaigns.draw.keys import CampaignKeys
from campaigns.draw.scripts import Scripts
from campaigns.errors import DomainError, ErrorCode
from campaigns.models import Campaign

# Rebuild, player load and pool refill each take at most one round; a few spare for races.
MAX_ROUNDS = 8

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
        keys = CampaignKeys(campaign.id)
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
                state.rebuild(session, self.redis, campaign.id)
            elif kind == b"load_player":
                state.load_player(
                    session,
                    self.redis,
                    self.scripts,
                    campaign,
                    player_id,
                    day,
                    now,
                    self.idempotency_ttl,
                )
            elif kind == b"need_pool":
                if not campaign.seed:  # a snapshot from before the campaign went live
                    session.refresh(campaign, ["seed"])
                self.fill_pool(campaign, int(rest[0]))
        raise DomainError(ErrorCode.UNAVAILABLE, "The draw did not settle; please retry.")

    def fill_pool(
        self, campaign: Campaign, first_seq: int, count: int = seeding.POOL_BATCH
    ) -> None:
        if not campaign.seed:
            raise DomainError(ErrorCode.NOT_LIVE)
        batch = seeding.pool_batch(campaign.seed, campaign.id, first_seq, count)
        self.redis.hset(CampaignKeys(campaign.id).pool, mapping=batch)

    def give_back(self, campaign_id: int, decision: Decision) -> bool:
        """Withdraw a decision whose ledger write failed (see give_back.lua)."""
        keys = CampaignKeys(campaign_id)
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

    def force_rebuild(self, campaign_id: int, epoch: str) -> None:
        """SQL refused a number Redis handed out: Redis is behind SQL, rebuild before going on."""
        keys = CampaignKeys(campaign_id)
        if self.redis.hget(keys.meta, "epoch") == epoch.encode():
            self.redis.hdel(keys.meta, "ready")


def local_day(campaign: Campaign, now: datetime) -> str:
    """The day in the campaign's own time zone: daily limits reset at its midnight, not UTC's."""
    return now.astimezone(campaign.zone).date().isoformat()
