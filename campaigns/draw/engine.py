"""Deciding a play: the draw script plus what it asks for (a rebuild, a player's counters, seeded
numbers). Plain functions of a SQL session, a Redis client and a moment; no Flask here."""

from __future__ import annotations

import secrets
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

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, no 0/O/1/I
CODE_LENGTH = 16  # 80 bits


def new_redemption_code() -> str:
    """A redemption code from the OS's cryptographic RNG: 16 of 32 symbols (80 bits)."""
    raw = "".join(CODE_ALPHABET[b & 31] for b in secrets.token_bytes(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


REDIS_DOWN = (redis_lib.ConnectionError, redis_lib.TimeoutError, redis_lib.BusyLoadingError)


class Engine:
    """The draw engine bound to the counters Redis. One per app; cheap to share across threads."""

    # Called as f(session, redis, campaign_id) under the rebuild lock before a campaign's state
    # is rebuilt from SQL: the ledger writer's drain (set by the app), so SQL holds every play
    # its streams still hold first (the draw room cannot import the ledger's).
    before_rebuild = None

    def __init__(
        self,
        redis,
        idempotency_ttl: int,
        backlog_max: int = 0,
        wait_replicas: int = 0,
        wait_ms: int = 200,
    ):
        self.redis = redis
        self.scripts = Scripts(redis)
        self.idempotency_ttl = idempotency_ttl
        # Plays a campaign may hold in its streams not yet in SQL (0: no bound); past it the
        # script refuses with ``unavailable`` (split evenly between a sharded campaign's shards).
        self.backlog_max = backlog_max
        # COUNTERS_WAIT_REPLICAS: a decision is answered only once this many replicas hold it
        # (WAIT after the script), so a failover to a replica cannot lose an acknowledged play.
        self.wait_replicas = wait_replicas
        self.wait_ms = wait_ms
        self.on_cluster = hasattr(redis, "get_node_from_key")  # a Redis Cluster client

    def _draw(self, draw_keys: list[str], args: list):
        """One call of the draw script, followed (COUNTERS_WAIT_REPLICAS) by WAIT on the same
        node: in the same pipeline on a single Redis, right after it on a cluster (WAIT has no
        key to route by, so it goes to the node holding the script's keys). A decision that not
        enough replicas acknowledged in ``wait_ms`` is not answered: it is kept (the primary holds
        it), so the player's retry with the same Idempotency-Key replays it once replicated."""
        if not self.wait_replicas:
            return self.scripts.draw(keys=draw_keys, args=args)
        wait = ("WAIT", self.wait_replicas, self.wait_ms)
        if self.on_cluster:
            result = self.scripts.draw(keys=draw_keys, args=args)
            node = self.redis.get_node_from_key(draw_keys[0])
            acked = self.redis.execute_command(*wait, target_nodes=node)
        else:
            pipe = self.redis.pipeline(transaction=False)
            self.scripts.draw(keys=draw_keys, args=args, client=pipe)
            pipe.execute_command(*wait)
            result, acked = pipe.execute()
        if result[0] in (b"ok", b"replay") and int(acked) < self.wait_replicas:
            raise DomainError(
                ErrorCode.UNAVAILABLE, "The play is not yet replicated; please retry."
            )
        return result

    def decide(
        self,
        session,
        campaign: Campaign,
        player_id: int,
        idem_key: str,
        now: datetime,
        eligible: bool = True,
        **options,
    ) -> Decision:
        """Run the draw script until it decides, refuses, or replays a stored decision."""
        return self.decide_or_replay(
            session, campaign, player_id, idem_key, now, eligible, **options
        )[0]

    def decide_or_replay(
        self,
        session,
        campaign: Campaign,
        player_id: int,
        idem_key: str,
        now: datetime,
        eligible: bool = True,
        pseudonym: str = "",
        rate: tuple[int, int] | None = None,
    ) -> tuple[Decision, bool]:
        """Like ``decide``; the flag is True for a new decision, False for a stored one.

        ``pseudonym`` is the player's name in the public log (ledger.pseudonym); ``rate`` is
        (requests, window in ms) of the per-player limit the script enforces, None for none.
        The decision is in the shard's play stream when this returns (see draw.lua)."""
        keys = for_player(campaign.id, player_id, campaign.shards)
        args = self.draw_args(campaign, player_id, idem_key, now, eligible, pseudonym, rate)
        for _ in range(MAX_ROUNDS):
            kind, *rest = self._draw(keys.draw_keys(player_id, idem_key), args)
            args[-1] = 0  # later rounds of the same play are not counted against the rate limit
            if kind in (b"ok", b"replay"):
                return Decision.parse(rest[0]), kind == b"ok"
            if kind == b"refused":
                code = ErrorCode(rest[0].decode())
                if code is ErrorCode.RATE_LIMITED:
                    raise DomainError(code, retry_after=max(1, -(-int(rest[1]) // 1000)))
                if code is ErrorCode.UNAVAILABLE:
                    raise DomainError(
                        code, "Too many plays are waiting to be written; please retry."
                    )
                raise DomainError(code)
            if kind == b"reconcile":
                state.rebuild(session, self.redis, campaign.id, keys.shard, self.before_rebuild)
            elif kind == b"load_player":
                state.load_player(
                    session,
                    self.redis,
                    self.scripts,
                    campaign,
                    keys,
                    player_id,
                    local_day(campaign, now),  # as draw_args gives it; rare here
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

    def draw_args(
        self,
        campaign: Campaign,
        player_id: int,
        idem_key: str,
        now: datetime,
        eligible: bool = True,
        pseudonym: str = "",
        rate: tuple[int, int] | None = None,
    ) -> list:
        """The draw script's ARGV for one play's first round (draw.lua names them)."""
        allowed, window_ms = rate or (0, 1000)
        return [
            to_ms(now),
            local_day(campaign, now),
            player_id,
            idem_key,
            self.idempotency_ttl,
            state.player_ttl(campaign, now),
            1 if eligible else 0,
            new_redemption_code(),
            pseudonym,
            allowed,
            window_ms,
            -(-self.backlog_max // campaign.shards) if self.backlog_max else 0,
            1,
        ]

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
