"""The draw engine on its own: fairness, pacing, rebuilding from SQL after Redis loses state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from scipy.stats import chisquare
from sqlalchemy import func, select

from campaigns.core.errors import DomainError, ErrorCode
from campaigns.draw import state
from campaigns.draw.decision import Decision
from campaigns.draw.keys import CampaignKeys
from campaigns.models import Play, Win
from campaigns.web.extensions import db
from tests.campaigns.test_play_endpoint import play

DRAWS = 100_000
PIPELINE = 2_000
POOL_CHUNK = 10_000


@pytest.mark.one_database
@pytest.mark.slow
@pytest.mark.parametrize(
    "probabilities",
    [
        [0.5],
        [0.001, 0.01, 0.1, 0.3],
        [0.2, 0.2, 0.2, 0.2, 0.2],
    ],
    ids=["one-half", "skewed", "no-blank"],
)
def test_observed_frequencies_match_the_odds(factory, engine, clock, probabilities):
    """Chi-square goodness of fit over 100,000 real draws of the Lua script (ample stock).

    The draws are pipelined (same script, same seeded numbers) so the test takes seconds."""
    prizes = [
        {"name": f"P{i}", "stock": 1_000_000, "probability": p} for i, p in enumerate(probabilities)
    ]
    campaign = factory.campaign(prizes=prizes, wins_per_user_total=None)
    player = factory.player()
    ids = [p.id for p in campaign.prizes]
    counts = dict.fromkeys(ids + [None], 0)
    first = engine.decide(db.session, campaign, player.id, "k0", clock.now())  # builds the state
    counts[first.prize_id] += 1
    for start in range(2, DRAWS + 1, POOL_CHUNK):
        engine.fill_pool(campaign, start, POOL_CHUNK)
    keys = CampaignKeys(campaign.id)
    for start in range(1, DRAWS, PIPELINE):
        pipe = engine.redis.pipeline(transaction=False)
        for n in range(start, min(start + PIPELINE, DRAWS)):
            args = engine.draw_args(campaign, player.id, f"k{n}", clock.now())
            engine.scripts.draw(keys=keys.draw_keys(player.id, f"k{n}"), args=args, client=pipe)
        for kind, raw in pipe.execute():
            assert kind == b"ok"
            counts[Decision.parse(raw).prize_id] += 1
    blank = 1 - sum(probabilities)
    expected = [DRAWS * p for p in probabilities] + ([DRAWS * blank] if blank > 1e-12 else [])
    observed = [counts[i] for i in ids] + ([counts[None]] if blank > 1e-12 else [])
    if blank <= 1e-12:
        assert counts[None] == 0
    result = chisquare(observed, expected)
    assert result.pvalue > 0.001, (observed, expected, result)


def test_pacing_even_releases_stock_over_time(factory, engine, clock):
    start = clock.now()
    campaign = factory.campaign(
        starts_at=start,
        ends_at=start + timedelta(days=10),
        wins_per_user_total=None,
        prizes=[{"name": "Phone", "stock": 10, "probability": 1.0, "pacing": "even"}],
    )
    player = factory.player()
    awarded = 0
    for step in range(1, 41):  # every 6 hours, try hard to win
        clock.set(start + timedelta(hours=6 * step) - timedelta(seconds=1))
        for n in range(5):
            decision = engine.decide(db.session, campaign, player.id, f"{step}-{n}", clock.now())
            awarded += decision.prize_id is not None
        elapsed = (clock.now() - start).total_seconds()
        released = -(-10 * elapsed // (10 * 24 * 3600))  # ceil
        assert awarded <= released
        assert awarded == min(10, released)  # and nothing held back beyond the pace


def _state(redis, campaign_id):
    keys = CampaignKeys(campaign_id)
    return redis.hgetall(keys.awarded), redis.get(keys.seq)


def test_flushall_rebuilds_from_sql_and_never_oversells(factory, redis):
    campaign = factory.campaign(
        plays_per_user_per_day=3,
        wins_per_user_total=2,
        prizes=[{"name": "Coupon", "stock": 6, "probability": 0.9}],
    )
    players = factory.players(6)
    clients = [factory.signed_in(p) for p in players]
    for client in clients[:3]:
        for _ in range(2):
            assert play(client, campaign.id).status_code == 200
    before = db.session.scalar(select(func.count()).select_from(Win))
    redis.flushall()
    for client in clients:
        for _ in range(4):
            play(client, campaign.id)
    wins = db.session.scalar(select(func.count()).select_from(Win))
    assert before > 0 and wins <= 6
    per_player = db.session.execute(
        select(Play.player_id, func.count()).where(Play.outcome != "void").group_by(Play.player_id)
    ).all()
    assert all(count <= 3 for _, count in per_player)
    win_counts = db.session.execute(
        select(Win.player_id, func.count()).group_by(Win.player_id)
    ).all()
    assert all(count <= 2 for _, count in win_counts)
    seqs = db.session.scalars(select(Play.seq).order_by(Play.seq)).all()
    assert seqs == list(range(1, len(seqs) + 1))
    # Redis's picture equals SQL's once rebuilt
    awarded, _ = _state(redis, campaign.id)
    assert int(awarded[str(campaign.prizes[0].id).encode()]) == wins


def test_a_rebuild_that_lost_its_lock_while_draining_writes_nothing(factory, redis):
    """The drain before a rebuild outlasted the lock (its key expired, another process took
    it): this rebuild answers unavailable and leaves the state to that process."""
    campaign = factory.campaign()
    keys = CampaignKeys(campaign.id)
    redis.delete(*keys.stock_keys())

    def drain_outlasting_the_lock(_session, redis, _campaign_id):
        redis.set(keys.lock, b"another process's token")

    with pytest.raises(DomainError) as refused:
        state.rebuild(db.session, redis, campaign.id, before=drain_outlasting_the_lock)
    assert refused.value.code is ErrorCode.UNAVAILABLE
    assert redis.hget(keys.meta, "ready") is None
    assert redis.get(keys.lock) == b"another process's token"  # not released by this one
    redis.delete(keys.lock)
    state.rebuild(db.session, redis, campaign.id, before=lambda *_: None)
    assert redis.hget(keys.meta, "ready") == b"1"


def test_a_real_redis_restart_without_data(factory, app_on, restartable_redis):
    """SIGKILL the server, delete its files, start it empty: counts come back from SQL."""
    app = app_on(restartable_redis.url)
    with app.app_context():
        campaign = factory.campaign(
            plays_per_user_total=2, prizes=[{"name": "Coupon", "stock": 3, "probability": 1.0}]
        )
        players = factory.players(5)
        clients = [factory.signed_in(p, app.test_client()) for p in players]
        assert [play(c, campaign.id).json["outcome"] for c in clients[:2]] == ["win", "win"]
        restartable_redis.kill()
        import shutil

        shutil.rmtree(restartable_redis.data_dir)
        down = play(clients[2], campaign.id)
        assert down.status_code == 503 and down.json["error"] == "unavailable"
        restartable_redis.start()
        outcomes = [play(c, campaign.id).json.get("outcome") for c in clients for _ in range(3)]
        assert outcomes.count("win") == 1  # 3 in stock, 2 given before the crash
        assert db.session.scalar(select(func.count()).select_from(Win)) == 3
        per_player = db.session.execute(
            select(Play.player_id, func.count()).group_by(Play.player_id)
        ).all()
        assert all(count <= 2 for _, count in per_player)


def test_replay_after_redis_lost_state_returns_the_stored_play(factory, redis):
    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}])
    client = factory.signed_in(factory.player())
    first = play(client, campaign.id, key="same")
    redis.flushall()
    again = play(client, campaign.id, key="same")
    assert again.json == first.json
    assert db.session.scalar(select(func.count()).select_from(Play)) == 1


def test_a_decision_whose_request_died_reaches_the_ledger(factory, engine, redis, clock, app):
    """The process dies after the draw, before its response: the play is in the stream already
    (the same script call), so the writer writes it, and the player's retry gets that play."""
    from tests.ledger import settle

    campaign = factory.campaign(prizes=[{"name": "Coupon", "stock": 5, "probability": 1.0}])
    player = factory.player()
    decision = engine.decide(db.session, campaign, player.id, "lost", clock.now())
    assert settle(app) == 1
    stored = db.session.scalar(select(Play))
    assert stored.seq == decision.seq and stored.outcome == "win" and stored.win.slot == 1
    assert stored.win.code == decision.code
    client = factory.signed_in(player)
    again = play(client, campaign.id, key="lost").json
    assert again["play_id"] == stored.seq and again["code"] == stored.win.code
