"""Finishing plays whose request died between the draw and the ledger write.

The draw script adds every decision to the campaign's in-flight sorted set (scored by its time).
Once an entry is a few seconds old its request has either recorded it (most do: the entry is just
trimmed) or died (or gave the play back): then it is written now, as decided (a win stays a win)
or as a void entry, so the ledger and the play log have every sequence number exactly once.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from campaigns.core.clock import to_ms
from campaigns.draw.decision import Decision
from campaigns.draw.keys import CampaignKeys, all_shards
from campaigns.ledger import ledger
from campaigns.models import Play, Player

MIN_AGE_MS = 10_000
BATCH = 500


def sweep(
    session,
    redis,
    campaign_id: int,
    now,
    secret_key: str,
    min_age_ms: int = MIN_AGE_MS,
    shards: int = 1,
) -> int:
    """Write what crashed requests left, trim what was recorded; returns plays written."""
    return sum(
        _sweep_shard(session, redis, keys, now, secret_key, min_age_ms)
        for keys in all_shards(campaign_id, shards)
    )


def _sweep_shard(session, redis, keys: CampaignKeys, now, secret_key: str, min_age_ms) -> int:
    campaign_id = keys.campaign_id
    written = 0
    while True:
        members = redis.zrangebyscore(
            keys.inflight, "-inf", to_ms(now) - min_age_ms, start=0, num=BATCH
        )
        if not members:
            return written
        decisions = [Decision.parse(raw) for raw in members]
        recorded = set(
            session.scalars(
                select(Play.seq).where(
                    Play.campaign_id == campaign_id, Play.seq.in_([d.seq for d in decisions])
                )
            )
        )
        for decision in decisions:
            if decision.seq not in recorded:
                _write(session, campaign_id, decision, secret_key)
                written += 1
        redis.zrem(keys.inflight, *members)


def _write(session, campaign_id: int, decision: Decision, secret_key: str) -> None:
    openid = session.scalar(select(Player.openid).where(Player.id == decision.player_id))
    name = ledger.pseudonym(secret_key, campaign_id, openid or "")
    try:
        ledger.record(session, campaign_id, decision, name)
    except ledger.LedgerConflict:
        # Another play holds one of its numbers (state was rebuilt meanwhile): keep the sequence
        # number as a void entry if it is still free.
        try:
            ledger.record(session, campaign_id, replace(decision, void=True), name)
        except ledger.LedgerConflict:
            pass
