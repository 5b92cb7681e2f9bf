"""Every Redis key name of the draw engine, built here and nowhere else.

All keys of one campaign share the hash tag ``{c:<id>}`` so one script can touch them all on a
Redis Cluster node. ``PREFIX`` keeps our keys apart from RQ's and anyone else's.

A hot campaign with ``shards`` > 1 has one hash tag per shard, ``{c:<id>:<shard>.<salt>}``: each
shard holds its players' counters and its share of the stock, so one campaign spreads over that
many cluster nodes. The salt puts shard k of N in the k-th N-th of the 16,384 cluster slots, the
range ``redis-cli --cluster create`` gives the k-th of N masters. The campaign's own tag still
holds what is campaign-wide: the rebuild lock and page views.
"""

from __future__ import annotations

from functools import cache

from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

PREFIX = "cg"
# The consumer group of the ledger writers on every play stream (CampaignKeys.stream).
WRITER_GROUP = "ledger"


def player_shard(player_id: int, shards: int) -> int:
    """A player always plays on one shard, so their counters and limits live in one place."""
    return player_id % shards


@cache
def shard_tag(campaign_id: int, shard: int, shards: int) -> str:
    if shards == 1:
        return f"c:{campaign_id}"
    salt = 0
    while True:
        tag = f"c:{campaign_id}:{shard}.{salt}"
        if key_slot(tag.encode()) * shards // REDIS_CLUSTER_HASH_SLOTS == shard:
            return tag
        salt += 1


def all_shards(campaign_id: int, shards: int) -> list[CampaignKeys]:
    return [CampaignKeys(campaign_id, shard, shards) for shard in range(shards)]


def for_player(campaign_id: int, player_id: int, shards: int) -> CampaignKeys:
    return CampaignKeys(campaign_id, player_shard(player_id, shards), shards)


class CampaignKeys:
    """The keys of one shard of a campaign (an unsharded campaign is its own single shard)."""

    def __init__(self, campaign_id: int, shard: int = 0, shards: int = 1):
        self.campaign_id = campaign_id
        self.shard = shard
        self.shards = shards
        self.tag = f"{PREFIX}:{{{shard_tag(campaign_id, shard, shards)}}}"

    @property
    def meta(self) -> str:
        """Hash: the campaign's rules as the script needs them, ``ready`` once reconciled."""
        return f"{self.tag}:meta"

    @property
    def awarded(self) -> str:
        """Hash prize id -> highest stock slot handed out."""
        return f"{self.tag}:awarded"

    @property
    def free(self) -> str:
        """Hash prize id -> comma list of slots given back below the highest (rare)."""
        return f"{self.tag}:free"

    @property
    def seq(self) -> str:
        """The campaign's last play sequence number."""
        return f"{self.tag}:seq"

    @property
    def pool(self) -> str:
        """Hash seq -> the seeded uniform number for that upcoming play."""
        return f"{self.tag}:pool"

    @property
    def stream(self) -> str:
        """Redis Stream of this shard's plays: the draw script appends each decision (field
        ``d``) in the same atomic step as the draw; the ledger writer (ledger/writer.py) copies
        them into SQL through the consumer group ``WRITER_GROUP`` and trims what SQL holds."""
        return f"{self.tag}:plays"

    def rate(self, player_id: int) -> str:
        """One player's request count in the current rate-limit window (the draw script
        counts it, so the per-player limit costs no round trip of its own)."""
        return f"{self.tag}:rl:{player_id}"

    @property
    def allot(self) -> str:
        """Sharded only. Hash prize id -> how many stock slots this shard holds (used or not)."""
        return f"{self.tag}:allot"

    @property
    def slots(self) -> str:
        """Sharded only. Hash prize id -> ``base|a-b,c-d``: the shard's local slot numbers
        base+1, base+2, ... are the campaign's stock slots a..b, then c..d (disjoint from every
        other shard's), so SQL's unique (prize, slot) still guards the whole campaign."""
        return f"{self.tag}:slots"

    @property
    def dry(self) -> str:
        """Sharded only. Hash prize id -> 1 once no other shard had stock left to hand over."""
        return f"{self.tag}:dry"

    @property
    def outbox(self) -> str:
        """Sharded only. Hash transfer id -> stock this shard gave away, until the receiving
        shard has it (the periodic sweep finishes a transfer whose process died half-way)."""
        return f"{self.tag}:outbox"

    @property
    def received(self) -> str:
        """Sharded only. Set of transfer ids this shard took in (so a retried one counts once)."""
        return f"{self.tag}:received"

    @property
    def lock(self) -> str:
        """Lock held while rebuilding the campaign's state from SQL (on the campaign's own tag:
        one lock for all its shards)."""
        return f"{PREFIX}:{{{shard_tag(self.campaign_id, 0, 1)}}}:lock"

    @property
    def page_views(self) -> str:
        """Hash hour (ISO, UTC) -> game page views not yet flushed to SQL."""
        return f"{self.tag}:pv"

    @property
    def page_views_flushing(self) -> str:
        """Page views being flushed to SQL (kept if the flush fails, retried next time)."""
        return f"{self.tag}:pv:flushing"

    def player(self, player_id: int) -> str:
        """Hash of one player's counters in this campaign."""
        return f"{self.tag}:p:{player_id}"

    def idempotency(self, player_id: int, key: str) -> str:
        """One player's Idempotency-Key: scoped to the player, so no one else can replay it."""
        return f"{self.tag}:i:{player_id}:{key}"

    def draw_keys(self, player_id: int, idem_key: str) -> list[str]:
        """The draw script's KEYS, in the order draw.lua names them."""
        return [
            self.meta,
            self.awarded,
            self.free,
            self.player(player_id),
            self.idempotency(player_id, idem_key),
            self.seq,
            self.pool,
            self.stream,
            self.allot,
            self.slots,
            self.dry,
            self.rate(player_id),
        ]

    def stock_keys(self) -> list[str]:
        """What a rebuild replaces: everything but players, keys, play streams and page views."""
        return [
            self.meta,
            self.awarded,
            self.free,
            self.seq,
            self.pool,
            self.allot,
            self.slots,
            self.dry,
            self.outbox,
            self.received,
        ]
