"""The public play log: every play chained to the one before by SHA-256, in sequence order.

Plays reach SQL in whatever order their requests finish; this walks them in ``seq`` order behind
the newest contiguous entry and fills in ``prev_hash`` and ``entry_hash``. The first entry's
``prev`` is the seed's published commitment, so the chain is bound to the seed from the start.
A number that a crash consumed and nobody recorded is filled in as a "lost" entry once it is
clearly abandoned, so the chain can always be completed.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from campaigns import verify
from campaigns.clock import as_utc, to_ms, utc_naive
from campaigns.draw import seeding
from campaigns.draw.decision import Decision
from campaigns.draw.keys import CampaignKeys
from campaigns.models import AuditEntry, Campaign, Play

BATCH = 1000
ABANDONED_AFTER = timedelta(seconds=60)


def entry(play: Play) -> dict:
    """The log entry of one play, as published (never the openid nor a redemption code)."""
    return {
        "seq": play.seq,
        "at": to_ms(as_utc(play.created_at)),
        "pseudonym": play.pseudonym,
        "u": play.uniform,
        "outcome": play.outcome,
        "eligible": play.eligible,
        "prize_id": play.prize_id,
        "stock_before": play.stock_before,
    }


def head(session, campaign_id: int) -> tuple[int, str | None]:
    last = session.execute(
        select(Play.seq, Play.entry_hash)
        .where(Play.campaign_id == campaign_id, Play.entry_hash.is_not(None))
        .order_by(Play.seq.desc())
        .limit(1)
    ).first()
    return (last.seq, last.entry_hash) if last else (0, None)


def extend(
    session, redis, campaign: Campaign, now, abandoned_after=ABANDONED_AFTER
) -> tuple[int, str]:
    """Chain every play that can be chained now; returns the new head (seq, hash)."""
    seq, prev = head(session, campaign.id)
    prev = prev or campaign.seed_commitment
    while True:
        plays = session.scalars(
            select(Play)
            .where(Play.campaign_id == campaign.id, Play.seq > seq)
            .order_by(Play.seq)
            .limit(BATCH)
        ).all()
        if not plays:
            break
        for play in plays:
            if play.seq != seq + 1:
                if not _fill_gap(session, redis, campaign, seq + 1, play, now, abandoned_after):
                    session.commit()
                    return seq, prev
                break  # gap filled: read again from there
            play.prev_hash = prev
            prev = play.entry_hash = verify.entry_hash(prev, entry(play))
            seq = play.seq
        session.commit()
    return seq, prev


def _fill_gap(
    session, redis, campaign, missing_from: int, next_play: Play, now, abandoned_after
) -> bool:
    """Record numbers ``missing_from .. next_play.seq - 1`` as lost, if they are abandoned."""
    if as_utc(next_play.created_at) > now - abandoned_after:
        return False  # a request may still be writing it
    in_flight = redis.zrange(CampaignKeys(campaign.id).inflight, 0, -1)
    if any(missing_from <= Decision.parse(raw).seq < next_play.seq for raw in in_flight):
        return False  # the sweeper will write it
    for seq in range(missing_from, next_play.seq):
        session.add(
            Play(
                campaign_id=campaign.id,
                player_id=None,
                seq=seq,
                idempotency_key=f"lost-{seq}",
                created_at=utc_naive(now),
                day="",
                player_seq=0,
                day_seq=0,
                outcome="lost",
                prize_id=None,
                uniform=seeding.uniform(campaign.seed, campaign.id, seq),
                stock_before={},
                pseudonym="",
            )
        )
    session.flush()
    return True


def audit_header(session, campaign: Campaign, head_hash: str | None, entries: int) -> dict:
    max_stock = {p.id: p.stock for p in campaign.prizes}
    for before in session.scalars(
        select(AuditEntry.before).where(
            AuditEntry.campaign_id == campaign.id, AuditEntry.action == "update"
        )
    ):
        for prize in (before or {}).get("prizes", []):
            if prize.get("id") in max_stock:
                max_stock[prize["id"]] = max(max_stock[prize["id"]], prize["stock"])
    return {
        "format": verify.FORMAT,
        "campaign_id": campaign.id,
        "name": campaign.name,
        "game": campaign.game,
        "starts_ms": to_ms(campaign.starts_utc),
        "ends_ms": to_ms(campaign.ends_utc),
        "wins_per_user_total": campaign.wins_per_user_total,
        "prizes": [
            {
                "id": p.id,
                "name": p.name,
                "stock": p.stock,
                "max_stock": max_stock[p.id],
                "probability": p.probability,
                "pacing": p.pacing,
            }
            for p in campaign.prizes
        ],
        "commitment": campaign.seed_commitment,
        "seed": campaign.seed if campaign.status == "ended" else None,
        "head": head_hash,
        "entries": entries,
    }


def audit_lines(session, campaign: Campaign):
    """The audit as JSON lines, streamed in batches (a million entries never sit in memory)."""
    seq, head_hash = head(session, campaign.id)
    yield json.dumps(audit_header(session, campaign, head_hash, seq), ensure_ascii=False) + "\n"
    last = 0
    while last < seq:
        plays = session.scalars(
            select(Play)
            .where(Play.campaign_id == campaign.id, Play.seq > last, Play.seq <= seq)
            .order_by(Play.seq)
            .limit(BATCH)
        ).all()
        for play in plays:
            line = {**entry(play), "prev": play.prev_hash, "hash": play.entry_hash}
            yield json.dumps(line, separators=(",", ":")) + "\n"
            last = play.seq
        session.expunge_all()
