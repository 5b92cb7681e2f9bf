"""The public play log: every play chained to the one before by SHA-256, in sequence order.

A sharded campaign keeps one chain per shard (shard k of N numbers its plays k+1, k+1+N, ...),
each anchored on the commitment; the audit interleaves them in sequence order.

Plays reach SQL in whatever order the ledger writers' batches commit; this walks them in
``seq`` order behind the newest contiguous entry and fills in ``prev_hash`` and ``entry_hash``.
The first entry's ``prev`` is the seed's published commitment, so the chain is bound to the
seed from the start.
A number that no play stream holds any more and SQL never got (a Redis that lost its data) is
filled in as a "lost" entry once it is clearly abandoned, so the chain can always be completed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import bindparam, func, select, update

from campaigns.core.clock import as_utc, to_ms, utc_naive
from campaigns.draw import seeding, verify
from campaigns.draw.keys import CampaignKeys
from campaigns.ledger import writer
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


def _of_shard(campaign_id: int, shard: int, shards: int) -> list:
    """SQL conditions for one shard's plays: shard k of N numbers its plays k+1, k+1+N, ..."""
    conditions = [Play.campaign_id == campaign_id]
    if shards > 1:
        conditions.append(Play.of_shard(shard, shards))
    return conditions


def shard_head(session, campaign_id: int, shard: int = 0, shards: int = 1):
    last = session.execute(
        select(Play.seq, Play.entry_hash)
        .where(*_of_shard(campaign_id, shard, shards), Play.entry_hash.is_not(None))
        .order_by(Play.seq.desc())
        .limit(1)
    ).first()
    return (last.seq, last.entry_hash) if last else (0, None)


def head(session, campaign: Campaign) -> tuple[int, str | None]:
    """(entries chained, head hash). A sharded campaign has one chain per shard; its head is
    ``verify.joint_head`` of theirs."""
    if campaign.shards == 1:
        return shard_head(session, campaign.id)
    heads = [
        shard_head(session, campaign.id, shard, campaign.shards)[1] or campaign.seed_commitment
        for shard in range(campaign.shards)
    ]
    chained = session.scalar(
        select(func.count()).where(Play.campaign_id == campaign.id, Play.entry_hash.is_not(None))
    )
    return (chained, verify.joint_head(heads)) if chained else (0, None)


def extend(session, redis, campaign: Campaign, now, abandoned_after=ABANDONED_AFTER) -> None:
    """Chain every play that can be chained now, shard by shard."""
    for shard in range(campaign.shards):
        _extend_shard(session, redis, campaign, shard, now, abandoned_after)


def next_link(session, campaign_id: int, commitment: str, shard: int, step: int):
    """(seq, hash) the shard's next entry follows: its newest chained entry, or, with none yet,
    the number before its first and the seed's commitment."""
    seq, prev = shard_head(session, campaign_id, shard, step)
    return (seq or shard + 1 - step), (prev or commitment)


def seal(rows: list[dict], link: tuple[int, str], step: int) -> None:
    """Fill in ``prev_hash`` and ``entry_hash`` of the play rows (one shard's, as the ledger
    writer inserts them) that continue the chain from ``link`` (``next_link``) without a gap,
    so they are inserted chained and ``extend`` has nothing to read back and update. Rows from
    the first gap on (a redelivery, another writer's batch in between) are left to ``extend``.
    The hashes are those ``extend`` would compute from the rows read back from SQL."""
    seq, prev = link
    for row in sorted(rows, key=lambda row: row["seq"]):
        if row["seq"] != seq + step:
            return
        row["prev_hash"] = prev
        prev = row["entry_hash"] = verify.entry_hash(prev, entry(SimpleNamespace(**row)))
        seq = row["seq"]


def _extend_shard(session, redis, campaign: Campaign, shard: int, now, abandoned_after) -> None:
    step = campaign.shards
    seq, prev = next_link(session, campaign.id, campaign.seed_commitment, shard, step)
    while True:
        plays = session.scalars(
            select(Play)
            .where(*_of_shard(campaign.id, shard, step), Play.seq > seq)
            .order_by(Play.seq)
            .limit(BATCH)
        ).all()
        if not plays:
            break
        hashes = []  # written in one executemany UPDATE, not one ORM flush per play
        for play in plays:
            if play.seq != seq + step:
                _set_hashes(session, hashes)
                keys = CampaignKeys(campaign.id, shard, step)
                gap = (seq + step, play)
                if not _fill_gap(session, redis, campaign, keys, *gap, now, abandoned_after):
                    session.commit()
                    return
                break  # gap filled: read again from there
            entry_hash = verify.entry_hash(prev, entry(play))
            hashes.append({"play": play.id, "prev": prev, "hash": entry_hash})
            prev, seq = entry_hash, play.seq
        _set_hashes(session, hashes)
        session.commit()  # expires the plays read, so none shows its old (empty) hashes


_SET_HASHES = (
    update(Play.__table__)
    .where(Play.__table__.c.id == bindparam("play"))
    .values(prev_hash=bindparam("prev"), entry_hash=bindparam("hash"))
)


def _set_hashes(session, hashes: list[dict]) -> None:
    if hashes:
        session.connection().execute(_SET_HASHES, hashes)
        hashes.clear()


def _fill_gap(
    session, redis, campaign, keys, missing_from: int, next_play: Play, now, abandoned_after
) -> bool:
    """Record the shard's numbers ``missing_from .. next_play.seq - 1`` as lost, if abandoned."""
    if as_utc(next_play.created_at) > now - abandoned_after:
        return False  # a request may still be writing it
    waiting = writer.oldest_seq(redis, keys)
    if waiting is not None and waiting < next_play.seq:
        return False  # still in the shard's stream: the ledger writer will write it
    for seq in range(missing_from, next_play.seq, keys.shards):
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
    committed = _go_live_prize_table(session, campaign.id)
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
                "name": committed.get(p.id, {}).get("name", p.name),
                "stock": p.stock,
                "max_stock": max_stock[p.id],
                "probability": committed.get(p.id, {}).get("probability", p.probability),
                "pacing": committed.get(p.id, {}).get("pacing", p.pacing),
            }
            for p in campaign.prizes
        ],
        "commitment": campaign.seed_commitment,
        "seed": campaign.seed if campaign.status == "ended" else None,
        "shards": campaign.shards,
        "head": head_hash,
        "entries": entries,
    }


def _go_live_prize_table(session, campaign_id: int) -> dict[int, dict]:
    """The prize table recorded when the campaign first went live (campaign_admin.prize_table),
    by prize id; empty for a campaign published before it was recorded."""
    first_live = session.scalars(
        select(AuditEntry.after)
        .where(AuditEntry.campaign_id == campaign_id, AuditEntry.action == "status")
        .order_by(AuditEntry.id)
    )
    for after in first_live:
        if (after or {}).get("prizes"):
            return {prize["id"]: prize for prize in after["prizes"]}
    return {}


def audit_lines(session, campaign_id: int):
    """The audit as JSON lines, streamed in batches (a million entries never sit in memory):
    every chained entry in sequence order (a sharded campaign's chains interleave). A response
    body, so it reads the campaign itself through ``session`` (campaigns/web/streaming.py)."""
    campaign = session.get(Campaign, campaign_id)
    entries, head_hash = head(session, campaign)
    yield json.dumps(audit_header(session, campaign, head_hash, entries), ensure_ascii=False) + "\n"
    chained = (Play.campaign_id == campaign_id, Play.entry_hash.is_not(None))
    top = session.scalar(select(func.max(Play.seq)).where(*chained)) or 0
    last = 0
    while True:
        plays = session.scalars(
            select(Play)
            .where(*chained, Play.seq > last, Play.seq <= top)
            .order_by(Play.seq)
            .limit(BATCH)
        ).all()
        if not plays:
            return
        for play in plays:
            line = {**entry(play), "prev": play.prev_hash, "hash": play.entry_hash}
            yield json.dumps(line, separators=(",", ":")) + "\n"
            last = play.seq
        session.expunge_all()
