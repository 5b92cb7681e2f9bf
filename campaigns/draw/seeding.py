"""Seeded, verifiable uniform numbers.

Play number ``seq`` of a campaign draws ``HMAC-SHA256(seed, "<campaign id>:<seq>")`` cut to 48
bits. The seed comes from ``secrets`` when the campaign first goes live; only its SHA-256 is
published until the end, so no one can predict or choose a number, and afterwards anyone can
recompute every one (``campaigns/draw/verify.py`` does it with the standard library only; the
functions here are that file's, so server and verifier cannot drift apart).

Python computes the numbers ahead in small batches into a Redis hash (the "pool"); the draw
script takes the number of the sequence number it assigns, atomically with the rest of the draw.
"""

from __future__ import annotations

import secrets

from campaigns.draw.verify import UNIFORM_BITS, UNIFORM_SCALE, commitment, uniform

__all__ = ["UNIFORM_BITS", "UNIFORM_SCALE", "commitment", "new_seed", "pool_batch", "uniform"]

POOL_BATCH = 512


def new_seed() -> str:
    return secrets.token_hex(32)


def pool_batch(
    seed_hex: str, campaign_id: int, first_seq: int, count: int = POOL_BATCH, step: int = 1
):
    """Numbers for ``count`` sequence numbers from ``first_seq``, ``step`` apart (a shard of a
    sharded campaign hands out every ``step``-th number)."""
    last = first_seq + count * step
    return {seq: uniform(seed_hex, campaign_id, seq) for seq in range(first_seq, last, step)}
