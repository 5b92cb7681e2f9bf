"""The ledger writer's mechanics: play streams in, SQL rows out, exactly once.

The draw script appends every decision to its shard's Redis Stream (``CampaignKeys.stream``) in
the same atomic step as the draw, and the play is answered from that. Writers copy the streams
into SQL through one consumer group (``keys.WRITER_GROUP``):

1. ``XREADGROUP`` a batch of hundreds (or ``XAUTOCLAIM`` what a writer that went quiet read);
2. one transaction of multi-row ``INSERT ... ON CONFLICT DO NOTHING``: rows are keyed by
   (campaign, sequence), so a batch delivered twice writes nothing twice;
3. ``XACK`` after the commit, then ``XTRIM MINID`` up to the oldest entry no writer has
   acknowledged: a stream holds only what SQL may not hold yet, so its length is the backlog.

A writer killed anywhere in between loses nothing: its unacknowledged entries stay pending in
the group and another writer (or itself, restarted) claims them. Several writers may run.
What follows newly inserted wins (their notices) is the caller's ``on_wins``, given each batch's
wins that this writer inserted, so each win once (campaigns/jobs/ledger_writer.py).
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
from dataclasses import dataclass

import redis as redis_lib
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from campaigns.draw.decision import Decision
from campaigns.draw.keys import WRITER_GROUP, CampaignKeys, all_shards
from campaigns.ledger.ledger import moment
from campaigns.models import Play, Win

log = logging.getLogger(__name__)


@functools.cache
def _statements(dialect: str):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING, for plays and wins, in the dialect's form."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    plays, wins = Play.__table__, Win.__table__
    return (
        insert(plays)
        .on_conflict_do_nothing()
        .returning(plays.c.id, plays.c.campaign_id, plays.c.seq),
        insert(wins).on_conflict_do_nothing().returning(wins.c.id, wins.c.play_id),
    )


@dataclass(frozen=True)
class NewWin:
    """A win this writer's batch inserted (what the win's follow-up work needs)."""

    id: int
    campaign_id: int
    play_id: int
    prize_id: int
    player_id: int
    seq: int


@dataclass(frozen=True)
class Entry:
    stream_id: bytes
    campaign_id: int
    decision: Decision


def consumer_name() -> str:
    """This process's name in the consumer group (host and pid: a restart is a new consumer,
    and the entries the old one held are claimed once idle)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def forget_idle_consumers(redis, keys: CampaignKeys, idle_ms: int) -> int:
    """Remove consumers that hold nothing and were idle ``idle_ms`` (writers long gone), so the
    group does not collect one per process that ever wrote."""
    try:
        consumers = redis.xinfo_consumers(keys.stream, WRITER_GROUP)
    except redis_lib.ResponseError:
        return 0
    gone = [c["name"] for c in consumers if not c["pending"] and c["idle"] >= idle_ms]
    for name in gone:
        redis.xgroup_delconsumer(keys.stream, WRITER_GROUP, name)
    return len(gone)


def ensure_group(redis, keys: CampaignKeys) -> None:
    """The writers' group on the shard's stream, from the stream's first entry (made empty if
    no play was drawn yet; a Redis that lost its data gets it again on the next read)."""
    try:
        redis.xgroup_create(keys.stream, WRITER_GROUP, id="0", mkstream=True)
    except redis_lib.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _entries(keys: CampaignKeys, raw) -> list[Entry]:
    out = []
    for stream_id, fields in raw:
        if fields is None:  # deleted from the stream while pending (XAUTOCLAIM on Redis 6.2)
            continue
        out.append(Entry(stream_id, keys.campaign_id, Decision.parse(fields[b"d"])))
    return out


def _read_group(redis, keys: CampaignKeys, consumer: str, count: int, start: str):
    """XREADGROUP from ``start`` (">": new entries, "0": this consumer's pending ones); None
    when the stream has no writers' group yet."""
    try:
        answer = redis.xreadgroup(WRITER_GROUP, consumer, {keys.stream: start}, count=count)
    except redis_lib.ResponseError as exc:
        if "NOGROUP" not in str(exc):
            raise
        return None
    return _entries(keys, answer[0][1]) if answer else []


def read(redis, keys: CampaignKeys, consumer: str, count: int) -> list[Entry]:
    """New entries of one shard's stream for this consumer (pending until acknowledged)."""
    entries = _read_group(redis, keys, consumer, count, ">")
    if entries is None:
        ensure_group(redis, keys)
    return entries or []


def read_own_pending(redis, keys: CampaignKeys, consumer: str, count: int) -> list[Entry]:
    """Entries this consumer read and has not acknowledged (a failed batch, retried)."""
    return _read_group(redis, keys, consumer, count, "0") or []


def claim(redis, keys: CampaignKeys, consumer: str, min_idle_ms: int, count: int) -> list[Entry]:
    """Take over entries another writer read and left unacknowledged for ``min_idle_ms``."""
    try:
        answer = redis.xautoclaim(
            keys.stream, WRITER_GROUP, consumer, min_idle_time=min_idle_ms, count=count
        )
    except redis_lib.ResponseError as exc:
        if "NOGROUP" not in str(exc):
            raise
        return []
    return _entries(keys, answer[1])


def write(session, entries: list[Entry], seal=None) -> list[NewWin]:
    """Insert the entries' plays and wins in one transaction and commit. Entries already in
    SQL (a redelivery) are skipped; returns the wins this call inserted. ``seal(rows)`` may
    fill in the rows' hash-chain columns first (chain.seal: the ledger writer's loop)."""
    if not entries:
        return []
    insert_play, insert_win = _statements(session.get_bind().dialect.name)
    rows = [_play_row(entry) for entry in entries]
    if seal is not None:
        seal(rows)
    by_key = {(entry.campaign_id, entry.decision.seq): entry for entry in entries}
    connection = session.connection()
    table = Play.__table__
    # One statement, compiled once: SQLAlchemy sends the rows as multi-row INSERTs
    # ("insertmanyvalues"), and RETURNING names only the rows inserted, not those skipped.
    inserted = [tuple(row) for row in connection.execute(insert_play, rows)]
    if len(inserted) < len(rows):
        row_of = {(row["campaign_id"], row["seq"]): row for row in rows}
        inserted += _insert_reused_keys(connection, insert_play, row_of, inserted)
    win_rows = []
    for play_id, campaign_id, seq in inserted:
        decision = by_key[(campaign_id, seq)].decision
        if decision.prize_id and not decision.void:
            win_rows.append(_win_row(play_id, campaign_id, decision))
    wins: list[NewWin] = []
    if win_rows:
        made = dict(
            (play_id, win_id) for win_id, play_id in connection.execute(insert_win, win_rows)
        )
        refused = [row["play_id"] for row in win_rows if row["play_id"] not in made]
        if refused:
            # SQL already holds the slot (a Redis state rebuilt behind SQL): no second winner.
            log.error("win rows refused (slot or win number taken) for plays %s", refused)
            connection.execute(update(table).where(table.c.id.in_(refused)).values(outcome="void"))
            # Sealed as wins: the batch's chain is left for chain.extend to compute again.
            connection.execute(
                update(table)
                .where(table.c.id.in_([play_id for play_id, _, _ in inserted]))
                .values(prev_hash=None, entry_hash=None)
            )
        for row in win_rows:
            if row["play_id"] in made:
                seq = next(s for p, _, s in inserted if p == row["play_id"])
                wins.append(
                    NewWin(
                        made[row["play_id"]],
                        row["campaign_id"],
                        row["play_id"],
                        row["prize_id"],
                        row["player_id"],
                        seq,
                    )
                )
    if len(inserted) < len(rows):
        present = {(c, s) for _, c, s in inserted}
        skipped = [k for k in by_key if k not in present]
        log.debug("%d entries already in SQL (redelivered): %s", len(skipped), skipped[:5])
    session.commit()
    return wins


def _insert_reused_keys(connection, insert_play, row_of: dict, inserted: list) -> list[tuple]:
    """Entries skipped by ON CONFLICT that SQL does not hold by (campaign, seq) are not
    redeliveries: a player sent an Idempotency-Key again after Redis forgot it (its lifetime,
    IDEMPOTENCY_TTL_SECONDS), the script drew a new play, and SQL's (campaign, player, key)
    already names the earlier one. The new play happened (its stock and counts are used, the
    player saw it): it is written under the key with its sequence number appended, so the ledger
    has no gap and the earlier play keeps its key."""
    present = {(c, s) for _, c, s in inserted}
    skipped = [k for k in row_of if k not in present]
    table = Play.__table__
    held = set()
    for campaign_id in {c for c, _ in skipped}:
        seqs = [s for c, s in skipped if c == campaign_id]
        held |= {
            (campaign_id, seq)
            for (seq,) in connection.execute(
                select(table.c.seq).where(table.c.campaign_id == campaign_id, table.c.seq.in_(seqs))
            )
        }
    missing = [k for k in skipped if k not in held]
    if not missing:
        return []
    rows = []
    for key in missing:
        row = dict(row_of[key])  # its hashes too: the key is not part of the public entry
        suffix = f"~{key[1]}"
        row["idempotency_key"] = row["idempotency_key"][: 64 - len(suffix)] + suffix
        rows.append(row)
    again = [tuple(row) for row in connection.execute(insert_play, rows)]
    log.warning("%d plays reused an expired Idempotency-Key; written under key~seq", len(again))
    if len(again) < len(rows):
        log.error("plays refused by SQL though not in it: %s", missing[:5])
    return again


def _play_row(entry: Entry) -> dict:
    d = entry.decision
    return {
        "campaign_id": entry.campaign_id,
        "player_id": d.player_id,
        "seq": d.seq,
        "idempotency_key": d.idempotency_key,
        "created_at": moment(d),
        "day": d.day,
        "player_seq": d.player_seq,
        "day_seq": d.day_seq,
        "outcome": "void" if d.void else ("win" if d.prize_id else "lose"),
        "eligible": d.eligible,
        "prize_id": d.prize_id,
        "uniform": d.uniform,
        "stock_before": d.stock_before or {},
        "pseudonym": d.pseudonym,
        "plays_left_today": d.plays_left_today,
        "prev_hash": None,  # filled in by a seal, else later by chain.extend
        "entry_hash": None,
    }


def _win_row(play_id: int, campaign_id: int, d: Decision) -> dict:
    return {
        "play_id": play_id,
        "campaign_id": campaign_id,
        "prize_id": d.prize_id,
        "player_id": d.player_id,
        "slot": d.slot,
        "player_win_no": d.player_win_no,
        "code": d.code,
        "created_at": moment(d),
        "notice_status": "pending",
        "notice_attempts": 0,
    }


def acknowledge(redis, keys: CampaignKeys, entries: list[Entry]) -> None:
    """After the commit: the entries are done, and the stream forgets what SQL holds."""
    if not entries:
        return
    redis.xack(keys.stream, WRITER_GROUP, *[entry.stream_id for entry in entries])
    trim(redis, keys)


def trim(redis, keys: CampaignKeys) -> None:
    """Drop the entries every writer has acknowledged: those before the oldest pending one, or,
    with none pending, everything delivered so far. Never an entry SQL may not hold."""
    try:
        pending = redis.xpending(keys.stream, WRITER_GROUP)
        if pending["pending"]:
            first = pending["min"]
        else:
            groups = redis.xinfo_groups(keys.stream)
            last = next(
                g["last-delivered-id"] for g in groups if g["name"] == WRITER_GROUP.encode()
            )
            first = _next_id(last)
    except (redis_lib.ResponseError, StopIteration):
        return
    redis.xtrim(keys.stream, minid=first, approximate=False)


def _next_id(stream_id: bytes) -> str:
    ms, _, n = stream_id.decode().partition("-")
    return f"{ms}-{int(n or 0) + 1}"


def drain(
    session,
    redis,
    keys: CampaignKeys,
    consumer: str,
    count: int,
    on_wins=None,
    claim_idle_ms: int | None = None,
    seal=None,
) -> int:
    """Write everything a shard's stream holds now (its own pending entries first, then, with
    ``claim_idle_ms``, other writers' idle ones, then new ones); returns plays read. ``seal``
    goes to each batch's ``write``."""
    ensure_group(redis, keys)
    total = 0
    sources = [lambda: read_own_pending(redis, keys, consumer, count)]
    if claim_idle_ms is not None:
        sources.append(lambda: claim(redis, keys, consumer, claim_idle_ms, count))
    sources.append(lambda: read(redis, keys, consumer, count))
    for source in sources:
        while True:
            entries = source()
            if not entries:
                break
            wins = write(session, entries, seal)
            if on_wins is not None:
                on_wins(wins)
            acknowledge(redis, keys, entries)
            total += len(entries)
            if len(entries) < count:
                break
    return total


@dataclass(frozen=True)
class Backlog:
    """What a campaign's streams hold not yet in SQL, and how old the oldest of it is."""

    campaign_id: int
    plays: int
    oldest_ms: int | None  # Redis time of the oldest play not yet written (None: none)

    def waited_ms(self, now_ms: int) -> int | None:
        """How long the oldest unwritten play has waited at Redis time ``now_ms``."""
        return None if self.oldest_ms is None else max(0, now_ms - self.oldest_ms)


def backlog(redis, campaign_id: int, shards: int) -> Backlog:
    plays, oldest = 0, None
    for keys in all_shards(campaign_id, shards):
        plays += redis.xlen(keys.stream)
        first = redis.xrange(keys.stream, count=1)
        if first:
            ms = int(first[0][0].split(b"-")[0])
            oldest = ms if oldest is None else min(oldest, ms)
    return Backlog(campaign_id, plays, oldest)


def oldest_seq(redis, keys: CampaignKeys) -> int | None:
    """The sequence number of the oldest play of the shard not yet known to be in SQL."""
    first = redis.xrange(keys.stream, count=1)
    return Decision.parse(first[0][1][b"d"]).seq if first else None


def redis_time_ms(redis) -> int:
    seconds, micros = redis.time()
    return seconds * 1000 + micros // 1000


class CountersRedisUnsafe(RuntimeError):
    """The counters Redis may drop plays (eviction) or lose them on a crash (no AOF)."""


def check_counters_redis(redis) -> None:
    """Refuse to start on a counters Redis that may evict keys or keeps no append-only file.
    A Redis that cannot be reached now is not refused (the play path answers 503 meanwhile)."""
    try:
        memory = redis.info("memory")
        persistence = redis.info("persistence")
    except (redis_lib.ConnectionError, redis_lib.TimeoutError, redis_lib.BusyLoadingError):
        log.warning("counters Redis unreachable at start; its settings were not checked")
        return
    nodes = [memory] if "maxmemory_policy" in memory else list(memory.values())
    aof = [persistence] if "aof_enabled" in persistence else list(persistence.values())
    policies = {node.get("maxmemory_policy") for node in nodes}
    if policies != {"noeviction"}:
        raise CountersRedisUnsafe(
            f"the counters Redis must run maxmemory-policy noeviction (it has {policies}): "
            "an evicted play stream loses plays"
        )
    if any(int(node.get("aof_enabled", 0)) != 1 for node in aof):
        raise CountersRedisUnsafe(
            "the counters Redis must run appendonly yes: its play streams are the only copy of "
            "a play until the ledger writer has written it to SQL"
        )


def wait_ms(poll_ms: int) -> None:
    time.sleep(poll_ms / 1000)
