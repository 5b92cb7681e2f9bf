"""Moving stock between the shards of a hot campaign (``shards`` > 1, see keys.py).

Each shard holds a share of every prize's stock slots. When a player on one shard draws a prize
whose share there is used up, the draw script asks for more (``need_stock``) and ``borrow`` moves
half of the spare slots of the shard holding the most, in two atomic steps on the two nodes:
``cede.lua`` takes the slots off the giver and parks the transfer in its outbox, ``receive.lua``
adds them to the taker once (by transfer id). A process that dies between the two leaves the
transfer in the outbox, and ``settle`` (run by the periodic sweep) delivers it: slots are never
lost, and never held by two shards, so the campaign-wide awards still never exceed stock. When no
shard has any left, the prize is marked dry on the asking shard (for this epoch) and plays there
lose it without asking again.
"""

from __future__ import annotations

import json
import secrets

from campaigns.draw.keys import CampaignKeys, all_shards

# A transfer still in an outbox after this long lost its process: the sweep delivers it.
STALE_TRANSFER_MS = 10_000


def spare(redis, keys: CampaignKeys, prize_id: str) -> int:
    """Slots of the prize this shard holds and has not handed out."""
    held = redis.hget(keys.allot, prize_id)
    used = redis.hget(keys.awarded, prize_id)
    return int(held or 0) - int(used or 0)


def borrow(redis, scripts, taker: CampaignKeys, prize_id: str, now_ms: int) -> bool:
    """Bring stock of ``prize_id`` to the shard ``taker``; False (and dry) when none is left."""
    epoch = redis.hget(taker.meta, "epoch")
    if epoch is None:
        return False
    givers = [k for k in all_shards(taker.campaign_id, taker.shards) if k.shard != taker.shard]
    by_spare = sorted(((spare(redis, k, prize_id), k.shard, k) for k in givers), reverse=True)
    for available, _, giver in by_spare:
        if available <= 0:
            break
        transfer_id = secrets.token_hex(8)
        ranges = scripts.cede(
            keys=[giver.meta, giver.awarded, giver.allot, giver.slots, giver.outbox],
            args=[prize_id, epoch, transfer_id, taker.shard, now_ms],
        )
        if ranges:
            count = sum(_range_size(r) for r in ranges.decode().split(","))
            _deliver(redis, scripts, giver, taker, transfer_id, prize_id, epoch, ranges, count)
            return True
    # Marked for this epoch only: a rebuild (after a stock change, say) starts over.
    redis.hset(taker.dry, prize_id, epoch)
    return False


def settle(redis, scripts, campaign_id: int, shards: int, now_ms: int) -> int:
    """Deliver transfers whose process died between giving and taking; returns how many."""
    if shards == 1:
        return 0
    delivered = 0
    for giver in all_shards(campaign_id, shards):
        for transfer_id, raw in redis.hgetall(giver.outbox).items():
            transfer = json.loads(raw)
            if int(transfer["at"]) > now_ms - STALE_TRANSFER_MS:
                continue
            taker = CampaignKeys(campaign_id, transfer["to"], shards)
            _deliver(
                redis,
                scripts,
                giver,
                taker,
                transfer_id.decode(),
                transfer["prize"],
                transfer["epoch"],
                transfer["ranges"],
                transfer["count"],
            )
            delivered += 1
    return delivered


def _deliver(redis, scripts, giver, taker, transfer_id, prize_id, epoch, ranges, count) -> None:
    scripts.receive(
        keys=[taker.meta, taker.allot, taker.slots, taker.received, taker.dry],
        args=[prize_id, epoch, transfer_id, ranges, count],
    )
    redis.hdel(giver.outbox, transfer_id)


def _range_size(text: str) -> int:
    low, high = text.split("-")
    return int(high) - int(low) + 1
