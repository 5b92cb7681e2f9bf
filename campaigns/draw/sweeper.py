"""Finishing plays whose request died between the draw and the ledger write.

The draw script keeps every decision in the campaign's in-flight hash until the ledger has it.
An entry older than a few seconds belongs to a request that crashed (or gave the play back):
write it now, as decided (a win stays a win) or as a void entry, so the ledger and the play log
have every sequence number exactly once.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from campaigns import ledger
from campaigns.clock import to_ms
from campaigns.draw.decision import Decision
from campaigns.draw.keys import CampaignKeys
from campaigns.models import Player

MIN_AGE_MS = 10_000


def sweep(
    session, redis, campaign_id: int, now, secret_key: str, min_age_ms: int = MIN_AGE_MS
) -> int:
    keys = CampaignKeys(campaign_id)
    written = 0
    for seq, raw in redis.hgetall(keys.inflight).items():
        decision = Decision.parse(raw)
        if decision.at_ms > to_ms(now) - min_age_ms:
            continue
        if ledger.find_play(session, campaign_id, decision.seq) is None:
            openid = session.scalar(select(Player.openid).where(Player.id == decision.player_id))
            name = ledger.pseudonym(secret_key, campaign_id, openid or "")
            try:
                ledger.record(session, campaign_id, decision, name)
            except ledger.LedgerConflict:
                # Another play holds one of its numbers (state was rebuilt meanwhile): keep the
                # sequence number as a void entry if it is still free.
                try:
                    ledger.record(session, campaign_id, replace(decision, void=True), name)
                except ledger.LedgerConflict:
                    pass
            written += 1
        redis.hdel(keys.inflight, seq)
    return written
