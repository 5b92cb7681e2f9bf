"""Every Redis key name of the draw engine, built here and nowhere else.

All keys of one campaign share the hash tag ``{c:<id>}`` so one script can touch them all on a
Redis Cluster node. ``PREFIX`` keeps our keys apart from RQ's and anyone else's.
"""

from __future__ import annotations

PREFIX = "cg"


class CampaignKeys:
    def __init__(self, campaign_id: int):
        self.campaign_id = campaign_id
        self.tag = f"{PREFIX}:{{c:{campaign_id}}}"

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
    def inflight(self) -> str:
        """Sorted set of recent decisions scored by time: the sweeper writes any that a crashed
        request never recorded, and trims the rest in bulk (no extra round trip per play)."""
        return f"{self.tag}:inflight"

    @property
    def lock(self) -> str:
        """Lock held while rebuilding the campaign's state from SQL."""
        return f"{self.tag}:lock"

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
        return [
            self.meta,
            self.awarded,
            self.free,
            self.player(player_id),
            self.idempotency(player_id, idem_key),
            self.seq,
            self.pool,
            self.inflight,
        ]


def rq_prefix() -> str:
    return f"{PREFIX}:rq"
