"""The ledger writer's loop: every published campaign's play streams drained into SQL.

Run by the worker (``flask --app wsgi worker`` starts ``flask --app wsgi ledger-writer`` beside
RQ and starts it again should it die; campaigns/web/worker.py). The mechanics, and why a writer
killed anywhere loses nothing and writes nothing twice, are in campaigns/ledger/writer.py. After
each batch the campaign's hash chain is extended, and each newly inserted win gets what follows
a win (``won``): its WeChat notice, enqueued once the Win row is committed.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from sqlalchemy import select
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLTimeoutError

from campaigns.core import services
from campaigns.core.services import redis_clients
from campaigns.draw.engine import REDIS_DOWN
from campaigns.draw.keys import all_shards
from campaigns.ledger import chain, writer
from campaigns.models import Campaign
from campaigns.wechat import notices

log = logging.getLogger(__name__)

# How often the list of published campaigns (whose streams are read) is read again: a newly
# published campaign's first plays wait at most this long for the writer.
CAMPAIGNS_EVERY_S = 0.5
# How often other writers' idle entries are looked for.
CLAIM_EVERY_S = 1.0
# How often, and after how long idle, consumers holding nothing leave the group.
FORGET_EVERY_S = 60.0
FORGET_IDLE_MS = 3_600_000

# What fails a whole pass rather than one campaign's part of it: the database or Redis out of
# reach (or SQLite's write lock held too long), which every campaign would meet alike.
UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError, SQLTimeoutError, *REDIS_DOWN)


def drain_consumer() -> str:
    """One consumer name per host for the synchronous drains (sweep, rebuild): a new name per
    process would leave a consumer in the group for every work horse the sweep ever ran in."""
    return f"drain-{socket.gethostname()}"


def won(win: writer.NewWin) -> None:
    """Called once for each win a ledger writer has just inserted (and committed), before its
    notice is enqueued: the place for what else follows a win of its kind. (A writer that dies
    after the commit and before this call never calls it for that win: what starts here must
    also be found by a sweep, as notices are by notices.requeue_stale.)"""


def after_commit(wins: list[writer.NewWin]) -> None:
    """What follows a batch's newly inserted wins: ``won`` for each, then their WeChat notices,
    one job for the batch (``notices.notify_wins``); each win is in exactly one batch's list."""
    for win in wins:
        won(win)
    notices.notify_wins([win.id for win in wins])


def sealer(session, keys, commitment: str):
    """``chain.seal`` for a batch of one shard's rows, from its chain's head as SQL holds it
    when the batch is written: rows that continue the chain are inserted chained."""

    def seal(rows: list[dict]) -> None:
        link = chain.next_link(session, keys.campaign_id, commitment, keys.shard, keys.shards)
        chain.seal(rows, link, keys.shards)

    return seal


def apart(session, campaign_id: int, work, *args, loud: bool = True) -> int | None:
    """``work(*args)``, one campaign's part of a writer's pass or of the sweep (returning the
    plays it wrote), run so that a campaign whose plays cannot be written (SQL refuses a row, an
    entry the code cannot read) holds up no other: its failure is rolled back, logged (when
    ``loud``) and answered None, its entries left pending in its streams. SQL or Redis out of
    reach is raised, as every campaign would meet it alike."""
    try:
        return work(*args)
    except UNREACHABLE:
        raise
    except Exception:
        session.rollback()
        if loud:
            log.exception(
                "campaign %s's plays cannot be written; they stay in its streams and are tried "
                "again on every pass",
                campaign_id,
            )
        return None


def drain_campaign(session, redis, campaign_id: int) -> int:
    """Write every play a campaign's streams hold now, synchronously (before a rebuild of its
    Redis state from SQL, and in the periodic sweep). Returns the plays read."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return 0
    settings = services.settings()
    total = 0
    for keys in all_shards(campaign_id, campaign.shards):
        total += writer.drain(
            session,
            redis,
            keys,
            drain_consumer(),
            settings["LEDGER_BATCH"],
            on_wins=after_commit,
            claim_idle_ms=settings["LEDGER_CLAIM_IDLE_MS"],
            seal=sealer(session, keys, campaign.seed_commitment),
        )
    if total:
        chain.extend(session, redis, session.get(Campaign, campaign_id), services.now())
    return total


def drain_all(session, redis) -> int:
    """``drain_campaign`` for every published campaign."""
    ids = session.scalars(select(Campaign.id).where(Campaign.seed.is_not(None))).all()
    return sum(drain_campaign(session, redis, campaign_id) for campaign_id in ids)


class Loop:
    """One writer: reads every published campaign's streams, writes, acknowledges, repeats."""

    def __init__(self, session, redis, settings, consumer: str | None = None):
        self.session = session
        self.redis = redis
        self.batch = settings["LEDGER_BATCH"]
        self.claim_idle_ms = settings["LEDGER_CLAIM_IDLE_MS"]
        self.poll_ms = settings["LEDGER_POLL_MS"]
        self.consumer = consumer or writer.consumer_name()
        self.campaigns: list[tuple[int, int, str]] = []  # (id, shards, seed commitment)
        self._campaigns_at = 0.0
        self._claimed_at = 0.0
        self._forgot_at = time.monotonic()
        self._fresh = True  # the first pass reads this consumer's own pending entries
        self.failing: set[int] = set()  # campaigns whose last pass could not be written
        self.full = False

    def _published(self) -> list[tuple[int, int, str]]:
        if time.monotonic() - self._campaigns_at > CAMPAIGNS_EVERY_S:
            rows = self.session.execute(
                select(Campaign.id, Campaign.shards, Campaign.seed_commitment).where(
                    Campaign.seed.is_not(None)
                )
            ).all()
            self.session.commit()
            self.campaigns = [tuple(row) for row in rows]
            self._campaigns_at = time.monotonic()
        return self.campaigns

    def once(self) -> None:
        """One pass over every stream. ``self.full`` says whether some stream gave a whole
        batch (more may be waiting).

        A campaign whose plays cannot be written (SQL refuses a row, an entry the code cannot
        read) is rolled back, logged and passed over; the other campaigns are written. Its
        entries stay pending, unacknowledged, and are read again on each pass until they can
        be written (/healthz/ledger shows its lag growing). SQL or Redis unreachable fails the
        whole pass, as every campaign would fail alike (``run`` waits and tries again)."""
        claim = time.monotonic() - self._claimed_at > CLAIM_EVERY_S
        if claim:
            self._claimed_at = time.monotonic()
        forget = time.monotonic() - self._forgot_at > FORGET_EVERY_S
        if forget:
            self._forgot_at = time.monotonic()
        self.full = False
        for campaign_id, shards, commitment in self._published():
            failed_before = campaign_id in self.failing
            reread = self._fresh or failed_before
            written = apart(
                self.session,
                campaign_id,
                self._pass,
                *(campaign_id, shards, commitment, reread, claim, forget),
                loud=not failed_before,  # logged once, not on every pass
            )
            if written is None:
                self.failing.add(campaign_id)
            elif failed_before:
                log.warning("ledger writer: campaign %s's plays are written again", campaign_id)
                self.failing.discard(campaign_id)
        self._fresh = False

    def _pass(self, campaign_id, shards, commitment, reread, claim, forget) -> int:
        """One campaign's part of a pass: ``reread`` reads this consumer's own pending entries
        first (the writer's first pass, or after the campaign's last pass failed)."""
        written = 0
        for keys in all_shards(campaign_id, shards):
            if reread:
                writer.ensure_group(self.redis, keys)
                written += self._write(
                    keys,
                    commitment,
                    writer.read_own_pending(self.redis, keys, self.consumer, self.batch),
                )
            if forget:
                writer.forget_idle_consumers(self.redis, keys, FORGET_IDLE_MS)
            if claim:
                entries = writer.claim(
                    self.redis, keys, self.consumer, self.claim_idle_ms, self.batch
                )
                written += self._write(keys, commitment, entries)
            written += self._write(
                keys, commitment, writer.read(self.redis, keys, self.consumer, self.batch)
            )
        if written:
            campaign = self.session.get(Campaign, campaign_id)
            chain.extend(self.session, self.redis, campaign, services.now())
        return written

    def _write(self, keys, commitment: str, entries) -> int:
        """Write a batch of one shard's entries, inserted chained where they continue the
        chain (``sealer``: the chain's head is read once, rather than every play read back
        and updated by chain.extend)."""
        if not entries:
            return 0
        self.full |= len(entries) >= self.batch
        after_commit(writer.write(self.session, entries, sealer(self.session, keys, commitment)))
        writer.acknowledge(self.redis, keys, entries)
        return len(entries)

    def run(self, stop: threading.Event, on_pass=None) -> None:
        """Until ``stop`` is set. SQL or Redis down: wait and try again (the entries stay
        pending and are read again; nothing is acknowledged before its commit).

        Between passes that found no full batch it waits ``poll_ms``, busy or not: a batch
        costs about the same whatever its size (a commit, the hash chain's head, the stream's
        acknowledgement and trim), so under load a writer that read again at once would write
        batches of a few plays at ~390 µs of CPU each, against ~130 µs in batches of a hundred
        (measured in one process, before plays were inserted chained: ~95 µs now). A backlog
        (a full batch) is read again without waiting. ``on_pass()`` is called before every
        pass, failed ones too: the heartbeat a supervisor watches."""
        while not stop.is_set():
            if on_pass is not None:
                on_pass()
            try:
                self.once()
            except UNREACHABLE as exc:
                self.session.rollback()
                self._fresh = True  # what was read and not written is read again
                log.warning("ledger writer: %s; retrying", type(exc).__name__)
                stop.wait(min(1.0, self.poll_ms * 10 / 1000))
                continue
            if not self.full:
                stop.wait(self.poll_ms / 1000)


def run_forever(stop: threading.Event | None = None, on_pass=None) -> None:
    """The writer process's body, inside an app context (``on_pass``: see ``Loop.run``)."""
    stop = stop or threading.Event()
    loop = Loop(services.session(), redis_clients.counters, services.settings())
    log.info("ledger writer %s started", loop.consumer)
    try:
        loop.run(stop, on_pass)
    finally:
        services.session().remove()
