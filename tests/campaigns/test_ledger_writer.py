"""The ledger writer (campaigns/ledger/writer.py): a play is answered from Redis, its row follows
from the play stream. Killed mid-batch, stopped, or with the database locked, the writer loses
nothing and writes nothing twice; the backlog is bounded (503 past it) and recovers.

The database is made unwritable by a real lock held from another connection, so a write really
times out; the writer's pieces are run in this process as a writer would run them."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from campaigns.draw.decision import Decision
from campaigns.draw.keys import WRITER_GROUP, CampaignKeys
from campaigns.jobs import ledger_writer, schedule
from campaigns.ledger import chain, writer
from campaigns.models import Play, Player, Win
from campaigns.web.extensions import db
from campaigns.web.worker import WriterSupervisor
from tests.campaigns.test_play_endpoint import play
from tests.ledger import settle


@contextmanager
def database_write_locked(url: str):
    """Hold a write lock on the ledger from another connection (reads still go through)."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    other = create_engine(url)
    with other.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("LOCK TABLE play IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            transaction.rollback()
    other.dispose()


@pytest.fixture
def quiet_app(app_on, redis_url):
    """An app whose test clients leave the writing to the test (no settle after a request)."""

    def build(**extra):
        built = app_on(redis_url, TEST_SETTLE_AFTER_REQUEST=False, **extra)
        return built

    return build


def _ledger(session, campaign_id):
    session.expire_all()
    return session.execute(
        select(Play.seq, Play.outcome).where(Play.campaign_id == campaign_id).order_by(Play.seq)
    ).all()


def test_plays_go_on_while_the_database_is_locked_and_sql_catches_up(factory, quiet_app, clock):
    app = quiet_app(DB_LOCK_TIMEOUT_MS=300)
    with app.app_context():
        campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 3, "probability": 0.5}])
        clients = [factory.signed_in(p, app.test_client()) for p in factory.players(6)]
        redis = app.extensions["redis"]["counters"]
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        with database_write_locked(url):
            answers = [play(c, campaign.id, key=f"k{n}") for n, c in enumerate(clients)]
            assert {a.status_code for a in answers} == {200}  # no play refused
            with pytest.raises(SQLAlchemyError):
                ledger_writer.drain_campaign(db.session, redis, campaign.id)
            db.session.rollback()
        assert writer.backlog(redis, campaign.id, 1).plays == 6  # still in the stream
        # the report and exports read SQL, and say how far behind it is
        auth = {"Authorization": f"Bearer {factory.token('analyst')}"}
        report = app.test_client().get(f"/api/campaigns/{campaign.id}/report", headers=auth)
        assert report.json["funnel"]["plays"] == 0
        assert report.json["ledger"]["plays_not_written"] == 6
        assert report.json["ledger"]["as_of"]
        export = app.test_client().get(f"/api/campaigns/{campaign.id}/plays.csv", headers=auth)
        assert export.headers["X-Plays-Not-Written"] == "6"
        settle(app)
        report = app.test_client().get(f"/api/campaigns/{campaign.id}/report", headers=auth)
        assert report.json["funnel"]["plays"] == 6
        assert report.json["ledger"]["plays_not_written"] == 0
        rows = _ledger(db.session, campaign.id)
        assert [seq for seq, _ in rows] == [1, 2, 3, 4, 5, 6]
        shown = {a.json["play_id"]: a.json["outcome"] for a in answers}
        assert {seq: outcome for seq, outcome in rows} == shown
        codes = {a.json["code"] for a in answers if a.json["outcome"] == "win"}
        assert set(db.session.scalars(select(Win.code))) == codes
        assert writer.backlog(redis, campaign.id, 1).plays == 0  # trimmed once written


def test_a_writer_killed_mid_batch_loses_nothing_and_writes_nothing_twice(
    factory, quiet_app, clock
):
    app = quiet_app()
    with app.app_context():
        campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 20, "probability": 0.4}])
        clients = [factory.signed_in(p, app.test_client()) for p in factory.players(12)]
        answers = [play(c, campaign.id) for c in clients]
        assert {a.status_code for a in answers} == {200}
        redis = app.extensions["redis"]["counters"]
        keys = CampaignKeys(campaign.id)
        writer.ensure_group(redis, keys)
        # Writer A reads a batch and dies before its commit; writer B reads the next one,
        # commits it and dies before its acknowledgement.
        lost = writer.read(redis, keys, "writer-a", 4)
        assert [e.decision.seq for e in lost] == [1, 2, 3, 4]
        committed = writer.read(redis, keys, "writer-b", 4)
        wins_b = writer.write(db.session, committed)
        assert redis.xpending(keys.stream, WRITER_GROUP)["pending"] == 8
        # A third writer takes both over once idle (0 ms here), and reads the rest.
        notified = []
        read = writer.drain(db.session, redis, keys, "writer-c", 3, notified.extend, 0)
        assert read == 12  # 4 lost + 4 redelivered + 4 new
        rows = _ledger(db.session, campaign.id)
        assert [seq for seq, _ in rows] == list(range(1, 13))  # no gap, no duplicate
        wins = db.session.scalars(select(Win).order_by(Win.id)).all()
        assert len(wins) == sum(a.json["outcome"] == "win" for a in answers)
        # each win got its follow-up exactly once: B's before it died, C's for the others
        assert sorted(w.id for w in wins_b + notified) == [w.id for w in wins]
        assert redis.xpending(keys.stream, WRITER_GROUP)["pending"] == 0
        assert redis.xlen(keys.stream) == 0
        # writers long gone, holding nothing, leave the group
        assert writer.forget_idle_consumers(redis, keys, 0) >= 3  # a, b, c (and any drain)
        assert redis.xinfo_consumers(keys.stream, WRITER_GROUP) == []


def _hashes(session, campaign_id):
    session.expire_all()
    return session.execute(
        select(Play.seq, Play.outcome, Play.prev_hash, Play.entry_hash)
        .where(Play.campaign_id == campaign_id)
        .order_by(Play.seq)
    ).all()


def _rechained(session, redis, campaign, now):
    """The campaign's chain as chain.extend computes it from the rows read back from SQL."""
    session.execute(
        update(Play).where(Play.campaign_id == campaign.id).values(prev_hash=None, entry_hash=None)
    )
    session.commit()
    chain.extend(session, redis, campaign, now)
    return _hashes(session, campaign.id)


def test_plays_are_inserted_chained_as_chain_extend_would_chain_them(factory, quiet_app, clock):
    app = quiet_app()
    with app.app_context():
        campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 20, "probability": 0.4}])
        clients = [factory.signed_in(p, app.test_client()) for p in factory.players(9)]
        assert {play(c, campaign.id).status_code for c in clients} == {200}
        redis = app.extensions["redis"]["counters"]
        keys = CampaignKeys(campaign.id)
        seal = ledger_writer.sealer(db.session, keys, campaign.seed_commitment)
        # three batches: each continues the chain the one before committed
        assert writer.drain(db.session, redis, keys, "writer", 3, seal=seal) == 9
        sealed = _hashes(db.session, campaign.id)
        assert [row.seq for row in sealed] == list(range(1, 10))
        assert sealed[0].prev_hash == campaign.seed_commitment
        assert all(row.entry_hash for row in sealed)
        assert _rechained(db.session, redis, campaign, clock.now()) == sealed


def test_a_win_sql_refuses_is_voided_and_its_batch_chained_again(factory, quiet_app, clock):
    """A win whose slot SQL already holds (a Redis state rebuilt behind SQL) becomes void after
    its row was sealed as a win: the batch's hashes are cleared for chain.extend to compute."""
    app = quiet_app()
    with app.app_context():
        campaign = factory.campaign(prizes=[{"name": "Mug", "stock": 5, "probability": 1.0}])
        client = factory.signed_in(factory.player(), app.test_client())
        assert play(client, campaign.id).json["outcome"] == "win"
        redis = app.extensions["redis"]["counters"]
        keys = CampaignKeys(campaign.id)
        [(stream_id, fields)] = redis.xrange(keys.stream)
        won = writer.Entry(stream_id, campaign.id, Decision.parse(fields[b"d"]))
        first = json.loads(fields[b"d"])
        # the player's next play, drawn with the same stock slot
        same_slot = {**first, "seq": 2, "key": "again", "t": first["t"] + 1, "d": first["d"] + 1}
        again = writer.Entry(b"0-1", campaign.id, Decision.parse(json.dumps(same_slot)))
        seal = ledger_writer.sealer(db.session, keys, campaign.seed_commitment)
        assert [w.seq for w in writer.write(db.session, [won, again], seal)] == [1]
        rows = _hashes(db.session, campaign.id)
        assert [(row.seq, row.outcome, row.entry_hash) for row in rows] == [
            (1, "win", None),
            (2, "void", None),
        ]
        chain.extend(db.session, redis, campaign, clock.now())
        chained = _hashes(db.session, campaign.id)
        assert all(row.entry_hash for row in chained)
        assert _rechained(db.session, redis, campaign, clock.now()) == chained


def test_the_backlog_bound_refuses_with_503_and_recovers(factory, quiet_app, clock):
    app = quiet_app(LEDGER_BACKLOG_MAX=3)
    with app.app_context():
        campaign = factory.campaign()
        clients = [factory.signed_in(p, app.test_client()) for p in factory.players(4)]
        assert [play(c, campaign.id).status_code for c in clients[:3]] == [200] * 3
        refused = play(clients[3], campaign.id)
        assert refused.status_code == 503
        assert refused.json["error"] == "unavailable"
        status = app.test_client().get("/healthz/ledger").json
        assert status["backlog"] == 3 and not status["ok"]
        settle(app)
        assert play(clients[3], campaign.id).status_code == 200
        settle(app)
        assert [seq for seq, _ in _ledger(db.session, campaign.id)] == [1, 2, 3, 4]
        assert app.test_client().get("/healthz/ledger").json["backlog"] == 0


def test_a_replay_is_answered_from_redis_before_its_row_is_written(factory, quiet_app):
    app = quiet_app()
    with app.app_context():
        campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}])
        client = factory.signed_in(factory.player(), app.test_client())
        first = play(client, campaign.id, key="same")
        again = play(client, campaign.id, key="same")
        assert again.status_code == 200 and again.json == first.json
        assert db.session.scalar(select(func.count()).select_from(Play)) == 0  # not yet in SQL
        settle(app)
        assert db.session.scalar(select(func.count()).select_from(Play)) == 1
        assert play(client, campaign.id, key="same").json == first.json


def test_a_key_sent_again_after_redis_forgot_it_is_a_new_play_in_sql_too(factory, quiet_app):
    """Past IDEMPOTENCY_TTL_SECONDS Redis no longer knows the key and draws again; the new
    play used stock and a count and was shown to the player, so SQL gets it too (no gap in the
    campaign's sequence), under the key with its sequence number appended."""
    app = quiet_app()
    with app.app_context():
        campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}])
        player = factory.player()
        client = factory.signed_in(player, app.test_client())
        first = play(client, campaign.id, key="same").json
        settle(app)
        redis = app.extensions["redis"]["counters"]
        assert redis.delete(CampaignKeys(campaign.id).idempotency(player.id, "same")) == 1
        second = play(client, campaign.id, key="same").json
        assert second["play_id"] != first["play_id"]
        settle(app)
        rows = db.session.execute(
            select(Play.seq, Play.idempotency_key, Play.outcome).where(
                Play.campaign_id == campaign.id
            )
        ).all()
        # The second loses: the player is at wins_per_user_total (1), as the response said.
        assert sorted(rows) == [(1, "same", "win"), (2, "same~2", second["outcome"])]
        assert (first["outcome"], second["outcome"]) == ("win", "lose")


def test_waiting_for_a_replica_that_is_not_there_answers_503_and_keeps_the_play(factory, quiet_app):
    """COUNTERS_WAIT_REPLICAS=1 on a Redis without replicas: WAIT counts 0 after its timeout, so
    the play is not answered; it stays recorded (SQL gets it) and a retry with the same key
    replays it rather than drawing again."""
    app = quiet_app(COUNTERS_WAIT_REPLICAS=1, COUNTERS_WAIT_MS=50)
    with app.app_context():
        campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}])
        client = factory.signed_in(factory.player(), app.test_client())
        for _ in range(2):
            refused = play(client, campaign.id, key="wait-1")
            assert refused.status_code == 503 and refused.json["error"] == "unavailable"
        settle(app)
        rows = db.session.execute(select(Play.seq, Play.outcome)).all()
        assert rows == [(1, "win")]  # one play, kept, though never answered


@pytest.mark.parametrize(
    "setting, problem",
    [(["--maxmemory-policy", "allkeys-lru"], "noeviction"), (["--appendonly", "no"], "appendonly")],
)
def test_the_app_refuses_a_counters_redis_that_may_lose_plays(tmp_path, setting, problem):
    from campaigns.web.app import create_app
    from devtools.embedded_redis import EmbeddedRedis
    from tests.conftest import free_port

    server = EmbeddedRedis(None, str(tmp_path / "r"), port=free_port(), extra_args=setting)
    server.start()
    try:
        with pytest.raises(writer.CountersRedisUnsafe, match=problem):
            create_app({"REDIS_URL": server.url, "COUNTERS_REDIS_URL": server.url, "TESTING": True})
    finally:
        server.stop()


def _stuck_writer(_app, _beat):
    """Alive and never making a pass (what a writer stuck on a lock looks like)."""
    time.sleep(600)


def _beating_writer(_app, beat):
    for _ in range(12_000):
        beat.value = time.monotonic()
        time.sleep(0.05)


def _supervised(app, target, stall_after):
    supervisor = WriterSupervisor(app, check_every=0.05, stall_after=stall_after, target=target)
    supervisor.start()
    deadline = time.monotonic() + 30
    while supervisor.process is None or supervisor.process.pid is None:
        assert time.monotonic() < deadline, "no writer was started"
        time.sleep(0.05)
    return supervisor


def _stop(supervisor):
    supervisor.stop.set()
    supervisor.join(10)
    supervisor.process.kill()
    supervisor.process.join(10)


def test_a_writer_alive_but_stuck_is_killed_and_another_started(app):
    supervisor = _supervised(app, _stuck_writer, stall_after=0.5)
    try:
        stuck = supervisor.process
        deadline = time.monotonic() + 60
        while supervisor.process is stuck:
            assert time.monotonic() < deadline, "the stuck writer was never replaced"
            time.sleep(0.05)
        stuck.join(10)
        assert stuck.exitcode == -signal.SIGKILL
        assert supervisor.process.is_alive()
    finally:
        _stop(supervisor)


def test_a_writer_that_beats_is_left_running(app):
    supervisor = _supervised(app, _beating_writer, stall_after=3.0)
    try:
        first = supervisor.process
        time.sleep(4.0)  # longer than the stall bound: a beating writer outlives it
        assert supervisor.process is first and first.is_alive()
    finally:
        _stop(supervisor)


def _one_campaign_refused(factory, app):
    """Two campaigns with a play each; the first's stream also holds a play naming a player
    SQL does not hold, which a foreign key refuses. Returns (stuck, going, player, its client,
    the missing player's id)."""
    stuck = factory.campaign(prizes=[{"name": "Mug", "stock": 5, "probability": 0.0}])
    going = factory.campaign(prizes=[{"name": "Pen", "stock": 5, "probability": 0.0}])
    player = factory.player()
    client = factory.signed_in(player, app.test_client())
    assert play(client, stuck.id).status_code == 200
    assert play(client, going.id).status_code == 200
    redis = app.extensions["redis"]["counters"]
    [(_, fields)] = redis.xrange(CampaignKeys(stuck.id).stream)
    missing = player.id + 99
    orphan = {**json.loads(fields[b"d"]), "seq": 2, "key": "orphan", "player": missing}
    redis.xadd(CampaignKeys(stuck.id).stream, {"d": json.dumps(orphan)})
    return stuck, going, player, client, missing


def test_a_campaign_whose_plays_sql_refuses_holds_up_no_other_campaign(factory, quiet_app):
    """One campaign's batch that cannot be written stays pending in its stream while the
    writer writes the other campaigns, and is written on the first pass after the cause is
    gone."""
    app = quiet_app()
    with app.app_context():
        stuck, going, player, client, missing = _one_campaign_refused(factory, app)
        redis = app.extensions["redis"]["counters"]
        keys = CampaignKeys(stuck.id)
        loop = ledger_writer.Loop(db.session, redis, app.config, consumer="writer")

        loop.once()
        assert _ledger(db.session, going.id) == [(1, "lose")]
        assert _ledger(db.session, stuck.id) == []  # the batch is one transaction
        assert loop.failing == {stuck.id}
        assert redis.xpending(keys.stream, WRITER_GROUP)["pending"] == 2
        assert play(client, going.id).status_code == 200
        loop.once()  # tried again, still refused; the other campaign goes on
        assert _ledger(db.session, going.id) == [(1, "lose"), (2, "lose")]
        assert _ledger(db.session, stuck.id) == []

        # the player row appears (a restore, say): the pending plays are written, once each
        db.session.add(Player(id=missing, openid="o-restored", created_at=player.created_at))
        db.session.commit()
        loop.once()
        assert _ledger(db.session, stuck.id) == [(1, "lose"), (2, "lose")]
        assert loop.failing == set()
        assert redis.xpending(keys.stream, WRITER_GROUP)["pending"] == 0


def test_the_sweep_goes_on_past_a_campaign_whose_plays_sql_refuses(factory, quiet_app):
    """The sweep drains every campaign's streams too: one it cannot write must not stop it
    from writing the others, nor from the rest of its round (notices, expiry, payouts): it
    used to raise there, before any of them."""
    app = quiet_app()
    with app.app_context():
        stuck, going, *_ = _one_campaign_refused(factory, app)
        stuck_id, going_id = stuck.id, going.id  # the sweep ends its session
        assert schedule.sweep_in_flight() == 1  # the other campaign's play
        assert _ledger(db.session, going_id) == [(1, "lose")]
        assert _ledger(db.session, stuck_id) == []
